"""How a conversation's row in the sidebar looks: its component classes, their default styles,
and the two strips it renders to (`ConversationList` caches them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from pieces_tui.labels import UNTITLED
from pieces_tui.sanitize import clean_line
from pieces_tui.widgets.list_rows import ConversationRowLike, find_all

if TYPE_CHECKING:
    from pieces_tui.widgets.row_list import RowList, RowStrips

__all__ = ["COMPONENT_CLASSES", "CURSOR_GLYPH", "DEFAULT_CSS", "MARK_GLYPH", "conversation_row"]

MARK_GLYPH = "✓"
"""Drawn in the left gutter of a marked row, so marks show without colour too."""
CURSOR_GLYPH = "▌"
"""Drawn in the left gutter of the highlighted row while the list is not focused (the pane or
the filter is): which conversation the pane shows stays plain in every theme, where the
blurred highlight's tint alone can be faint (gruvbox)."""

COMPONENT_CLASSES: set[str] = {
    "conversation-list--highlight",
    "conversation-list--meta",
    "conversation-list--match",
    "conversation-list--untitled",
    "conversation-list--star",
    "conversation-list--marked",
    "conversation-list--cursor",
}
"""
| Class | Description |
| :- | :- |
| `conversation-list--highlight` | The highlighted conversation (both of its lines). |
| `conversation-list--meta` | The second line: relative update time and message count. |
| `conversation-list--match` | The part of a name that matches `filter_text`. |
| `conversation-list--untitled` | The placeholder shown for a conversation without a name. |
| `conversation-list--star` | The star before a favorite's name. |
| `conversation-list--marked` | A marked conversation (both of its lines, and its glyph). |
| `conversation-list--cursor` | The highlighted row's gutter bar while the list is unfocused. |
"""

DEFAULT_CSS = """
ConversationList {
    width: 1fr;
    height: 1fr;
    background: $surface;
    color: $foreground;
    overflow-x: hidden;
    overflow-y: auto;
    scrollbar-size-vertical: 1;
    & > .conversation-list--meta {
        color: $text-muted;
    }
    & > .conversation-list--untitled {
        color: $text-muted;
        text-style: italic;
    }
    & > .conversation-list--match {
        color: $text-accent;
        text-style: bold underline;
    }
    & > .conversation-list--star {
        color: $text-warning;
    }
    & > .conversation-list--marked {
        color: $text-accent;
        background: $accent 20%;
        text-style: bold;
    }
    & > .conversation-list--highlight {
        color: $block-cursor-blurred-foreground;
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    & > .conversation-list--cursor {
        color: $accent;
        text-style: bold;
    }
    &:focus {
        background-tint: $foreground 5%;
        & > .conversation-list--highlight {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .conversation-list--match {
            color: $text-accent;
        }
    }
}
"""


def conversation_row(
    widget: RowList,
    row: ConversationRowLike,
    meta: str,
    width: int,
    *,
    highlighted: bool,
    marked: bool,
    needle: str,
    bar: bool = False,
) -> RowStrips:
    """The two strips of a conversation's row: its name (a star for a favorite, the matches of
    `needle` styled, the mark glyph in the gutter, or with `bar` the cursor's), then `meta`.
    Names are untrusted: cleaned and styled by character spans, never parsed as markup."""
    base_classes: tuple[str, ...] = ("conversation-list--marked",) if marked else ()
    if highlighted:
        base_classes = (*base_classes, "conversation-list--highlight")
    get_style = widget.get_visual_style
    base_style = get_style(*base_classes).rich_style
    inner = max(0, width - 2)

    if row.name is None:
        name = Text(
            UNTITLED, style=get_style(*base_classes, "conversation-list--untitled").rich_style
        )
    else:
        display = clean_line(row.name)
        name = Text(display, style=base_style)
        if needle:
            match_style = get_style(*base_classes, "conversation-list--match").rich_style
            for start, end in find_all(display, needle):
                name.stylize(match_style, start, end)
    if row.favorited:
        star_style = get_style(*base_classes, "conversation-list--star").rich_style
        name = Text.assemble(("★ ", star_style), name)
    name.truncate(inner, overflow="ellipsis")
    meta_text = Text(meta, style=get_style(*base_classes, "conversation-list--meta").rich_style)
    meta_text.truncate(inner, overflow="ellipsis")
    bar_style = get_style(*base_classes, "conversation-list--cursor").rich_style if bar else None
    name_gutter = MARK_GLYPH if marked else CURSOR_GLYPH if bar else " "
    bar_gutter = CURSOR_GLYPH if bar else " "
    return (
        widget.row_strip(name, width, base_style, name_gutter, None if marked else bar_style),
        widget.row_strip(meta_text, width, base_style, bar_gutter, bar_style),
    )
