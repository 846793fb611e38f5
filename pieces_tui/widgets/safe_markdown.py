"""Markdown for untrusted text: messages and annotations are LLM output.

Rendering them as Markdown is a feature; these rules keep it harmless:

- Raw HTML is not interpreted: the parser runs with `html` off, so `<script>` or `<div>` is shown as
  the literal text it is (Textual would otherwise silently drop inline HTML tags).
- Every text, code and link token is cleaned again after parsing (`pieces_tui.sanitize`), because
  entities decode to characters that were not in the source (`&#x202e;` is a bidi override).
- Links open only when their scheme is `http` or `https` (with a host) or `mailto`. Anything
  else (`file:`, `javascript:`, `data:`, `ftp:`, `vscode:`, a relative path, ...) is refused on
  click, with a notification that says why; `App.open_url` is never called for it.
- Size (see `MAX_MARKDOWN_CHARS`, `MAX_FENCE_LINES`): Textual's Markdown costs about 25 ms per
  1,000 characters of prose and 0.5 ms per highlighted line of code per render pass, so a text
  longer than `MAX_MARKDOWN_CHARS` is cut there, followed by a note "Message truncated: showing
  the first 50,000 of 5,242,880 characters (5.0 MB)", and a code block longer than
  `MAX_FENCE_LINES` keeps its first lines and ends with a "… N more lines not shown" line. The
  parser's nesting limit (`MAX_NESTING`, 12 levels) bounds deeply nested lists and quotes;
  deeper levels are not shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from textual import on
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label, Markdown

from pieces_tui.sanitize import clean_line, clean_text

__all__ = [
    "MAX_FENCE_LINES",
    "MAX_MARKDOWN_CHARS",
    "SAFE_LINK_SCHEMES",
    "SafeMarkdown",
    "link_refusal",
    "markdown_blocks",
    "safe_parser",
]

MAX_MARKDOWN_CHARS = 50_000
"""Longer texts are shown cut at this many characters, with a note saying so."""

MAX_FENCE_LINES = 200
"""Longer code blocks show this many lines and say how many more there are."""

MAX_NESTING = 12
"""How deep lists and quotes may nest; what is deeper is not shown. Each level is a widget
(markdown-it's own default of 20 costs about 0.9 s for a 500-level hostile list; 12 about 0.4 s)."""

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def link_refusal(href: str) -> str | None:
    """Why a link must not be opened, or `None` when it may be (http(s) with a host, mailto)."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return "it is not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in SAFE_LINK_SCHEMES:
        shown = f"{scheme}:" if scheme else "a relative link"
        return f"{shown} links are not opened, only http, https and mailto"
    if scheme in ("http", "https") and not parts.hostname:
        return "the link has no host"
    if scheme == "mailto" and not parts.path:
        return "the link has no address"
    return None


def _clean_tokens(tokens: list[Token]) -> None:
    for token in tokens:
        if token.content:
            token.content = clean_text(token.content)
        if token.info:
            token.info = clean_line(token.info)
        if token.type in ("fence", "code_block"):
            token.content = _cut_code(token.content)
        for name, value in list(token.attrs.items()):
            if isinstance(value, str):
                token.attrs[name] = clean_line(value)
        if token.children:
            _clean_tokens(token.children)


def _cut_code(code: str) -> str:
    lines = code.splitlines()
    if len(lines) <= MAX_FENCE_LINES:
        return code
    more = len(lines) - MAX_FENCE_LINES
    return "\n".join([*lines[:MAX_FENCE_LINES], f"… {more:,} more lines not shown", ""])


def _clean_rule(state: StateCore) -> None:
    _clean_tokens(state.tokens)


def safe_parser() -> MarkdownIt:
    """Textual's "gfm-like" parser without raw HTML, whose tokens are cleaned after parsing."""
    parser = MarkdownIt("gfm-like", {"html": False, "maxNesting": MAX_NESTING})
    parser.core.ruler.push("pieces_clean", _clean_rule)
    return parser


class SafeMarkdown(Markdown):
    """Textual's Markdown with `safe_parser` and link clicks vetted by `link_refusal`."""

    def __init__(
        self,
        markdown: str | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            markdown,
            name=name,
            id=id,
            classes=classes,
            parser_factory=safe_parser,
            open_links=False,
        )
        self.filled = False
        """Its text is parsed and its blocks mounted (a text may have no block at all: a
        link reference definition alone, say, so its children do not tell)."""

    @on(Markdown.TableOfContentsUpdated)
    def _filled(self, event: Markdown.TableOfContentsUpdated) -> None:
        # Posted by `Markdown.update` once the blocks are mounted; it bubbles on to the pane.
        if event.markdown is self:
            self.filled = True

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        event.prevent_default()  # Markdown's own handler would open anything
        reason = link_refusal(event.href)
        if reason is not None:
            shown = clean_line(event.href)
            if len(shown) > 120:
                shown = shown[:119] + "…"
            self.notify(
                f"Not opening {shown}: {reason}.",
                title="Link blocked",
                severity="warning",
                markup=False,
            )
            return
        self.app.open_url(event.href)


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    return f"{count / 1_000:.0f} kB"


def markdown_blocks(text: str, *, empty: str = "") -> Iterator[Widget]:
    """The widgets showing untrusted Markdown `text`: a `SafeMarkdown`, then, when the text was
    longer than `MAX_MARKDOWN_CHARS`, a note saying how much is not shown. `empty` stands in for
    a text that is empty once cleaned."""
    shown = text[:MAX_MARKDOWN_CHARS]
    yield SafeMarkdown(clean_text(shown) or empty)
    if len(text) > MAX_MARKDOWN_CHARS:
        size = _size(len(text.encode("utf-8", "surrogatepass")))
        yield Label(
            Content.styled(
                f"Message truncated: showing the first {MAX_MARKDOWN_CHARS:,} of "
                f"{len(text):,} characters ({size}).",
                "italic $text-warning",
            ),
            classes="message-truncated",
        )
