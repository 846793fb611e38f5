"""The plain-text path of the detail pane (`widgets/detail/plain.py`): which texts take it, and
that what it shows is what Markdown would have shown.

`plain_text` must accept only texts Markdown shows as plain paragraphs: checked against
markdown-it's own tokens (the same parser the pane's Markdown uses, `safe_parser`), for chosen
texts and for random ones drawn from an alphabet rich in Markdown syntax."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pieces_tui.sanitize import clean_text
from pieces_tui.widgets.detail.plain import PLAIN_CHARS, plain_text
from pieces_tui.widgets.safe_markdown import safe_parser

from .conftest import HOSTILE

pytestmark = pytest.mark.property

PLAIN = [
    "Hello",
    "How do I retry an HTTP call with exponential backoff and jitter?",
    "Is a > b? Yes! It is #1 (really) - sure, 5,000 or 20% = a lot; ok: fine.",
    "Two  spaces,   three,\na soft break and a trailing space \nhere",
    "One paragraph.\n\nAnother one, after a blank line.\n\n\n\nAnd one after three.",
    "\n\nLeading and trailing newlines\n\n",
    "Ünïcödé, 日本語, Ελληνικά, עברית and an emoji 🎉",
    "Message 3 of 20. Message 3 of 20. Message 3 of 20. ",
]

MARKDOWN = [
    "**bold**",
    "an *emphasis*",
    "a `code` span",
    "snake_case",
    "# Heading",
    "- item",
    "+ item",
    "1. first",
    "2) second",
    "> quote",
    "Title\n===",
    "Title\n---",
    "    indented code",
    "```\ncode\n```",
    "~~~\ncode\n~~~",
    "~~gone~~",
    "a | b\n--|--\n1 | 2",
    "[link](https://example.com)",
    "see example.com",
    "mail me@example.com",
    "https://example.org",
    "a hard  \nbreak",
    "x\\y",
    "&amp; &#x202e;",
    "a\tb",
    "no-break\u00a0space",
    "<b>html</b>",
    "",
    "   ",
    "\n\n",
    "x" * (PLAIN_CHARS + 1),
]


def paragraphs_as_markdown_shows_them(text: str) -> str | None:
    """Parse `text` as the pane's Markdown does; when the document is nothing but paragraphs of
    text and soft breaks, what Textual's Markdown shows of them (`MarkdownBlock`: every run of
    whitespace in a text token one space, a soft break one space), one blank line apart."""
    tokens = safe_parser().parse(clean_text(text))
    shown: list[str] = []
    for token in tokens:
        if token.type in ("paragraph_open", "paragraph_close"):
            continue
        if token.type != "inline" or token.children is None:
            return None
        parts: list[str] = []
        for child in token.children:
            if child.type == "text":
                parts.append(re.sub(r"\s+", " ", child.content))
            elif child.type == "softbreak":
                parts.append(" ")
            else:
                return None
        shown.append("".join(parts))
    return "\n\n".join(shown)


@pytest.mark.parametrize("text", PLAIN)
def test_plain_texts_take_the_plain_path_and_show_what_markdown_shows(text: str) -> None:
    shown = plain_text(text)
    assert shown is not None
    assert shown == paragraphs_as_markdown_shows_them(text)


@pytest.mark.parametrize("text", MARKDOWN)
def test_texts_with_markdown_syntax_take_the_markdown_path(text: str) -> None:
    assert plain_text(text) is None


@pytest.mark.parametrize("fragment", HOSTILE)
def test_hostile_fragments_are_cleaned_or_left_to_markdown(fragment: str) -> None:
    """What the plain path shows is cleaned text (escapes, bidi and zero-width characters gone),
    exactly as the Markdown path would show it."""
    text = f"Hello {fragment} there"
    shown = plain_text(text)
    if shown is not None:
        assert shown == paragraphs_as_markdown_shows_them(text)
        assert set(shown) <= set(clean_text(text)) | {" "}


SYNTAX_RICH = st.text(
    alphabet=st.sampled_from(list("ab1 .,!?:;-+=#>*_`[]()<&|~@/\\\n\t\u00a0é日\r\x1b")),
    max_size=40,
)


@settings(max_examples=max(500, settings.default.max_examples))
@given(text=SYNTAX_RICH)
def test_whatever_takes_the_plain_path_shows_what_markdown_shows(text: str) -> None:
    shown = plain_text(text)
    if shown is not None:
        assert shown == paragraphs_as_markdown_shows_them(text), text
