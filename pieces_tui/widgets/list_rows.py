"""The sidebar's rows: what the list needs of a conversation, and of the ordered rows it shows.

The list does not order rows itself: it reads them from an `OrderedRows` (in the app, the
`ConversationStore`, which owns the one ordered index) and is told which ids changed.
`SortedRows` is the same protocol kept in the widget's hands: the filtered subset on show, or
the whole list of a `ConversationList` used without a store (widget tests, benchmarks).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

__all__ = [
    "ConversationRowLike",
    "OrderedRows",
    "RowKey",
    "SortedRows",
    "VisibleIds",
    "find_all",
    "message_count_label",
]


class ConversationRowLike(Protocol):
    """What the list needs from a conversation (the store's `ConversationSummary` fits)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def updated(self) -> datetime: ...

    @property
    def message_count(self) -> int: ...

    @property
    def favorited(self) -> bool: ...

    @property
    def sort_key(self) -> tuple[int, str]:
        """Ascending order of this key is display order (the store's one sort key)."""
        ...


RowKey = tuple[int, str]
"""The rows' own `sort_key`: ascending order is store order (newest first, then id)."""


class OrderedRows(Protocol):
    """A read-only view of rows in display order (`ConversationStore` is one)."""

    def __len__(self) -> int: ...

    def at(self, index: int) -> ConversationRowLike:
        """The row at `index` in display order."""
        ...

    def get(self, conversation_id: str) -> ConversationRowLike | None: ...

    def index_of(self, conversation_id: str) -> int | None:
        """Display position of the id (None when absent)."""
        ...

    def position_of(self, key: RowKey) -> int:
        """Where a row of this sort key is, or would go (how many rows sort before it)."""
        ...

    def key_at(self, index: int) -> RowKey:
        """The sort key of the row at `index` (kept, not computed again)."""
        ...

    def ordered(self) -> Sequence[ConversationRowLike]:
        """Every row in display order (a copy, made in C: the filter reads it in one pass)."""
        ...

    def ordered_keys(self) -> Sequence[RowKey]:
        """Every row's sort key, in display order (a copy, as `ordered`)."""
        ...


class SortedRows:
    """Rows in key order with a parallel key list (O(log n) lookups) and an index by id."""

    __slots__ = ("_by_id", "_keys", "_rows")

    def __init__(self, rows: Iterable[ConversationRowLike] = ()) -> None:
        keyed: dict[str, tuple[RowKey, ConversationRowLike]] = {}
        for row in rows:  # a repeated id keeps its last version
            keyed[row.id] = (row.sort_key, row)
        pairs = sorted(keyed.values(), key=lambda pair: pair[0])  # linear when in order
        self._by_id = {row.id: row for _, row in pairs}
        self._rows = [row for _, row in pairs]
        self._keys = [key for key, _ in pairs]

    def __len__(self) -> int:
        return len(self._rows)

    def at(self, index: int) -> ConversationRowLike:
        return self._rows[index]

    def get(self, conversation_id: str) -> ConversationRowLike | None:
        return self._by_id.get(conversation_id)

    def index_of(self, conversation_id: str) -> int | None:
        row = self._by_id.get(conversation_id)
        return None if row is None else bisect_left(self._keys, row.sort_key)

    def position_of(self, key: RowKey) -> int:
        return bisect_left(self._keys, key)

    def key_at(self, index: int) -> RowKey:
        return self._keys[index]

    def ordered(self) -> Sequence[ConversationRowLike]:
        return tuple(self._rows)

    def ordered_keys(self) -> Sequence[RowKey]:
        return tuple(self._keys)

    def put(self, row: ConversationRowLike) -> None:
        """Insert the row, or replace the one of its id (moving it to its place)."""
        self.discard(row.id)
        key = row.sort_key
        index = bisect_left(self._keys, key)
        self._keys.insert(index, key)
        self._rows.insert(index, row)
        self._by_id[row.id] = row

    def discard(self, conversation_id: str) -> None:
        """Remove the row of this id (nothing when it is not held)."""
        index = self.index_of(conversation_id)
        if index is not None:
            del self._keys[index]
            del self._rows[index]
            del self._by_id[conversation_id]


class VisibleIds(Sequence[str]):
    """The ids of the listed (filtered) rows, in order, without copying them."""

    __slots__ = ("_rows",)

    def __init__(self, rows: OrderedRows) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return self._rows.at(index).id


def message_count_label(count: int) -> str:
    return "1 message" if count == 1 else f"{count:,} messages"


def find_all(haystack: str, needle: str) -> Iterable[tuple[int, int]]:
    """Spans of every non-overlapping case-insensitive occurrence of `needle` (already lower)."""
    lowered = haystack.lower()
    if len(lowered) != len(haystack):  # lower() changed lengths: offsets would not line up
        return
    start = lowered.find(needle)
    while start != -1:
        yield start, start + len(needle)
        start = lowered.find(needle, start + len(needle))
