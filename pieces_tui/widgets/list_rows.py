"""The sidebar's rows: what the list needs of a conversation, and its ordered container."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

__all__ = ["ConversationRowLike", "RowKey", "SortedRows", "find_all", "message_count_label"]


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


# --- ordering -------------------------------------------------------------------------------------

RowKey = tuple[int, str]
"""The rows' own `sort_key`: ascending order is store order (newest first, then id)."""


class SortedRows:
    """Rows in key order with a parallel key list for O(log n) lookups."""

    __slots__ = ("keys", "rows")

    def __init__(
        self,
        keys: list[RowKey] | None = None,
        rows: list[ConversationRowLike] | None = None,
    ) -> None:
        self.keys: list[RowKey] = keys if keys is not None else []
        self.rows: list[ConversationRowLike] = rows if rows is not None else []

    def __len__(self) -> int:
        return len(self.rows)

    def find(self, key: RowKey) -> int | None:
        index = bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            return index
        return None

    def insert(self, key: RowKey, row: ConversationRowLike) -> int:
        index = bisect_left(self.keys, key)
        self.keys.insert(index, key)
        self.rows.insert(index, row)
        return index

    def pop(self, index: int) -> None:
        del self.keys[index]
        del self.rows[index]


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
