"""A one-line path that always fits: too long for its width, its middle gives way to `…`, so
both the root and the file or folder name stay visible."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from pieces_tui.sanitize import clean_line

ELLIPSIS = "…"


def elide_middle(text: str, width: int) -> str:
    """`text` if it fits in `width` cells, else its start and end around `…` (whole characters,
    a little more of the end, where the name is)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    room = width - 1
    head_room = room // 2 - (1 if room > 3 else 0)
    head, used = "", 0
    for char in text:
        if used + cell_len(char) > head_room:
            break
        head += char
        used += cell_len(char)
    tail_room, tail, used = room - used, "", 0
    for char in reversed(text):
        if used + cell_len(char) > tail_room:
            break
        tail = char + tail
        used += cell_len(char)
    return head + ELLIPSIS + tail


class ElidedPath(Widget):
    """Shows `path` on one line, elided in the middle to the widget's width."""

    DEFAULT_CSS = """
    ElidedPath {
        height: 1;
        width: 1fr;
    }
    """

    path: reactive[str] = reactive("")

    def render(self) -> Content:
        # Paths come from the user or the file system: no markup, no control characters.
        return Content(elide_middle(clean_line(self.path), self.content_size.width))
