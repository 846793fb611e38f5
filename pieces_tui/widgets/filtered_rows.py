"""The rows a filter lets through, built without a Python step per row. No Textual.

At 50,000 conversations a filter that called `clean_line` and tested each row in a Python loop
took ~100 ms a keystroke (issue 13). Here each name is folded once (`Folds`), and a filter is a
few passes of `map` / `itertools.compress` over parallel lists, which run in C: a keystroke that
narrows the rows on show tests only them, and one that keeps them all keeps the same object.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import compress, repeat
from operator import attrgetter, contains

from pieces_tui.sanitize import clean_line
from pieces_tui.widgets.list_rows import ConversationRowLike, OrderedRows, RowKey

__all__ = ["FilteredRows", "Folds"]

_name = attrgetter("name")
_favorited = attrgetter("favorited")
_id = attrgetter("id")


class Folds(dict[str | None, str]):
    """Each name as the filter reads it (`clean_line`, lower-cased), computed once per distinct
    name. A row without a name folds to "", which holds no needle: the filter never lists it."""

    def __missing__(self, name: str | None) -> str:
        folded = "" if name is None else clean_line(name).lower()
        self[name] = folded
        return folded


class FilteredRows:
    """Rows of `source` in its order, with their keys and folded names in parallel lists.

    The index by id is built only when asked for something the keys cannot answer: a keystroke
    looks its highlighted row up by the row's key at the source, and most never need it."""

    __slots__ = ("_by_id", "_folded", "_folds", "_keys", "_rows", "_source")

    def __init__(
        self,
        keys: list[RowKey],
        rows: list[ConversationRowLike],
        folded: list[str],
        source: OrderedRows,
        folds: Folds,
    ) -> None:
        self._keys, self._rows, self._folded = keys, rows, folded
        self._source, self._folds = source, folds
        self._by_id: dict[str, ConversationRowLike] | None = None

    @classmethod
    def of(cls, source: OrderedRows, folds: Folds) -> FilteredRows:
        """Every row of `source` (nothing filtered yet)."""
        rows = list(source.ordered())
        folded = list(map(folds.__getitem__, map(_name, rows)))
        return cls(list(source.ordered_keys()), rows, folded, source, folds)

    def narrowed(self, needle: str, favorites_only: bool) -> FilteredRows:
        """The rows of these that pass the filter too (`self` when they all do)."""
        view = self
        if favorites_only:
            view = view._kept(list(map(_favorited, view._rows)))
        if needle:
            view = view._kept(list(map(contains, view._folded, repeat(needle))))
        return view

    def _kept(self, mask: list[bool]) -> FilteredRows:
        if all(mask):
            return self
        return FilteredRows(
            list(compress(self._keys, mask)),
            list(compress(self._rows, mask)),
            list(compress(self._folded, mask)),
            self._source,
            self._folds,
        )

    # -- OrderedRows ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def at(self, index: int) -> ConversationRowLike:
        return self._rows[index]

    def get(self, conversation_id: str) -> ConversationRowLike | None:
        index = self.index_of(conversation_id)
        return None if index is None else self._rows[index]

    def index_of(self, conversation_id: str) -> int | None:
        if self._by_id is None:
            # The row as the source holds it now: when this subset holds it at the same key,
            # that is where it is (a key names its id). Otherwise the source may have changed
            # it before this subset heard: only the index by id can say.
            row = self._source.get(conversation_id)
            if row is not None:
                key = row.sort_key
                index = bisect_left(self._keys, key)
                if index < len(self._keys) and self._keys[index] == key:
                    return index
        held = self._ids().get(conversation_id)
        return None if held is None else bisect_left(self._keys, held.sort_key)

    def position_of(self, key: RowKey) -> int:
        return bisect_left(self._keys, key)

    def key_at(self, index: int) -> RowKey:
        return self._keys[index]

    def ordered(self) -> Sequence[ConversationRowLike]:
        return tuple(self._rows)

    def ordered_keys(self) -> Sequence[RowKey]:
        return tuple(self._keys)

    # -- following the source ---------------------------------------------------------------------

    def _ids(self) -> dict[str, ConversationRowLike]:
        if self._by_id is None:
            self._by_id = dict(zip(map(_id, self._rows), self._rows, strict=True))
        return self._by_id

    def put(self, row: ConversationRowLike) -> None:
        """Insert the row, or replace the one of its id (moving it to its place)."""
        self.discard(row.id)
        key = row.sort_key
        index = bisect_left(self._keys, key)
        self._keys.insert(index, key)
        self._rows.insert(index, row)
        self._folded.insert(index, self._folds[row.name])
        self._ids()[row.id] = row

    def discard(self, conversation_id: str) -> None:
        """Remove the row of this id (nothing when it is not held)."""
        held = self._ids().pop(conversation_id, None)
        if held is not None:
            index = bisect_left(self._keys, held.sort_key)
            del self._keys[index]
            del self._rows[index]
            del self._folded[index]
