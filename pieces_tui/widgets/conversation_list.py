"""The sidebar: a virtualised list of conversations built on Textual's Line API.

Only the rows on screen are ever rendered, so showing, scrolling and updating a list of 50,000
conversations costs about the same as a list of 50. Rows are kept in store order (each row's own
`sort_key`, the store's one key: newest `updated` first, ties broken by ascending id) in a plain
list with a parallel list of keys, so an upsert finds its place with `bisect` instead of re-sorting.
"""

from __future__ import annotations

import asyncio
import contextlib
from bisect import bisect_left
from collections.abc import Callable, Container, Iterable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from pieces_tui.labels import UNTITLED
from pieces_tui.sanitize import clean_line
from pieces_tui.timefmt import relative_time, utc_now
from pieces_tui.widgets.list_rows import (
    ConversationRowLike,
    RowKey,
    SortedRows,
    find_all,
    message_count_label,
)

__all__ = ["ConversationList", "ConversationRowLike", "VisibleIds"]


ROW_HEIGHT = 2
"""Lines per conversation: the name, then the dim metadata line."""

MARK_GLYPH = "✓"
"""Drawn in the left gutter of a marked row, so marks show without colour too."""
CURSOR_GLYPH = "▌"
"""Drawn in the left gutter of the highlighted row while the list is not focused (the pane or
the filter is): which conversation the pane shows stays plain in every theme, where the
blurred highlight's tint alone can be faint (gruvbox)."""


class VisibleIds(Sequence[str]):
    """The ids of the listed (filtered) rows, in order, without copying them."""

    __slots__ = ("_rows",)

    def __init__(self, rows: SortedRows) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return self._rows.rows[index].id


class ConversationList(ScrollView, can_focus=True):
    """A fast, keyboard-driven list of conversations (newest first).

    Feed it with `set_rows` / `upsert_row` / `remove_row`; narrow it with `filter_text`. It posts
    `ConversationList.Highlighted` whenever the highlighted conversation changes and
    `ConversationList.Selected` on enter or click.
    """

    ALLOW_MAXIMIZE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("home,g", "cursor_first", "First", show=False),
        Binding("end,G", "cursor_last", "Last", show=False),
        Binding("pageup", "cursor_page_up", "Page up", show=False),
        Binding("pagedown", "cursor_page_down", "Page down", show=False),
        Binding("enter", "select", "Open", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("shift+up", "extend_marks(-1)", "Mark range up", show=False),
        Binding("shift+down", "extend_marks(1)", "Mark range down", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
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

    class Highlighted(Message):
        """The highlighted conversation changed (`None` when the list shows no rows)."""

        def __init__(
            self, conversation_id: str | None, conversation_list: ConversationList
        ) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.conversation_list = conversation_list

        @property
        def control(self) -> ConversationList:
            return self.conversation_list

    class Selected(Message):
        """A conversation was chosen with enter or a click."""

        def __init__(self, conversation_id: str, conversation_list: ConversationList) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.conversation_list = conversation_list

        @property
        def control(self) -> ConversationList:
            return self.conversation_list

    class MarkToggled(Message):
        """`space` on a row (the highlight then moves down): the owner of the marks flips it."""

        def __init__(self, conversation_id: str, conversation_list: ConversationList) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.conversation_list = conversation_list

        @property
        def control(self) -> ConversationList:
            return self.conversation_list

    class RangeExtended(Message):
        """`shift+up/down` or `shift+click` moved the highlight from the row `origin` to the row
        `conversation_id`: the owner of the marks extends its range to it. Ids, not indices, so
        that a live insert between the key and its handling changes nothing."""

        def __init__(
            self, conversation_id: str, origin: str, conversation_list: ConversationList
        ) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.origin = origin
            self.conversation_list = conversation_list

        @property
        def control(self) -> ConversationList:
            return self.conversation_list

    class MarksSynced(Message):
        """Posted by `sync_marks`; its handler sets `done`. It travels behind every mark
        message posted before it, so once it is handled, all of those were too."""

        def __init__(self, done: asyncio.Event) -> None:
            super().__init__()
            self.done = done

    async def sync_marks(self, within: float = 5.0) -> None:
        """Wait until the mark messages already posted (keys typed ahead) have been handled."""
        done = asyncio.Event()
        self.post_message(self.MarksSynced(done))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), within)

    filter_text: reactive[str] = reactive("", init=False)
    """Case-insensitive substring that names must contain to be listed ("" lists everything)."""
    favorites_only: reactive[bool] = reactive(False, init=False)
    """List only favorites (combines with `filter_text`)."""

    def __init__(
        self,
        rows: Iterable[ConversationRowLike] = (),
        *,
        now: Callable[[], datetime] = utc_now,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """
        Args:
            rows: Initial rows (any order).
            now: Clock used for relative times; inject a fixed one in tests and snapshots.
            name: The name of the widget.
            id: The DOM id of the widget.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._now = now
        self._all = SortedRows()
        self._view = self._all
        """The rows on show: `_all` itself when no filter is active."""
        self._by_id: dict[str, tuple[RowKey, ConversationRowLike]] = {}
        self._highlighted_id: str | None = None
        self._needle = ""
        self._marked: Container[str] = frozenset()
        self._strip_cache: LRUCache[tuple[object, ...], tuple[Strip, Strip]] = LRUCache(1024)
        rows = list(rows)
        if rows:
            self.set_rows(rows)

    # --- public API -------------------------------------------------------------------------------

    @property
    def highlighted_id(self) -> str | None:
        """Id of the highlighted conversation, or `None` if nothing is listed."""
        return self._highlighted_id

    @property
    def row_count(self) -> int:
        """Number of conversations held (ignoring the filter)."""
        return len(self._all)

    @property
    def visible_count(self) -> int:
        """Number of conversations that pass the filter."""
        return len(self._view)

    @property
    def highlighted_index(self) -> int | None:
        """Position of the highlighted conversation among the listed rows."""
        return self._index_in_view(self._highlighted_id)

    def index_of(self, conversation_id: str) -> int | None:
        """Position of a conversation among the listed rows (None when not listed)."""
        return self._index_in_view(conversation_id)

    def visible_ids(self) -> VisibleIds:
        """The ids of the listed rows, in order (a live view, not a copy)."""
        return VisibleIds(self._view)

    def show_marks(self, marked: Container[str]) -> None:
        """Draw the rows whose id is in `marked` as marked (the owner keeps it up to date and
        calls `refresh_marks` with the ids that flipped)."""
        self._marked = marked
        self.refresh()

    def refresh_marks(self, ids: Iterable[str]) -> None:
        """Repaint these rows (their mark flipped); everything when they are many."""
        ids = list(ids)
        if len(ids) > 64:
            self.refresh()
            return
        for conversation_id in ids:
            index = self._index_in_view(conversation_id)
            if index is not None:
                self.refresh_lines(index * ROW_HEIGHT, ROW_HEIGHT)

    def row_at(self, index: int) -> ConversationRowLike:
        """The listed (filtered) row at `index`."""
        return self._view.rows[index]

    def get_row(self, conversation_id: str) -> ConversationRowLike | None:
        """The row held for `conversation_id`, whether or not the filter shows it."""
        entry = self._by_id.get(conversation_id)
        return entry[1] if entry is not None else None

    def set_rows(self, rows: Sequence[ConversationRowLike]) -> None:
        """Replace every row. The highlight stays on the same conversation if it is still listed,
        at the same place on screen; otherwise the next conversation in store order takes it."""
        old_index = self.highlighted_index
        old_screen_y = None if old_index is None else old_index * ROW_HEIGHT - self.scroll_offset.y
        old_entry = None if self._highlighted_id is None else self._by_id.get(self._highlighted_id)

        by_id: dict[str, tuple[RowKey, ConversationRowLike]] = {}
        for row in rows:  # a repeated id keeps its last version
            by_id[row.id] = (row.sort_key, row)
        pairs = sorted(by_id.values(), key=lambda pair: pair[0])  # linear for store-ordered input
        self._by_id = by_id
        self._all = SortedRows([key for key, _ in pairs], [row for _, row in pairs])
        self._view = self._build_view()

        new_index = self._index_in_view(self._highlighted_id)
        if new_index is None:
            # The highlighted conversation is gone: its successor in store order takes over.
            successor = 0 if old_entry is None else bisect_left(self._view.keys, old_entry[0])
            self._set_highlight(self._clamp(successor), scroll=False)
            new_index = self.highlighted_index
        self._update_virtual_size()
        if new_index is not None and old_screen_y is not None:
            self._scroll_y_to(new_index * ROW_HEIGHT - old_screen_y)
        self._scroll_to_highlight()
        self.refresh()

    def upsert_row(self, row: ConversationRowLike) -> None:
        """Insert a conversation or update it in place, moving it to its ordered position. The
        highlight stays on the same conversation and rows on screen do not jump when a row
        appears or disappears above the viewport."""
        scroll_y = self.scroll_offset.y
        old = self._by_id.get(row.id)
        view_is_all = self._view is self._all
        old_view_index: int | None = None
        if old is not None:
            old_key = old[0]
            index = self._all.find(old_key)
            assert index is not None
            self._all.pop(index)
            old_view_index = index if view_is_all else self._view.find(old_key)
            if not view_is_all and old_view_index is not None:
                self._view.pop(old_view_index)
            if old_view_index is not None:
                scroll_y = self._scroll_after_removal(old_view_index, scroll_y)

        key = row.sort_key
        self._by_id[row.id] = (key, row)
        index = self._all.insert(key, row)
        if view_is_all:
            new_view_index: int | None = index
        elif self._matches(row):
            new_view_index = self._view.insert(key, row)
        else:
            new_view_index = None
        if new_view_index is not None and new_view_index * ROW_HEIGHT < scroll_y:
            scroll_y += ROW_HEIGHT

        self._update_virtual_size()
        self._scroll_y_to(scroll_y)
        if self._highlighted_id is None:
            self._set_highlight(0 if self._view else None, scroll=False)
        elif self._highlighted_id == row.id and new_view_index is None:
            # The highlighted conversation no longer matches the filter: move to its neighbour.
            self._set_highlight(self._clamp(old_view_index or 0), scroll=False)
        self.refresh()

    def remove_row(self, conversation_id: str) -> None:
        """Remove a conversation. If it was highlighted, the next row (or the previous one, at the
        end of the list) takes the highlight."""
        entry = self._by_id.pop(conversation_id, None)
        if entry is None:
            return
        key = entry[0]
        index = self._all.find(key)
        assert index is not None
        self._all.pop(index)
        view_index = index if self._view is self._all else self._view.find(key)
        if self._view is not self._all and view_index is not None:
            self._view.pop(view_index)
        scroll_y = self.scroll_offset.y
        if view_index is not None:
            scroll_y = self._scroll_after_removal(view_index, scroll_y)
        self._update_virtual_size()
        self._scroll_y_to(scroll_y)
        if self._highlighted_id == conversation_id:
            self._set_highlight(self._clamp(view_index or 0), scroll=False)
        self.refresh()

    def highlight(self, conversation_id: str) -> None:
        """Highlight a listed conversation and scroll it into view (no-op if it isn't listed)."""
        index = self._index_in_view(conversation_id)
        if index is not None:
            self._set_highlight(index)

    def refresh_times(self) -> None:
        """Repaint so relative times ("3 min ago") catch up with the clock."""
        self.refresh()

    # --- messages, keys and mouse -----------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._move_highlight(-1)

    def action_cursor_down(self) -> None:
        self._move_highlight(+1)

    def action_cursor_first(self) -> None:
        if self._view:
            self._set_highlight(0)

    def action_cursor_last(self) -> None:
        if self._view:
            self._set_highlight(len(self._view) - 1)

    def action_cursor_page_up(self) -> None:
        self._move_highlight(-self._page_rows())

    def action_cursor_page_down(self) -> None:
        self._move_highlight(self._page_rows())

    def action_select(self) -> None:
        if self._highlighted_id is not None:
            self.post_message(self.Selected(self._highlighted_id, self))

    def action_toggle_mark(self) -> None:
        # The highlight moves down here, at once, so that keys typed ahead act on the next rows.
        conversation_id = self._highlighted_id
        if conversation_id is not None:
            self.post_message(self.MarkToggled(conversation_id, self))
            self._move_highlight(+1)

    def action_extend_marks(self, delta: int) -> None:
        origin = self._highlighted_id
        if origin is not None:
            self._move_highlight(delta)
            assert self._highlighted_id is not None
            self.post_message(self.RangeExtended(self._highlighted_id, origin, self))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + self.scroll_offset.y) // ROW_HEIGHT
        if 0 <= index < len(self._view):
            event.stop()
            if event.shift:
                origin = self._highlighted_id
                self._set_highlight(index)
                target = self._view.rows[index].id
                self.post_message(self.RangeExtended(target, origin or target, self))
                return
            self._set_highlight(index)
            self.action_select()

    def on_mount(self) -> None:
        self._update_virtual_size()
        # Relative times ("3 min ago") drift: repaint the visible rows now and then.
        self.set_interval(30, self.refresh_times)

    def on_show(self) -> None:
        self._scroll_to_highlight()

    def watch_filter_text(self, filter_text: str) -> None:
        self._needle = filter_text.lower()
        self._rebuild_view()

    def watch_favorites_only(self) -> None:
        self._rebuild_view()

    def _rebuild_view(self) -> None:
        self._view = self._build_view()
        index = self._index_in_view(self._highlighted_id)
        self._update_virtual_size()
        if index is None:
            self.scroll_to(y=0, animate=False, force=True)
            self._set_highlight(0 if self._view else None)
        else:
            self._scroll_to_highlight()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip_cache.clear()

    # --- rendering --------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        line = self.scroll_offset.y + y
        index, part = divmod(line, ROW_HEIGHT)
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self._view):
            return Strip.blank(width, self.rich_style)
        return self._render_row(self._view.rows[index], width)[part]

    def _render_row(self, row: ConversationRowLike, width: int) -> tuple[Strip, Strip]:
        highlighted = row.id == self._highlighted_id
        marked = row.id in self._marked
        meta = (
            f"{relative_time(row.updated, self._now())} · {message_count_label(row.message_count)}"
        )
        favorited = row.favorited
        cache_key = (
            row.id,
            row.name,
            meta,
            width,
            highlighted,
            marked,
            self.has_focus,
            self._needle,
            favorited,
        )
        cached = self._strip_cache.get(cache_key)
        if cached is not None:
            return cached

        base_classes: tuple[str, ...] = ("conversation-list--marked",) if marked else ()
        if highlighted:
            base_classes = (*base_classes, "conversation-list--highlight")
        get_style = self.get_visual_style
        base_style = get_style(*base_classes).rich_style
        inner = max(0, width - 2)

        if row.name is None:
            name = Text(
                UNTITLED, style=get_style(*base_classes, "conversation-list--untitled").rich_style
            )
        else:
            display = clean_line(row.name)
            name = Text(display, style=base_style)
            if self._needle:
                match_style = get_style(*base_classes, "conversation-list--match").rich_style
                for start, end in find_all(display, self._needle):
                    name.stylize(match_style, start, end)
        if favorited:
            star_style = get_style(*base_classes, "conversation-list--star").rich_style
            name = Text.assemble(("★ ", star_style), name)
        name.truncate(inner, overflow="ellipsis")
        meta_text = Text(meta, style=get_style(*base_classes, "conversation-list--meta").rich_style)
        meta_text.truncate(inner, overflow="ellipsis")

        bar = highlighted and not self.has_focus
        bar_style = get_style(*base_classes, "conversation-list--cursor").rich_style
        strips = (
            self._to_strip(
                name,
                width,
                base_style,
                MARK_GLYPH if marked else CURSOR_GLYPH if bar else " ",
                bar_style if bar and not marked else None,
            ),
            self._to_strip(
                meta_text,
                width,
                base_style,
                CURSOR_GLYPH if bar else " ",
                bar_style if bar else None,
            ),
        )
        self._strip_cache[cache_key] = strips
        return strips

    def _to_strip(
        self,
        content: Text,
        width: int,
        style: Style,
        gutter: str = " ",
        gutter_style: Style | None = None,
    ) -> Strip:
        line = Text(gutter, style=gutter_style or style, end="", no_wrap=True)
        line.append_text(content)
        segments = list(line.render(self.app.console))
        return Strip(segments).extend_cell_length(width, style).crop(0, width).simplify()

    # --- internals --------------------------------------------------------------------------------

    @property
    def narrowed(self) -> bool:
        """Whether the filter or the favorites-only view hides some rows."""
        return bool(self._needle) or self.favorites_only

    def _matches(self, row: ConversationRowLike) -> bool:
        if self.favorites_only and not row.favorited:
            return False
        if not self._needle:
            return True
        return row.name is not None and self._needle in clean_line(row.name).lower()

    def _build_view(self) -> SortedRows:
        if not self.narrowed:
            return self._all
        keys: list[RowKey] = []
        rows: list[ConversationRowLike] = []
        matches = self._matches
        for key, row in zip(self._all.keys, self._all.rows, strict=True):
            if matches(row):
                keys.append(key)
                rows.append(row)
        return SortedRows(keys, rows)

    def _index_in_view(self, conversation_id: str | None) -> int | None:
        if conversation_id is None:
            return None
        entry = self._by_id.get(conversation_id)
        if entry is None:
            return None
        return self._view.find(entry[0])

    def _clamp(self, index: int) -> int | None:
        if not self._view:
            return None
        return max(0, min(index, len(self._view) - 1))

    def _set_highlight(self, index: int | None, *, scroll: bool = True) -> None:
        """Highlight the listed row at `index` (`None` for none), repainting only what changed."""
        old_index = self.highlighted_index
        new_id = None if index is None else self._view.rows[index].id
        changed = new_id != self._highlighted_id
        self._highlighted_id = new_id
        for refresh_index in (old_index, index):
            if refresh_index is not None:
                self.refresh_lines(refresh_index * ROW_HEIGHT, ROW_HEIGHT)
        if scroll:
            self._scroll_to_highlight()
        if changed:
            self.post_message(self.Highlighted(new_id, self))

    def _move_highlight(self, delta: int) -> None:
        if not self._view:
            return
        index = self.highlighted_index
        target = 0 if index is None else self._clamp(index + delta)
        self._set_highlight(target)

    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height // ROW_HEIGHT - 1)

    def _scroll_to_highlight(self) -> None:
        index = self.highlighted_index
        if index is None or not self.is_mounted:
            return
        self.scroll_to_region(
            Region(0, index * ROW_HEIGHT, max(1, self.scrollable_content_region.width), ROW_HEIGHT),
            animate=False,
            force=True,
            immediate=True,
        )

    @staticmethod
    def _scroll_after_removal(view_index: int, scroll_y: int) -> int:
        top = view_index * ROW_HEIGHT
        if top < scroll_y:
            return max(top, scroll_y - ROW_HEIGHT)
        return scroll_y

    def _scroll_y_to(self, y: int) -> None:
        if y != self.scroll_offset.y:
            self.scroll_to(y=y, animate=False, force=True)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(0, len(self._view) * ROW_HEIGHT)
