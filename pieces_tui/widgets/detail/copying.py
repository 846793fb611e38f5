"""What `y` and `c` put on the clipboard, as plain text (no Textual): a message's Markdown source,
or one of its code blocks, and the toast that says what was copied.

The text copied is the message's own text, not the rendered lines: no padding, no wrapping, no
borders. It goes through `clean_text`, as everything the pane shows does: what is pasted later
(often into a terminal) is what the reader saw, and a message cannot put an escape sequence or a
control character on the clipboard (`ESC [201~` would end a bracketed paste and run what
follows). The app then writes it as one OSC 52 sequence whose payload is base64, so nothing in the
text can end that sequence or start another.
"""

from __future__ import annotations

from dataclasses import dataclass

from pieces_tui.sanitize import clean_line, clean_text

__all__ = ["MAX_COPY_BYTES", "CodeBlock", "code_blocks", "copied_note", "message_source", "too_big"]

MAX_COPY_BYTES = 1_000_000
"""Terminals cap what one OSC 52 sequence may carry (several at about 1 MB of text, tmux and
others less); past this the copy is refused with a note rather than silently cut."""

_NESTING = 12  # as `safe_markdown.MAX_NESTING`: the blocks the pane shows are the blocks offered


@dataclass(frozen=True)
class CodeBlock:
    """One fenced or indented code block: its language (info string, "" when none) and its
    content, without the fences and without the final line break."""

    language: str
    code: str

    @property
    def lines(self) -> int:
        return len(self.code.splitlines())

    @property
    def label(self) -> str:
        """One line for a picker: language, size and first line."""
        first = next((line for line in self.code.splitlines() if line.strip()), "")
        noun = "line" if self.lines == 1 else "lines"
        return (
            f"{self.language or 'text'} · {self.lines:,} {noun} · {clean_line(first).strip()[:60]}"
        )


def message_source(text: str) -> str:
    """The message's Markdown source as the pane shows it (cleaned, nothing else changed)."""
    return clean_text(text)


def code_blocks(text: str) -> list[CodeBlock]:
    """The code blocks of a message in order, as the pane's Markdown parser finds them (a fence
    inside a list or a quote counts; one inside another fence does not)."""
    from markdown_it import MarkdownIt  # on first use, as the pane's Markdown

    parser = MarkdownIt("gfm-like", {"html": False, "maxNesting": _NESTING})
    blocks: list[CodeBlock] = []
    for token in parser.parse(message_source(text)):
        if token.type in ("fence", "code_block"):
            code = token.content.removesuffix("\n")
            language = clean_line(token.info).split(" ")[0] if token.info else ""
            blocks.append(CodeBlock(language, code))
    return blocks


def copied_note(what: str, text: str) -> str:
    """What the "Copied" toast says: `what`, the first line and the size, as in
    "The message: “First line…” (12 lines, 1,234 characters)"."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    first = clean_line(first)
    if len(first) > 50:
        first = first[:49].rstrip() + "…"
    lines = len(text.splitlines())
    size = f"{lines:,} {'line' if lines == 1 else 'lines'}, {len(text):,} characters"
    return f"{what}: “{first}” ({size})" if first else f"{what} ({size})"


def too_big(text: str) -> str | None:
    """Why `text` is not copied (too big for one OSC 52 sequence), or None."""
    size = len(text.encode("utf-8"))
    if size <= MAX_COPY_BYTES:
        return None
    return (
        f"Not copied: {size / 1e6:.1f} MB is more than a terminal takes at once "
        f"({MAX_COPY_BYTES / 1e6:.0f} MB); use pieces-tui export or show instead."
    )
