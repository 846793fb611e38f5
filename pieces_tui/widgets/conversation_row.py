"""How a conversation's row in the sidebar looks: its component classes, their default styles,
and the two strips it renders to (`ConversationList` caches each under what it shows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from pieces_tui.labels import UNTITLED
from pieces_tui.sanitize import clean_line
from pieces_tui.widgets.list_rows import ConversationRowLike, find_all

if TYPE_CHECKING:
    from pieces_tui.widgets.row_list import RowList

__all__ = [
    "COMPONENT_CLASSES",
    "CURSOR_GLYPH",
    "DEFAULT_CSS",
    "MARK_GLYPH",
    "meta_strip",
    "name_strip",
    "row_classes",
    "with_matches",
]

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


def row_classes(*, highlighted: bool, marked: bool) -> tuple[str, ...]:
    """The component classes both lines of a row are drawn in."""
    classes: tuple[str, ...] = ("conversation-list--marked",) if marked else ()
    return (*classes, "conversation-list--highlight") if highlighted else classes


def name_strip(
    widget: RowList,
    row: ConversationRowLike,
    width: int,
    classes: tuple[str, ...],
    *,
    marked: bool,
    needle: str,
    bar: bool = False,
) -> Strip:
    """The first line of a conversation's row: its name (a star for a favorite, the matches of
    `needle` styled, the mark glyph in the gutter, or with `bar` the cursor's). Names are
    untrusted: cleaned and styled by character spans, never parsed as markup."""
    get_style = widget.get_visual_style
    base_style = get_style(*classes).rich_style
    if row.name is None:
        name = Text(UNTITLED, style=get_style(*classes, "conversation-list--untitled").rich_style)
    else:
        display = clean_line(row.name)
        name = Text(display, style=base_style)
        if needle:
            match_style = get_style(*classes, "conversation-list--match").rich_style
            for start, end in find_all(display, needle):
                name.stylize(match_style, start, end)
    if row.favorited:
        star_style = get_style(*classes, "conversation-list--star").rich_style
        name = Text.assemble(("★ ", star_style), name)
    name.truncate(max(0, width - 2), overflow="ellipsis")
    gutter = MARK_GLYPH if marked else CURSOR_GLYPH if bar else " "
    bar_style = None
    if bar and not marked:
        bar_style = get_style(*classes, "conversation-list--cursor").rich_style
    return widget.row_strip(name, width, base_style, gutter, bar_style)


def with_matches(
    widget: RowList,
    plain: Strip,
    row: ConversationRowLike,
    width: int,
    classes: tuple[str, ...],
    needle: str,
) -> Strip | None:
    """`plain` (the row's name line drawn without a filter) with the matches of `needle` styled
    as `name_strip` styles them, by restyling their cells rather than laying the name out again
    (what a filter keystroke redraws on every visible row). Only for a name whose characters are
    one cell each (ASCII): None otherwise, and the caller draws it with `name_strip`."""
    if row.name is None:
        return plain
    display = clean_line(row.name)
    if not display.isascii():
        return None
    prefix = 2 if row.favorited else 0  # "★ "
    inner = max(0, width - 2)
    if inner <= prefix + 1:
        return None
    # Rich's `truncate` keeps inner - 1 characters and an ellipsis; a match running into the cut
    # styles the ellipsis too (its span is cut at the end of the text, which the ellipsis ends).
    shown = min(prefix + len(display), inner)
    cuts: list[int] = []
    for start, end in find_all(display, needle):
        if prefix + start >= shown:
            break
        cuts += [1 + prefix + start, 1 + min(prefix + end, shown)]  # 1: the gutter
    if not cuts:
        return plain
    match_style = widget.get_visual_style(*classes, "conversation-list--match").rich_style
    pieces = plain.divide([*cuts, width])
    styled = [
        Strip(Segment.apply_style(piece, post_style=match_style), piece.cell_length)
        if index % 2
        else piece
        for index, piece in enumerate(pieces)
    ]
    return Strip.join(styled).simplify()


def meta_strip(
    widget: RowList, meta: str, width: int, classes: tuple[str, ...], *, bar: bool = False
) -> Strip:
    """The second line of a row: `meta` (its time and message count), dim; which row it is and
    what the filter is do not change it, so rows showing the same `meta` share it."""
    get_style = widget.get_visual_style
    base_style = get_style(*classes).rich_style
    text = Text(meta, style=get_style(*classes, "conversation-list--meta").rich_style)
    text.truncate(max(0, width - 2), overflow="ellipsis")
    bar_style = get_style(*classes, "conversation-list--cursor").rich_style if bar else None
    return widget.row_strip(text, width, base_style, CURSOR_GLYPH if bar else " ", bar_style)
