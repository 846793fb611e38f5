"""The words of a search highlighted inside a message's rendered Markdown.

The message text is untrusted, so nothing is ever added to the Markdown source: once a block's
Markdown is parsed and mounted, each of its text widgets (paragraphs, headings, list items, code,
table cells) holds a `Content`, and the matching words are styled by character span on that
Content (`Content.stylize`), the way a snippet is in the results list. The Content each widget
had is kept, so the highlight can change (the current match is styled apart from the others) or
go away without parsing anything again.

Words match as the embedded server's index matches them: case and diacritics folded, a query
word of two or more characters as the start of a word ("retr" finds "Retrying").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from weakref import WeakKeyDictionary

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from pieces_tui.widgets.detail.blocks import MessageBlock

__all__ = ["CURRENT_STYLE", "MATCH_STYLE", "MatchHighlighter", "match_spans", "query_words"]

MATCH_STYLE = "bold $text-warning underline"
"""A matching word."""

CURRENT_STYLE = "bold reverse $text-warning"
"""A matching word of the current match (the message n / N last went to)."""

_WORD = re.compile(r"[^\W_]+")


def fold(word: str) -> str:
    """Case and diacritics folded (as the index's `unicode61 remove_diacritics 2`)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def query_words(query: str) -> tuple[str, ...]:
    """The folded words of a query, once each."""
    return tuple(dict.fromkeys(fold(w) for w in _WORD.findall(unicodedata.normalize("NFC", query))))


def _pattern(words: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(w) + (r"[^\W_]*" if len(w) > 1 else "")
        for w in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def match_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """[start, end) of each word of `text` that matches one of `words` (folded)."""
    if not words or not text:
        return []
    pattern = _pattern(words)
    if text.isascii():  # lower() keeps every offset
        return [m.span() for m in pattern.finditer(text.lower())]
    return [m.span() for m in _WORD.finditer(text) if pattern.fullmatch(fold(m.group()))]


class MatchHighlighter:
    """Highlights words in the rendered Markdown of message blocks, remembering what each text
    widget showed before so that it can restyle or restore it."""

    def __init__(self) -> None:
        self.words: tuple[str, ...] = ()
        self._original: WeakKeyDictionary[Static, Content] = WeakKeyDictionary()

    def apply(self, block: Widget, *, matching: bool, current: bool) -> Static | None:
        """Style `block`'s matching words (as the current match or not), or remove the styling
        when it is not `matching` (or there are no words). Returns the first text widget holding
        a matching word (None if none does)."""
        words = self.words if matching else ()
        first: Static | None = None
        for widget, start in _text_widgets(block):
            original = self._original.get(widget)
            if original is None:
                content = widget.content
                if not isinstance(content, Content):
                    continue
                if not words:
                    continue  # never highlighted: nothing to restore
                original = self._original[widget] = content
            spans = match_spans(original.plain[start:], words)
            if not spans:
                if widget.content is not original:
                    widget.update(original, layout=False)
                continue
            style = CURRENT_STYLE if current else MATCH_STYLE
            highlighted = original
            for begin, end in spans:
                highlighted = highlighted.stylize(style, start + begin, start + end)
            widget.update(highlighted, layout=False)
            first = first or widget
        return first


def _text_widgets(block: Widget) -> list[tuple[Static, int]]:
    """The widgets of `block`'s Markdown that hold text (not the role label above it), each
    with where its text starts (0); or, for a message with no Markdown syntax (which may come
    before any Markdown was imported), the block itself, whose text starts after its role
    line."""
    if isinstance(block, MessageBlock) and block.plain is not None:
        return [(block, block.text_start)]
    from textual.widgets import Markdown  # loaded by then: the block's Markdown is mounted

    return [
        (widget, 0)
        for markdown in block.query(Markdown)
        for widget in markdown.query(Static)
        if not isinstance(widget, Markdown)
    ]
