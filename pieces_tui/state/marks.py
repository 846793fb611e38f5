"""Marks: the conversations the user picked for a bulk action, by id, without Textual.

The UI shows some sequence of rows (the whole store, or the rows a filter or a search keeps) and
passes that sequence of ids, with row indices into it, to these methods:

- `toggle(rows, index)`: `space`. Flips the mark of that row, makes it the anchor of ranges and
  says where the cursor goes next (one row down, or stays on the last row).
- `extend(rows, index)`: `shift+up/down` and `shift+click`, as in file managers: the marked range
  runs from the anchor to `index`. Moving the end again replaces the range it marked (going back
  towards the anchor unmarks the rows the range had added; rows marked before stay marked). With
  no anchor (or one not in `rows`), `origin` (the row the cursor was on) becomes the anchor.
- `mark_all(rows)`, `clear()`.

Marks are ids, so live inserts, moves and renames leave them alone. `attach(store)` drops the
marks of rows the store removes (a delete elsewhere, or our own); `discard_missing(ids)` does the
same for a caller that tracks presence itself. Every change of the set of marked ids is reported
to `subscribe`d listeners with the ids whose mark flipped, so the UI redraws only those rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass

from pieces_tui.state.store import ConversationStore, StoreChange

__all__ = ["MarkListener", "Marks", "Toggled"]

log = logging.getLogger(__name__)

MarkListener = Callable[[frozenset[str]], None]
"""Called with the ids whose mark flipped (never empty)."""


@dataclass(frozen=True, slots=True)
class Toggled:
    """What `Marks.toggle` did: the row's id, whether it is now marked, the cursor's next index."""

    id: str
    marked: bool
    next_index: int


@dataclass(slots=True)
class _Range:
    """The range the last `extend` marked: anchor and end as indices into the rows it was given
    (checked against the ids before reuse), and the ids it marked that were not marked before."""

    anchor_index: int
    end_index: int
    end_id: str
    added: set[str]


class Marks:
    def __init__(self, store: ConversationStore | None = None) -> None:
        self._marked: set[str] = set()
        self._anchor: str | None = None
        self._range: _Range | None = None
        self._listeners: list[MarkListener] = []
        self._detach: Callable[[], None] | None = None
        if store is not None:
            self.attach(store)

    # -- reading ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._marked)

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._marked

    def __iter__(self) -> Iterator[str]:
        return iter(self._marked)

    def __bool__(self) -> bool:
        return bool(self._marked)

    @property
    def anchor(self) -> str | None:
        """The id ranges start from: the last row toggled (or the origin of the first extend)."""
        return self._anchor

    def ids(self) -> frozenset[str]:
        return frozenset(self._marked)

    def in_order(self, rows: Iterable[str]) -> list[str]:
        """The marked ids among `rows`, in their order (e.g. `store.ids()` for all of them)."""
        return [cid for cid in rows if cid in self._marked]

    def targets(self, rows: Iterable[str], highlighted: str | None) -> list[str]:
        """What a bulk action acts on: the marked ids in `rows` order, or the highlighted row
        when none of them is marked (empty when there is neither)."""
        marked = self.in_order(rows)
        if marked:
            return marked
        return [highlighted] if highlighted is not None else []

    # -- listeners --------------------------------------------------------------------------------

    def subscribe(self, listener: MarkListener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, flipped: Iterable[str]) -> frozenset[str]:
        ids = frozenset(flipped)
        if ids:
            for listener in list(self._listeners):
                try:
                    listener(ids)
                except Exception:  # one bad listener must not starve the others
                    log.exception("marks listener failed")
        return ids

    def attach(self, store: ConversationStore) -> None:
        """Follow `store`: marks of removed rows go (deleted elsewhere, or by us)."""
        self.detach()
        self._detach = store.subscribe(self._on_store_change)

    def detach(self) -> None:
        if self._detach is not None:
            self._detach()
            self._detach = None

    def _on_store_change(self, change: StoreChange) -> None:
        if change.removed:
            self._discard(change.removed)

    # -- writing ----------------------------------------------------------------------------------

    def toggle(self, rows: Sequence[str], index: int) -> Toggled:
        """Flip the mark of `rows[index]`; it becomes the anchor; the cursor goes one row down."""
        conversation_id = rows[index]
        marked = conversation_id not in self._marked
        if marked:
            self._marked.add(conversation_id)
        else:
            self._marked.discard(conversation_id)
        self._anchor = conversation_id
        self._range = None
        self._notify((conversation_id,))
        return Toggled(conversation_id, marked, min(index + 1, len(rows) - 1))

    def extend(
        self, rows: Sequence[str], index: int, *, origin: int | None = None
    ) -> frozenset[str]:
        """Mark the range from the anchor to `rows[index]` (both included), replacing the range
        the previous `extend` from the same anchor marked. Returns the ids whose mark flipped.

        `origin`: the cursor's row before the move, the anchor when there is none in `rows`
        (`shift+down` from row 3 passes `index=4, origin=3`); without it, `rows[index]`."""
        if not rows:
            return frozenset()
        anchor_index = self._anchor_index(rows)
        if anchor_index is None:
            anchor_index = index if origin is None else origin
            self._anchor = rows[anchor_index]
            self._range = None
        previous = self._range
        flipped: list[str] = []
        if (
            previous is not None
            and previous.anchor_index == anchor_index
            and 0 <= previous.end_index < len(rows)
            and rows[previous.end_index] == previous.end_id
        ):
            old_lo, old_hi = sorted((anchor_index, previous.end_index))
            added = previous.added
        else:  # a new range (or the rows changed under the old one): start from the anchor alone
            old_lo = old_hi = anchor_index
            added = set()
            if rows[anchor_index] not in self._marked:
                self._marked.add(rows[anchor_index])
                added.add(rows[anchor_index])
                flipped.append(rows[anchor_index])
        new_lo, new_hi = sorted((anchor_index, index))
        # Rows leaving the range lose the marks the range gave them.
        for lo, hi in ((old_lo, min(old_hi, new_lo - 1)), (max(old_lo, new_hi + 1), old_hi)):
            for i in range(lo, hi + 1):
                cid = rows[i]
                if cid in added:
                    added.discard(cid)
                    self._marked.discard(cid)
                    flipped.append(cid)
        # Rows entering the range are marked.
        for lo, hi in ((new_lo, min(new_hi, old_lo - 1)), (max(new_lo, old_hi + 1), new_hi)):
            for i in range(lo, hi + 1):
                cid = rows[i]
                if cid not in self._marked:
                    self._marked.add(cid)
                    added.add(cid)
                    flipped.append(cid)
        self._range = _Range(anchor_index, index, rows[index], added)
        return self._notify(flipped)

    def _anchor_index(self, rows: Sequence[str]) -> int | None:
        anchor = self._anchor
        if anchor is None:
            return None
        previous = self._range
        if (
            previous is not None
            and 0 <= previous.anchor_index < len(rows)
            and rows[previous.anchor_index] == anchor  # O(1) on the usual path (keys held)
        ):
            return previous.anchor_index
        try:
            return rows.index(anchor)
        except ValueError:
            return None

    def mark_all(self, rows: Iterable[str]) -> frozenset[str]:
        """Mark every id of `rows` (the visible ones); returns those newly marked."""
        new = [cid for cid in rows if cid not in self._marked]
        self._marked.update(new)
        self._range = None
        return self._notify(new)

    def clear(self) -> frozenset[str]:
        """Unmark everything and forget the anchor; returns the ids that were marked."""
        old = self._marked
        self._marked = set()
        self._anchor = None
        self._range = None
        return self._notify(old)

    def discard_missing(self, ids_present: Container[str]) -> frozenset[str]:
        """Drop the marks of ids not in `ids_present` (a set, or the store itself)."""
        return self._discard([cid for cid in self._marked if cid not in ids_present])

    def _discard(self, ids: Iterable[str]) -> frozenset[str]:
        gone = [cid for cid in ids if cid in self._marked]
        for cid in gone:
            self._marked.discard(cid)
        if self._range is not None:
            self._range.added.difference_update(gone)
        return self._notify(gone)
