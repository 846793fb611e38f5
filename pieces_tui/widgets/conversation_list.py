"""The sidebar: a virtualised list of conversations built on Textual's Line API (`RowList`).

Only the rows on screen are ever rendered, so showing, scrolling and updating a list of 50,000
conversations costs about the same as a list of 50. The list does not order rows itself: it reads
them, by position, from an `OrderedRows` (in the app, the store's one ordered index) and is told
which ids changed. It keeps only what is its own: the highlight, the scroll anchor and, while a
filter narrows the list, the ordered subset that passes it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection, Container, Iterable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive

from pieces_tui.labels import UNTITLED
from pieces_tui.sanitize import clean_line
from pieces_tui.timefmt import relative_time, utc_now
from pieces_tui.widgets.list_rows import (
    ConversationRowLike,
    OrderedRows,
    Seen,
    SortedRows,
    VisibleIds,
    find_all,
    message_count_label,
)
from pieces_tui.widgets.row_list import CURSOR_BINDINGS, ROW_HEIGHT, RowList, RowStrips

__all__ = ["ConversationList", "ConversationRowLike", "OrderedRows", "VisibleIds"]


MARK_GLYPH = "✓"
"""Drawn in the left gutter of a marked row, so marks show without colour too."""


class ConversationList(RowList):
    """A fast, keyboard-driven list of conversations (newest first).

    It shows the rows of an `OrderedRows` (`rows`: in the app, the store) in their order and is
    told what changed with `rows_changed` (a few ids) or `rows_replaced` (everything). Used
    without a store, it keeps its own rows: feed it with `set_rows` / `upsert_row` /
    `remove_row`. Narrow it with `filter_text` and `favorites_only`. It posts
    `ConversationList.Highlighted` whenever the highlighted conversation changes and
    `ConversationList.Selected` on enter or click.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *CURSOR_BINDINGS,
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
        source: OrderedRows | None = None,
        now: Callable[[], datetime] = utc_now,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """
        Args:
            rows: Initial rows (any order) of a list that keeps its own (no `source`).
            source: The rows to show, read and never written (in the app, the store). The list
                shows them once told, with `rows_replaced` or `rows_changed`, and from then on
                is told of every change.
            now: Clock used for relative times; inject a fixed one in tests and snapshots.
            name: The name of the widget.
            id: The DOM id of the widget.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._now = now
        self._source = source
        self._own = SortedRows(rows) if source is None else None
        self._rows: OrderedRows = self._own if self._own is not None else SortedRows()
        """What the list shows: its own rows, or `source` once told (nothing until then)."""
        self._view: OrderedRows = self._rows
        """The rows on show: `_rows` itself when no filter is active, else a `SortedRows`."""
        self._highlighted_id: str | None = None
        self._seen = Seen()
        self._needle = ""
        self._marked: Container[str] = frozenset()
        if len(self._rows):
            self._set_highlight(0, scroll=False)

    # --- public API -------------------------------------------------------------------------------

    @property
    def highlighted_id(self) -> str | None:
        """Id of the highlighted conversation, or `None` if nothing is listed."""
        return self._highlighted_id

    @property
    def row_count(self) -> int:
        """Number of conversations held (ignoring the filter)."""
        return len(self._rows)

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
                self.refresh_row(index)

    def row_at(self, index: int) -> ConversationRowLike:
        """The listed (filtered) row at `index`."""
        return self._view.at(index)

    def get_row(self, conversation_id: str) -> ConversationRowLike | None:
        """The row held for `conversation_id`, whether or not the filter shows it."""
        return self._rows.get(conversation_id)

    def rows_changed(self, ids: Collection[str]) -> None:
        """The rows of these ids were added, updated, moved or removed (the rows already say
        so). The highlight stays on the same conversation (its successor in store order takes
        it if it went) and rows on screen do not jump when rows above them come and go."""
        if self._source is not None and self._rows is not self._source:
            self.rows_replaced()  # the first news from the source: show it
            return
        view = self._view
        if isinstance(view, SortedRows) and view is not self._rows:
            for conversation_id in ids:
                row = self._rows.get(conversation_id)
                if row is None or not self._matches(row):
                    view.discard(conversation_id)
                else:
                    view.put(row)
        scroll_y = self._anchored_scroll()
        self.update_virtual_size()
        self.scroll_y_to(scroll_y)
        self._keep_highlight()
        self.refresh()
        self._settle()

    def rows_replaced(self) -> None:
        """Every row may have changed. The highlight stays on the same conversation if it is
        still listed, at the same place on screen; otherwise the next one in store order takes
        it."""
        old_y = self._seen.highlighted_y
        if self._source is not None:
            self._rows = self._source
        self._view = self._build_view()
        self._keep_highlight()
        self.update_virtual_size()
        new_index = self.highlighted_index
        if new_index is not None and old_y is not None:
            self.scroll_y_to(new_index * ROW_HEIGHT - old_y)
        self.scroll_to_row(new_index)
        self.refresh()
        self._settle()

    def set_rows(self, rows: Sequence[ConversationRowLike]) -> None:
        """Replace every row of a list that keeps its own (one used without a store)."""
        self._own_rows()
        self._own = self._rows = SortedRows(rows)
        self.rows_replaced()

    def upsert_row(self, row: ConversationRowLike) -> None:
        """Insert or update one row of a list that keeps its own."""
        self._own_rows().put(row)
        self.rows_changed((row.id,))

    def remove_row(self, conversation_id: str) -> None:
        """Remove one row of a list that keeps its own (unknown ids are ignored). If it was
        highlighted, the next row (or the previous one, at the end of the list) takes over."""
        self._own_rows().discard(conversation_id)
        self.rows_changed((conversation_id,))

    def highlight(self, conversation_id: str) -> None:
        """Highlight a listed conversation and scroll it into view (no-op if it isn't listed)."""
        index = self._index_in_view(conversation_id)
        if index is not None:
            self._set_highlight(index)

    def refresh_times(self) -> None:
        """Repaint so relative times ("3 min ago") catch up with the clock."""
        self.refresh()

    # --- messages, keys and mouse -----------------------------------------------------------------

    @property
    def listed_count(self) -> int:
        return len(self._view)

    @property
    def cursor_index(self) -> int | None:
        return self.highlighted_index

    def move_cursor(self, index: int | None, *, scroll: bool = True) -> None:
        self._set_highlight(index, scroll=scroll)

    def move_cursor_by(self, delta: int) -> None:
        key = self._seen.highlighted_key
        if self.highlighted_index is None and key is not None and self._view:
            # The highlighted row just left the source and the list has not heard yet: move
            # from the gap it left, as from the row itself.
            gap = self._view.position_of(key)
            self._set_highlight(self.clamp(gap + delta - 1 if delta > 0 else gap + delta))
            return
        super().move_cursor_by(delta)

    def action_select(self) -> None:
        if self._highlighted_id is not None:
            self.post_message(self.Selected(self._highlighted_id, self))

    def action_toggle_mark(self) -> None:
        # The highlight moves down here, at once, so that keys typed ahead act on the next rows.
        conversation_id = self._highlighted_id
        if conversation_id is not None:
            self.post_message(self.MarkToggled(conversation_id, self))
            self.move_cursor_by(+1)

    def action_extend_marks(self, delta: int) -> None:
        origin = self._highlighted_id
        if origin is not None:
            self.move_cursor_by(delta)
            assert self._highlighted_id is not None
            self.post_message(self.RangeExtended(self._highlighted_id, origin, self))

    def row_clicked(self, index: int, event: events.Click) -> None:
        if event.shift:
            origin = self._highlighted_id
            self._set_highlight(index)
            target = self._view.at(index).id
            self.post_message(self.RangeExtended(target, origin or target, self))
            return
        super().row_clicked(index, event)

    def on_mount(self) -> None:
        self.update_virtual_size()
        # Relative times ("3 min ago") drift: repaint the visible rows now and then.
        self.set_interval(30, self.refresh_times)

    def on_show(self) -> None:
        self.scroll_to_row(self.highlighted_index)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._settle()

    def watch_filter_text(self, filter_text: str) -> None:
        self._needle = filter_text.lower()
        self._rebuild_view()

    def watch_favorites_only(self) -> None:
        self._rebuild_view()

    def _rebuild_view(self) -> None:
        self._view = self._build_view()
        index = self._index_in_view(self._highlighted_id)
        self.update_virtual_size()
        if index is None:
            self.scroll_to(y=0, animate=False, force=True)
            self._set_highlight(0 if self._view else None)
        else:
            self.scroll_to_row(index)
        self.refresh()
        self._settle()

    # --- rendering --------------------------------------------------------------------------------

    def render_row(self, index: int, width: int) -> RowStrips:
        row = self._view.at(index)
        highlighted = row.id == self._highlighted_id
        marked = row.id in self._marked
        meta = (
            f"{relative_time(row.updated, self._now())} · {message_count_label(row.message_count)}"
        )
        key = (row.id, row.name, meta, width, highlighted, marked, self.has_focus, self._needle)
        return self.cached_row(
            (*key, row.favorited),
            lambda: self._build_row(row, meta, width, highlighted=highlighted, marked=marked),
        )

    def _build_row(
        self,
        row: ConversationRowLike,
        meta: str,
        width: int,
        *,
        highlighted: bool,
        marked: bool,
    ) -> RowStrips:
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
        if row.favorited:
            star_style = get_style(*base_classes, "conversation-list--star").rich_style
            name = Text.assemble(("★ ", star_style), name)
        name.truncate(inner, overflow="ellipsis")
        meta_text = Text(meta, style=get_style(*base_classes, "conversation-list--meta").rich_style)
        meta_text.truncate(inner, overflow="ellipsis")
        return (
            self.row_strip(name, width, base_style, MARK_GLYPH if marked else " "),
            self.row_strip(meta_text, width, base_style),
        )

    # --- internals --------------------------------------------------------------------------------

    @property
    def narrowed(self) -> bool:
        """Whether the filter or the favorites-only view hides some rows."""
        return bool(self._needle) or self.favorites_only

    def _own_rows(self) -> SortedRows:
        if self._own is None or self._rows is not self._own:
            raise TypeError("this list shows rows it does not own: change them at their source")
        return self._own

    def _matches(self, row: ConversationRowLike) -> bool:
        if self.favorites_only and not row.favorited:
            return False
        if not self._needle:
            return True
        return row.name is not None and self._needle in clean_line(row.name).lower()

    def _build_view(self) -> OrderedRows:
        if not self.narrowed:
            return self._rows
        rows = self._rows
        matches = self._matches
        return SortedRows(row for row in (rows.at(i) for i in range(len(rows))) if matches(row))

    def _index_in_view(self, conversation_id: str | None) -> int | None:
        if conversation_id is None:
            return None
        return self._view.index_of(conversation_id)

    def _settle(self) -> None:
        """Note where the highlight and the scroll anchor are now (see `Seen`)."""
        view = self._view
        index = self.highlighted_index
        scroll_y = self.scroll_offset.y
        above = -(-scroll_y // ROW_HEIGHT) - 1  # the last row whose top is above the viewport
        anchor = None
        if 0 <= above < len(view):
            row = view.at(above)
            anchor = (row.id, row.sort_key)
        self._seen = Seen(
            highlighted_key=None if index is None else view.at(index).sort_key,
            highlighted_y=None if index is None else index * ROW_HEIGHT - scroll_y,
            anchor=anchor,
        )

    def _anchored_scroll(self) -> int:
        """The scroll offset that keeps the anchor row (and so the rows on screen) in place."""
        scroll_y = self.scroll_offset.y
        anchor = self._seen.anchor
        if anchor is None:
            return scroll_y
        anchor_id, old_key = anchor
        view = self._view
        old_top = (-(-scroll_y // ROW_HEIGHT) - 1) * ROW_HEIGHT
        index = view.index_of(anchor_id)
        if index is not None and view.at(index).sort_key == old_key:
            return index * ROW_HEIGHT + scroll_y - old_top
        # The anchor row went (or moved): the rows that came after it stay where it began.
        return view.position_of(old_key) * ROW_HEIGHT

    def _keep_highlight(self) -> None:
        """After a change: the highlight stays on its row, else its successor takes it."""
        if self._highlighted_id is None:
            self._set_highlight(0 if self._view else None, scroll=False)
        elif self._index_in_view(self._highlighted_id) is None:
            key = self._seen.highlighted_key
            successor = 0 if key is None else self._view.position_of(key)
            self._set_highlight(self.clamp(successor), scroll=False)

    def _set_highlight(self, index: int | None, *, scroll: bool = True) -> None:
        """Highlight the listed row at `index` (`None` for none), repainting only what changed."""
        old_index = self.highlighted_index
        new_id = None if index is None else self._view.at(index).id
        changed = new_id != self._highlighted_id
        self._highlighted_id = new_id
        for refresh_index in (old_index, index):
            if refresh_index is not None:
                self.refresh_row(refresh_index)
        if scroll:
            self.scroll_to_row(index)
        self._settle()
        if changed:
            self.post_message(self.Highlighted(new_id, self))
