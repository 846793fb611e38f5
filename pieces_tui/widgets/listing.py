"""What the sidebar lists, in what order, and what it remembers between changes. No Textual.

`Listing` is `ConversationList`'s model: the rows it reads (a source such as the store, or rows
of its own), the filtered subset on show while a filter narrows them, and where the highlight
and the scroll anchor were when it last settled, so that after a change (which the source has
already made when the list hears of it) the highlight can pass to its successor and the rows on
screen can stay where they were.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from pieces_tui.widgets.filtered_rows import FilteredRows, Folds
from pieces_tui.widgets.list_rows import ConversationRowLike, OrderedRows, RowKey, SortedRows

__all__ = ["Listing", "Seen"]

MAX_VIEWS = 32
"""Filters remembered for erasing back to (each holds at most a list of every row)."""


@dataclass(frozen=True, slots=True)
class Seen:
    """Where things were when the list last settled (the rows may change before it hears)."""

    highlighted_key: RowKey | None = None
    """The sort key the highlighted row had: its successor takes over if it goes."""
    highlighted_y: int | None = None
    """The highlighted row's line on screen (kept there when every row is replaced)."""
    anchor: tuple[str, RowKey] | None = None
    """The row whose top is just above the viewport: rows on screen stay put while rows above it
    come and go."""


class Listing:
    def __init__(
        self, rows: Iterable[ConversationRowLike], source: OrderedRows | None, row_height: int
    ) -> None:
        self.source = source
        self.own = SortedRows(rows) if source is None else None
        self.rows: OrderedRows = self.own if self.own is not None else SortedRows()
        """What is listed: the own rows, or `source` once attached (nothing until then)."""
        self.view: OrderedRows = self.rows
        """The rows on show: `rows` itself when nothing narrows them, else a `FilteredRows`."""
        self.needle = ""
        """The filter, lower-cased ("" lists everything)."""
        self.favorites_only = False
        self._folds = Folds()
        self._views: list[tuple[str, bool, FilteredRows]] = []
        """The subsets of the filters seen since the rows last changed (needle, favorites only,
        rows), the oldest first: what typing narrows and erasing widens back to."""
        self.seen = Seen()
        self.row_height = row_height
        self.drawn: dict[int, str] = {}
        """By position, the id of the row the list last drew there (none: drawn blank)."""

    # -- what is listed ---------------------------------------------------------------------------

    @property
    def narrowed(self) -> bool:
        return bool(self.needle) or self.favorites_only

    def matches(self, row: ConversationRowLike) -> bool:
        if self.favorites_only and not row.favorited:
            return False
        return not self.needle or self.needle in self._folds[row.name]

    def index_of(self, conversation_id: str | None) -> int | None:
        """Position among the rows on show (None when not listed)."""
        return None if conversation_id is None else self.view.index_of(conversation_id)

    def rebuild(self) -> None:
        """Attach the source (if any) and build the rows on show afresh."""
        if self.source is not None:
            self.rows = self.source
        self._views.clear()
        self.refilter()

    def refilter(self) -> None:
        """`needle` or `favorites_only` changed: the rows on show that pass them now.

        Typing narrows: the new filter is then stricter than one seen since the rows last
        changed, and only the rows that passed that one are tested. Erasing widens back to a
        filter seen moments ago: its rows are reused. Both hold until the rows change (`apply`,
        `rebuild`), and the whole source is read (in C: `FilteredRows`) only when neither does."""
        if not self.narrowed:
            self.view = self.rows
            return
        needle, favorites_only = self.needle, self.favorites_only
        wider = max(  # the strictest filter seen that the new one narrows (or is)
            (seen for seen in self._views if seen[0] in needle and (favorites_only or not seen[1])),
            key=lambda seen: (len(seen[0]), seen[1]),
            default=None,
        )
        if wider is None:
            if len(self._folds) > 2 * len(self.rows) + 1024:
                self._folds.clear()  # names renamed away since: forget them
            wider = ("", False, FilteredRows.of(self.rows, self._folds))
            self._views.append(wider)
        view = wider[2]
        if wider[:2] != (needle, favorites_only):
            view = view.narrowed(needle, favorites_only)
            if len(self._views) >= MAX_VIEWS:
                del self._views[0]
            self._views.append((needle, favorites_only, view))
        self.view = view

    @property
    def attached(self) -> bool:
        """Whether the rows on show follow the source (False until the first news from it)."""
        return self.source is None or self.rows is self.source

    def apply(self, ids: Collection[str]) -> None:
        """These rows changed at the source: bring the filtered subset up to date."""
        view = self.view
        if ids:  # the subsets of the filters seen before no longer hold (this one will)
            self._views.clear()
        if not isinstance(view, FilteredRows):
            return  # the rows on show are the rows themselves
        if ids:
            self._views.append((self.needle, self.favorites_only, view))
        for conversation_id in ids:
            row = self.rows.get(conversation_id)
            if row is None or not self.matches(row):
                view.discard(conversation_id)
            else:
                view.put(row)

    def to_repaint(self, scroll_y: int, height: int, ids: Collection[str]) -> list[tuple[int, int]]:
        """The rows on screen (`height` lines from `scroll_y`) that now show another row than
        `drawn` says was drawn there, or one of `ids` (changed), as runs (start, stop)."""
        view, drawn = self.view, self.drawn
        stop = min(len(view), -(-(scroll_y + height) // self.row_height))
        changed = [
            index
            for index in range(scroll_y // self.row_height, stop)
            if drawn.get(index) != (shown := view.at(index).id) or shown in ids
        ]
        changed += sorted(index for index in drawn if index >= len(view))  # they go blank
        if len(drawn) > 512:  # rows scrolled past (one missing only means a repaint)
            drawn.clear()
        runs: list[tuple[int, int]] = []
        for index in changed:
            if runs and runs[-1][1] == index:
                runs[-1] = (runs[-1][0], index + 1)
            else:
                runs.append((index, index + 1))
        return runs

    def moves(self, scroll_y: int, height: int, ids: Collection[str]) -> list[tuple[int, int]]:
        """The rows on screen (`height` lines from `scroll_y`) that `drawn` says were drawn
        elsewhere on it and are not among `ids` (unchanged): (where drawn, where now), for a
        change that shifted them (a row in or out above them). Before `to_repaint`."""
        view, drawn, rows = self.view, self.drawn, self.row_height
        first, stop = scroll_y // rows, -(-(scroll_y + height) // rows)
        was = {drawn[index]: index for index in range(first, stop) if index in drawn}
        return [
            (was[shown], index)
            for index in range(first, min(len(view), stop))
            if (shown := view.at(index).id) in was and was[shown] != index and shown not in ids
        ]

    def own_rows(self) -> SortedRows:
        if self.own is None or self.rows is not self.own:
            raise TypeError("this list shows rows it does not own: change them at their source")
        return self.own

    def replace_own(self, rows: Iterable[ConversationRowLike]) -> None:
        self.own_rows()
        self.own = self.rows = SortedRows(rows)

    # -- what is remembered -----------------------------------------------------------------------

    def _above(self, scroll_y: int) -> int:
        """The last row whose top is above the viewport (-1 when none)."""
        return -(-scroll_y // self.row_height) - 1

    def settle(self, highlighted_id: str | None, scroll_y: int) -> None:
        """Note where the highlight and the scroll anchor are now (see `Seen`)."""
        view = self.view
        index = self.index_of(highlighted_id)
        above = self._above(scroll_y)
        anchor = None
        if 0 <= above < len(view):
            row = view.at(above)
            anchor = (row.id, row.sort_key)
        self.seen = Seen(
            highlighted_key=None if index is None else view.at(index).sort_key,
            highlighted_y=None if index is None else index * self.row_height - scroll_y,
            anchor=anchor,
        )

    def anchored_scroll(self, scroll_y: int) -> int:
        """The scroll offset that keeps the anchor row (and so the rows on screen) in place."""
        anchor = self.seen.anchor
        if anchor is None:
            return scroll_y
        anchor_id, old_key = anchor
        view = self.view
        old_top = self._above(scroll_y) * self.row_height
        index = view.index_of(anchor_id)
        if index is not None and view.at(index).sort_key == old_key:
            return index * self.row_height + scroll_y - old_top
        # The anchor row went (or moved): the rows that came after it stay where it began.
        return view.position_of(old_key) * self.row_height

    def successor(self) -> int:
        """Where the highlighted row was, among the rows on show now (it has gone)."""
        key = self.seen.highlighted_key
        return 0 if key is None else self.view.position_of(key)
