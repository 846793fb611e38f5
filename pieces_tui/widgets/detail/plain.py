"""A message with no Markdown syntax, shown as one widget instead of a Markdown document.

Textual's Markdown is a widget per paragraph, parsed in a thread and mounted a cycle after the
message block; most chat messages are a line or two of prose, for which that is all cost and no
look. `plain_text` decides, by a cheap and conservative test on the cleaned text, that Markdown
would show nothing but paragraphs of plain words; the message block then shows them itself, below
its role line, with the same look (blocks.py; styles/detail.tcss: the paragraph's bottom margin as
the block's padding, the document's colour), so an opening needs no parse, no thread, and one
widget per message instead of four.

Conservative means: anything that might be Markdown goes the Markdown way. The test refuses
every character that starts inline syntax (`` ` * _ [ ] < & \\ ~ | ``), what linkify turns into
links (`//`, `@`, a dot between two word characters), any whitespace but spaces and newlines,
a hard break (two spaces before a newline), and lines that start a block (indented, `#`, `>`,
`-`, `+`, `=`, `1.` / `1)`). What is left is shown as Markdown shows a paragraph: its
whitespace collapsed to single spaces, paragraphs (split by blank lines) one blank row apart.
`tests/widgets/test_plain.py` checks that against markdown-it's own tokens.
"""

from __future__ import annotations

import re

from pieces_tui.sanitize import clean_text

__all__ = ["PLAIN_CHARS", "plain_text"]

PLAIN_CHARS = 4_000
"""Longer texts take the Markdown path (which also bounds what it shows)."""

_SYNTAX = re.compile(
    r"""
    [\\`*_\[\]<&~|@]            # inline syntax, entities, tables, emails
    | //                        # links with a scheme (http://, ftp://, //host)
    | \w\.\w                    # a domain linkify would link (example.com), or a file name
    | [^\S\ \n]                 # tabs, carriage returns, no-break and other spaces
    | \ \ \n                    # a hard line break
    | ^(?:[\ \#>+=-]|\d+[.)])   # a line that starts a block: code, heading, quote, list, rule
    """,
    re.MULTILINE | re.VERBOSE,
)
_BLANK_LINES = re.compile(r"\n{2,}")


def plain_text(text: str) -> str | None:
    """What Markdown would show of `text` (untrusted), when it has no Markdown syntax at all:
    its paragraphs, whitespace collapsed, separated by one blank line. `None` when it may have
    some (or is empty, or longer than `PLAIN_CHARS`): it is then rendered as Markdown."""
    if len(text) > PLAIN_CHARS:
        return None
    cleaned = clean_text(text)
    if _SYNTAX.search(cleaned):
        return None
    paragraphs = [" ".join(part.split()) for part in _BLANK_LINES.split(cleaned.strip("\n"))]
    shown = "\n\n".join(paragraphs)
    return shown or None
