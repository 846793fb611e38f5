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

from pieces_tui.sanitize import clean_line
from pieces_tui.widgets.list_rows import ConversationRowLike, OrderedRows, RowKey, SortedRows

__all__ = ["Listing", "Seen"]


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
        """The rows on show: `rows` itself when nothing narrows them, else a `SortedRows`."""
        self.needle = ""
        """The filter, lower-cased ("" lists everything)."""
        self.favorites_only = False
        self.seen = Seen()
        self.row_height = row_height

    # -- what is listed ---------------------------------------------------------------------------

    @property
    def narrowed(self) -> bool:
        return bool(self.needle) or self.favorites_only

    def matches(self, row: ConversationRowLike) -> bool:
        if self.favorites_only and not row.favorited:
            return False
        if not self.needle:
            return True
        return row.name is not None and self.needle in clean_line(row.name).lower()

    def index_of(self, conversation_id: str | None) -> int | None:
        """Position among the rows on show (None when not listed)."""
        return None if conversation_id is None else self.view.index_of(conversation_id)

    def rebuild(self) -> None:
        """Attach the source (if any) and build the rows on show afresh."""
        if self.source is not None:
            self.rows = self.source
        if not self.narrowed:
            self.view = self.rows
            return
        rows, matches = self.rows, self.matches
        keys: list[RowKey] = []
        kept: list[ConversationRowLike] = []
        for index in range(len(rows)):
            row = rows.at(index)
            if matches(row):
                keys.append(rows.key_at(index))
                kept.append(row)
        self.view = SortedRows.ordered(keys, kept)

    @property
    def attached(self) -> bool:
        """Whether the rows on show follow the source (False until the first news from it)."""
        return self.source is None or self.rows is self.source

    def apply(self, ids: Collection[str]) -> None:
        """These rows changed at the source: bring the filtered subset up to date."""
        view = self.view
        if not isinstance(view, SortedRows) or view is self.rows:
            return  # the rows on show are the rows themselves
        for conversation_id in ids:
            row = self.rows.get(conversation_id)
            if row is None or not self.matches(row):
                view.discard(conversation_id)
            else:
                view.put(row)

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
