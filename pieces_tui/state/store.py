"""The in-memory view of all conversations, ordered for the sidebar, reporting exact changes.

`ConversationStore` keeps one `ConversationSummary` per conversation, ordered by `updated`
(newest first), ties broken by id, plus the full `Conversation` model by id when one was
fetched (the detail pane reuses it instead of asking again). Every mutation returns a
`StoreChange` and hands it to each subscribed listener (when it is not empty).

Who listens: the UI's `pieces_tui.connection.Connection`, which only notes the ids and posts a
Textual message. A listener that raises stops the mutation's caller (it is not swallowed), so a
bug there fails the worker that wrote and is reported, instead of leaving a silently stale list.

Ordering uses a sorted list of keys and `bisect`: finding a row is O(log n); inserting or removing
one shifts the list (a memmove), which stays cheap at the tens of thousands of rows we expect.

Filled from the list snapshot at start (`apply_saved`), the store holds its count and first rows
only: the first frame reads nothing else, and the other rows are decoded the first time anything
reads past them or writes (`_materialise`), typically when the server's list replaces them.
No Textual here.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pieces_tui.client.summary import ConversationSummary, SortKey

if TYPE_CHECKING:
    from pieces_tui.client.models import Conversation
    from pieces_tui.state.snapshot import SavedList

log = logging.getLogger(__name__)

__all__ = ["ConversationStore", "ConversationSummary", "Held", "StoreChange", "StoreListener"]


@dataclass(frozen=True, slots=True)
class StoreChange:
    """Exactly what one store operation changed (ids).

    - `added`: new ids, in their new display order.
    - `updated`: ids present before and after whose summary or full model changed (new order).
    - `removed`: ids gone, in their old display order.
    - `moved`: ids among `updated` whose position relative to the other rows changed (their
      `updated` time moved them). Rows only shifted by insertions or removals of others are not
      listed. In a full snapshot, an id may also be listed when another moved row passed it.
    """

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.moved)


StoreListener = Callable[[StoreChange], None]


@dataclass(slots=True)
class Held:
    """A row taken out of view by `ConversationStore.withhold` (a delete in its undo window).

    The store keeps it up to date while it is held: `summary` (and `conversation`, when the full
    model is known) follow later writes for its id; `gone` is set when the server says it no
    longer exists (a stream delete, a fetch's 404, a snapshot without it)."""

    summary: ConversationSummary
    conversation: Conversation | None
    gone: bool = False


class ConversationStore:
    def __init__(self) -> None:
        self._keys: list[SortKey] = []
        self._rows: list[ConversationSummary] = []
        self._by_id: dict[str, ConversationSummary] = {}
        self._full: dict[str, Conversation] = {}
        self._listeners: list[StoreListener] = []
        self._held: dict[str, Held] = {}
        self._saved: SavedList | None = None
        """A snapshot painted but not decoded beyond its head (see `apply_saved`)."""
        self._head_at: dict[str, int] = {}

    # -- reading ----------------------------------------------------------------------------------

    # While a snapshot is only partly decoded (`_saved`), the reads the first frame makes (the
    # count, the first rows, their positions) are answered from its head; anything else decodes
    # the rest first.

    def __len__(self) -> int:
        saved = self._saved
        return len(self._rows) if saved is None else saved.count

    def __contains__(self, conversation_id: object) -> bool:
        if self._saved is not None and conversation_id not in self._head_at:
            self._materialise()
        return conversation_id in self._by_id or conversation_id in self._head_at

    def ordered(self) -> Sequence[ConversationSummary]:
        """All summaries, newest first (a copy: O(n))."""
        self._materialise()
        return tuple(self._rows)

    def ordered_keys(self) -> Sequence[SortKey]:
        """Every summary's sort key, newest first (a copy: O(n), made in C)."""
        return tuple(self._keys)

    def ids(self) -> list[str]:
        self._materialise()
        return [row.id for row in self._rows]

    def get(self, conversation_id: str) -> ConversationSummary | None:
        if self._saved is not None:
            index = self._head_at.get(conversation_id)
            if index is not None:
                return self._saved.head[index]
            self._materialise()
        return self._by_id.get(conversation_id)

    def conversation(self, conversation_id: str) -> Conversation | None:
        """The full model last seen for this id (None after a lean bulk load, until the id is
        fetched again: the detail loader then asks the server)."""
        return self._full.get(conversation_id)

    def index_of(self, conversation_id: str) -> int | None:
        """Display position of the id, O(log n); None when absent."""
        if self._saved is not None:
            index = self._head_at.get(conversation_id)
            if index is not None:
                return index
            self._materialise()
        summary = self._by_id.get(conversation_id)
        if summary is None:
            return None
        return bisect_left(self._keys, summary.sort_key)

    def at(self, index: int) -> ConversationSummary:
        saved = self._saved
        if saved is not None:
            if 0 <= index < len(saved.head):
                return saved.head[index]
            self._materialise()
        return self._rows[index]

    def position_of(self, key: SortKey) -> int:
        """Where a row of this sort key is, or would go (how many rows sort before it)."""
        saved = self._saved
        if saved is not None:
            if self._keys and key <= self._keys[-1]:  # the head's keys: the rest sort after
                return bisect_left(self._keys, key)
            self._materialise()
        return bisect_left(self._keys, key)

    def key_at(self, index: int) -> SortKey:
        """The sort key of the row at `index` (kept, not computed again)."""
        saved = self._saved
        if saved is not None and not 0 <= index < len(saved.head):
            self._materialise()
        return self._keys[index]

    # -- listeners --------------------------------------------------------------------------------

    def subscribe(self, listener: StoreListener) -> Callable[[], None]:
        """Call `listener` with every non-empty change; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, change: StoreChange) -> StoreChange:
        if change:
            for listener in list(self._listeners):
                listener(change)
        return change

    # -- the list snapshot ------------------------------------------------------------------------

    def apply_saved(self, saved: SavedList) -> StoreChange:
        """Fill an empty store from a list snapshot, decoding only its head now: the change
        lists the head's ids as `added`; `len` counts every row from now on, and the rest are
        decoded when first read (or at the next write), with no change of their own unless they
        turn out unusable: then every row goes (`removed`: the head's ids) and it is logged.
        Into a store that holds rows already, everything is decoded now (`SnapshotUnusable`
        raised when it cannot be)."""
        if self._rows or self._held or self._saved is not None:
            return self.apply_summaries(saved.rows())
        self._saved = saved
        self._head_at = {row.id: index for index, row in enumerate(saved.head)}
        self._rows = list(saved.head)
        self._keys = [row.sort_key for row in saved.head]
        return self._notify(StoreChange(added=tuple(self._head_at)))

    def _materialise(self) -> None:
        """Decode the rest of a snapshot painted from its head (a no-op otherwise)."""
        saved = self._saved
        if saved is None:
            return
        self._saved = None
        head_ids = tuple(self._head_at)
        self._head_at = {}
        from pieces_tui.state.snapshot import SnapshotUnusable

        try:
            rows = saved.rows()
        except SnapshotUnusable as error:
            log.warning("list snapshot %s ignored: %s", saved.path, error)
            self._rows, self._keys, self._by_id = [], [], {}
            self._notify(StoreChange(removed=head_ids))
            return
        self._rows = rows
        self._keys = [row.sort_key for row in rows]
        self._by_id = {row.id: row for row in rows}

    # -- writing ----------------------------------------------------------------------------------

    def _insert(self, summary: ConversationSummary) -> int:
        key = summary.sort_key
        index = bisect_left(self._keys, key)
        self._keys.insert(index, key)
        self._rows.insert(index, summary)
        self._by_id[summary.id] = summary
        return index

    def _delete(self, summary: ConversationSummary) -> int:
        index = bisect_left(self._keys, summary.sort_key)
        del self._keys[index]
        del self._rows[index]
        del self._by_id[summary.id]
        return index

    def upsert(self, conversation: Conversation) -> StoreChange:
        """Add or replace one conversation."""
        self._materialise()
        summary = ConversationSummary.of(conversation)
        held = self._held.get(summary.id)
        if held is not None:
            held.summary, held.conversation, held.gone = summary, conversation, False
            return StoreChange()
        old = self._by_id.get(summary.id)
        old_full = self._full.get(summary.id)
        self._full[summary.id] = conversation
        if old is None:
            self._insert(summary)
            return self._notify(StoreChange(added=(summary.id,)))
        if old == summary:
            if old_full == conversation:
                return StoreChange()
            return self._notify(StoreChange(updated=(summary.id,)))
        if old.sort_key == summary.sort_key:
            index = bisect_left(self._keys, old.sort_key)
            self._rows[index] = summary
            self._by_id[summary.id] = summary
            return self._notify(StoreChange(updated=(summary.id,)))
        old_index = self._delete(old)
        new_index = self._insert(summary)
        moved = (summary.id,) if new_index != old_index else ()
        return self._notify(StoreChange(updated=(summary.id,), moved=moved))

    def remove(self, conversation_id: str) -> StoreChange:
        """Forget one conversation (no change when it is unknown; a held one is marked gone)."""
        self._materialise()
        held = self._held.get(conversation_id)
        if held is not None:
            held.gone = True
            return StoreChange()
        old = self._by_id.get(conversation_id)
        if old is None:
            return StoreChange()
        self._delete(old)
        self._full.pop(conversation_id, None)
        return self._notify(StoreChange(removed=(conversation_id,)))

    def apply_snapshot(self, conversations: Iterable[Conversation]) -> StoreChange:
        """Replace everything with this full list (a duplicate id: the last one wins)."""
        new_full: dict[str, Conversation] = {c.id: c for c in conversations}
        new_by_id = {cid: ConversationSummary.of(c) for cid, c in new_full.items()}
        return self._replace(new_by_id, new_full)

    def apply_summaries(self, summaries: Iterable[ConversationSummary]) -> StoreChange:
        """Replace everything with these summaries (the lean bulk load; a duplicate id: the last
        one wins). Full models are not kept: `conversation(id)` is None until an `upsert`, and
        an id counts as updated only when its summary changed."""
        return self._replace({s.id: s for s in summaries}, {})

    def _replace(
        self, new_by_id: dict[str, ConversationSummary], new_full: dict[str, Conversation]
    ) -> StoreChange:
        self._materialise()
        for cid, held in self._held.items():
            summary = new_by_id.pop(cid, None)
            if summary is None:
                held.gone = True
            else:
                held.conversation = new_full.pop(cid, None)
                held.summary, held.gone = summary, False
        # Each row's sort key computed once (it is most of the cost of a bulk load at 50,000:
        # datetime arithmetic), for the sort and for the index both.
        unsorted = list(new_by_id.values())
        unsorted_keys = [row.sort_key for row in unsorted]
        order = sorted(range(len(unsorted)), key=unsorted_keys.__getitem__)
        new_rows = [unsorted[i] for i in order]
        new_keys = [unsorted_keys[i] for i in order]

        old_rows = self._rows
        old_by_id = self._by_id
        old_full = self._full
        removed = tuple(row.id for row in old_rows if row.id not in new_by_id)
        added: list[str] = []
        updated: list[str] = []
        rekeyed: set[str] = set()
        for row in new_rows:
            old = old_by_id.get(row.id)
            if old is row and row.id not in new_full:
                continue  # the very object held (a reload hands unchanged rows back as they are)
            if old is None:
                added.append(row.id)
            elif old != row or (row.id in new_full and old_full.get(row.id) != new_full[row.id]):
                updated.append(row.id)
                if old.sort_key != row.sort_key:
                    rekeyed.add(row.id)
        moved: list[str] = []
        if rekeyed:
            old_rank = {
                row.id: rank for rank, row in enumerate(r for r in old_rows if r.id in new_by_id)
            }
            kept_new = [row.id for row in new_rows if row.id in old_by_id]
            moved = [
                cid for rank, cid in enumerate(kept_new) if cid in rekeyed and old_rank[cid] != rank
            ]

        self._rows = new_rows
        self._keys = new_keys
        self._by_id = new_by_id
        self._full = new_full
        return self._notify(
            StoreChange(
                added=tuple(added), updated=tuple(updated), removed=removed, moved=tuple(moved)
            )
        )

    def apply_identifier_snapshot(self, ids: Iterable[str]) -> list[str]:
        """Reconcile with the full id list from the stream's first frame.

        Known ids missing from it are removed (one change); returns the ids not known yet (to
        fetch), in the given order."""
        self._materialise()
        present = list(dict.fromkeys(ids))
        present_set = set(present)
        for cid, held in self._held.items():
            held.gone = cid not in present_set
        gone = [row for row in self._rows if row.id not in present_set]
        if gone:
            for row in gone:
                del self._by_id[row.id]
                self._full.pop(row.id, None)
            kept = [i for i, row in enumerate(self._rows) if row.id in self._by_id]
            self._rows = [self._rows[i] for i in kept]
            self._keys = [self._keys[i] for i in kept]
            self._notify(StoreChange(removed=tuple(row.id for row in gone)))
        return [cid for cid in present if cid not in self._by_id and cid not in self._held]

    # -- holding rows out of view (the undo window of a delete) -----------------------------------

    def withhold(self, ids: Iterable[str]) -> StoreChange:
        """Take these rows out of view (one change, `removed` in display order) and keep them
        aside, up to date, until `release` or `forget`. Unknown or already held ids are ignored.

        While an id is held, writes for it (`upsert`, bulk loads, `remove`) update its `Held`
        record instead of the view: the synchronizer cannot bring back a row whose delete is
        pending, and a row deleted elsewhere meanwhile is known to be gone."""
        self._materialise()
        taken = [self._by_id[cid] for cid in dict.fromkeys(ids) if cid in self._by_id]
        if not taken:
            return StoreChange()
        taken.sort(key=lambda s: s.sort_key)
        for summary in taken:
            self._held[summary.id] = Held(summary, self._full.pop(summary.id, None))
        if len(taken) * 8 > len(self._rows):  # many: one O(n) rebuild beats many memmoves
            self._rows = [row for row in self._rows if row.id not in self._held]
            self._keys = [row.sort_key for row in self._rows]
            for summary in taken:
                del self._by_id[summary.id]
        else:
            for summary in taken:
                self._delete(summary)
        return self._notify(StoreChange(removed=tuple(s.id for s in taken)))

    def held(self, conversation_id: str) -> Held | None:
        """The record of a held row (None when the id is not held)."""
        return self._held.get(conversation_id)

    def release(self, ids: Iterable[str]) -> StoreChange:
        """Put held rows back in view (their latest summary: where the sort key puts them, which
        is where they were unless another client changed them). Rows gone meanwhile are dropped."""
        self._materialise()
        back: list[Held] = []
        for cid in dict.fromkeys(ids):
            held = self._held.pop(cid, None)
            if held is not None and not held.gone:
                back.append(held)
        if not back:
            return StoreChange()
        for held in back:
            if held.conversation is not None:
                self._full[held.summary.id] = held.conversation
        if len(back) * 8 > len(self._rows):
            for held in back:
                self._by_id[held.summary.id] = held.summary
            self._rows = sorted(self._by_id.values(), key=lambda s: s.sort_key)
            self._keys = [row.sort_key for row in self._rows]
        else:
            for held in back:
                self._insert(held.summary)
        added = sorted((held.summary for held in back), key=lambda s: s.sort_key)
        return self._notify(StoreChange(added=tuple(s.id for s in added)))

    def forget(self, ids: Iterable[str]) -> None:
        """Drop held rows for good (their delete is done); nothing in view changes."""
        for cid in ids:
            self._held.pop(cid, None)
