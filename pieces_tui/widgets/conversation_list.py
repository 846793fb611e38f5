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

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from pieces_tui.timefmt import relative_time, utc_now
from pieces_tui.widgets.conversation_row import (
    COMPONENT_CLASSES,
    DEFAULT_CSS,
    meta_strip,
    name_strip,
    row_classes,
    with_matches,
)
from pieces_tui.widgets.list_rows import (
    ConversationRowLike,
    OrderedRows,
    VisibleIds,
    message_count_label,
)
from pieces_tui.widgets.listing import Listing
from pieces_tui.widgets.row_list import CURSOR_BINDINGS, ROW_HEIGHT, RowList, RowStrips

__all__ = ["ConversationList", "ConversationRowLike", "OrderedRows", "VisibleIds"]


class RowMessage(Message):
    """What a `ConversationList` (the message's `control`) says about one of its rows."""

    def __init__(self, conversation_id: str, conversation_list: ConversationList) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.conversation_list = conversation_list

    @property
    def control(self) -> ConversationList:
        return self.conversation_list


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

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENT_CLASSES
    DEFAULT_CSS = DEFAULT_CSS

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

    class Selected(RowMessage):
        """A conversation was chosen with enter or a click."""

    class MarkToggled(RowMessage):
        """`space` on a row (the highlight then moves down): the owner of the marks flips it."""

    class RangeExtended(RowMessage):
        """`shift+up/down` or `shift+click` moved the highlight from the row `origin` to the row
        `conversation_id`: the owner of the marks extends its range to it. Ids, not indices, so
        that a live insert between the key and its handling changes nothing."""

        def __init__(
            self, conversation_id: str, origin: str, conversation_list: ConversationList
        ) -> None:
            super().__init__(conversation_id, conversation_list)
            self.origin = origin

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
            name, id, classes, disabled: As for any widget.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._now = now
        self._listing = Listing(rows, source, ROW_HEIGHT)
        self._highlighted_id: str | None = None
        self._marked: Container[str] = frozenset()
        if len(self._listing.rows):
            self._set_highlight(0, scroll=False)

    # --- public API -------------------------------------------------------------------------------

    @property
    def highlighted_id(self) -> str | None:
        """Id of the highlighted conversation, or `None` if nothing is listed."""
        return self._highlighted_id

    @property
    def row_count(self) -> int:
        """Number of conversations held (ignoring the filter)."""
        return len(self._listing.rows)

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
        return self._listing.rows.get(conversation_id)

    def rows_changed(self, ids: Collection[str]) -> None:
        """The rows of these ids were added, updated, moved or removed (the rows already say
        so). The highlight stays on the same conversation (its successor in store order takes
        it if it went) and rows on screen do not jump when rows above them come and go."""
        if not self._listing.attached:
            self.rows_replaced()  # the first news from the source: show it
            return
        old_y, highlighted = self.scroll_offset.y, self._highlighted_id
        self._listing.apply(ids)
        scroll_y = self._listing.anchored_scroll(old_y)
        self.update_virtual_size()
        self.scroll_y_to(scroll_y)
        self._keep_highlight()
        if scroll_y != old_y:
            self.refresh()  # the scroll moved every line
        else:  # the rows now showing another or a changed row; those shifted keep their lines
            listing, height = self._listing, self.size.height
            moves = listing.moves(old_y, height, ids) if highlighted == self._highlighted_id else []
            self.repaint_rows(listing.to_repaint(old_y, height, ids), moves)
            listing.drawn.update((new, listing.view.at(new).id) for _, new in moves)
        self._settle()

    def rows_replaced(self) -> None:
        """Every row may have changed. The highlight stays on the same conversation if it is
        still listed, at the same place on screen; otherwise the next one in store order takes
        it."""
        old_y = self._listing.seen.highlighted_y
        self._listing.rebuild()
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
        self._listing.replace_own(rows)
        self.rows_replaced()

    def upsert_row(self, row: ConversationRowLike) -> None:
        """Insert or update one row of a list that keeps its own."""
        self._listing.own_rows().put(row)
        self.rows_changed((row.id,))

    def remove_row(self, conversation_id: str) -> None:
        """Remove one row of a list that keeps its own (unknown ids are ignored). If it was
        highlighted, the next row (or the previous one, at the end of the list) takes over."""
        self._listing.own_rows().discard(conversation_id)
        self.rows_changed((conversation_id,))

    def drew(self, conversation_id: str) -> bool:
        """Whether the list has drawn this row (as one of those it last drew on screen)."""
        return conversation_id in self._listing.drawn.values()

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
        if self.highlighted_index is None and self._listing.seen.highlighted_key and self._view:
            # The highlighted row just left the source and the list has not heard yet: move
            # from the gap it left, as from the row itself.
            gap = self._listing.successor()
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
        self._listing.needle = filter_text.lower()
        self._rebuild_view()

    def watch_favorites_only(self, favorites_only: bool) -> None:
        self._listing.favorites_only = favorites_only
        self._rebuild_view()

    def _rebuild_view(self) -> None:
        self._listing.refilter()
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

    def render_line(self, y: int) -> Strip:
        index = (self.scroll_offset.y + y) // ROW_HEIGHT
        if index >= len(self._view):
            self._listing.drawn.pop(index, None)  # drawn blank
        return super().render_line(y)

    def render_row(self, index: int, width: int) -> RowStrips:
        return self.render_row_line(index, 0, width), self.render_row_line(index, 1, width)

    def render_row_line(self, index: int, part: int, width: int) -> Strip:
        # Each line is built alone and cached under what it shows: a keystroke in the filter
        # changes the names' match styles, not the second lines, so those are not built again
        # (nor is the relative time of a name line worked out).
        row = self._view.at(index)
        self._listing.drawn[index] = row.id
        highlighted = row.id == self._highlighted_id
        marked = row.id in self._marked
        focused = self.has_focus
        bar = highlighted and not focused
        classes = row_classes(highlighted=highlighted, marked=marked)
        if part == 0:
            look = (row.name, row.favorited, width, highlighted, marked, focused)
            plain = self.cached_strip(
                (*look, ""),
                lambda: name_strip(self, row, width, classes, marked=marked, needle="", bar=bar),
            )
            needle = self._listing.needle
            if not needle:
                return plain
            return self.cached_strip(
                (*look, needle),
                lambda: (
                    with_matches(self, plain, row, width, classes, needle)
                    or name_strip(self, row, width, classes, marked=marked, needle=needle, bar=bar)
                ),
            )
        meta = (
            f"{relative_time(row.updated, self._now())} · {message_count_label(row.message_count)}"
        )
        return self.cached_strip(
            ("meta", meta, width, highlighted, marked, focused),
            lambda: meta_strip(self, meta, width, classes, bar=bar),
        )

    # --- internals --------------------------------------------------------------------------------

    @property
    def narrowed(self) -> bool:
        """Whether the filter or the favorites-only view hides some rows."""
        return self._listing.narrowed

    @property
    def _view(self) -> OrderedRows:
        return self._listing.view

    def _index_in_view(self, conversation_id: str | None) -> int | None:
        return self._listing.index_of(conversation_id)

    def _settle(self) -> None:
        self._listing.settle(self._highlighted_id, self.scroll_offset.y)

    def _keep_highlight(self) -> None:
        """After a change: the highlight stays on its row, else its successor takes it."""
        if self._highlighted_id is None:
            self._set_highlight(0 if self._view else None, scroll=False)
        elif self._index_in_view(self._highlighted_id) is None:
            self._set_highlight(self.clamp(self._listing.successor()), scroll=False)

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
