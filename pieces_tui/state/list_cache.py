"""The list snapshot at work: paint the store from it at start, save it when the list settles.

`ListCache` ties one `ConversationStore` to the snapshot files of `pieces_tui.state.snapshot`:

- `paint(key)` fills the store from the snapshot saved for `key` (a Pieces OS address) and says
  whether it did (its first rows decoded, the rest when first read: `ConversationStore.
  apply_saved`). The caller shows the list as not yet live until the server's list replaces it.
- `changed(key)` is called after every store change once the store holds the server's list: the
  save runs `quiet` seconds after the last change (bursts cost one write), on a worker thread,
  from an immutable copy of the rows (summaries are never mutated, so the copy is safe to read
  there).
- `save_now(key)` writes at once (on exit), in the calling thread.

Nothing is written while the file already holds what the store holds: after a start painted from
the snapshot when the server's list turned out the same, or on exit when nothing changed since
the last write (at 50,000 rows a write costs ~0.2 s of the GIL).

A disabled cache (`--no-cache`, or `"list_cache": false` in the config) does nothing at all.
Failures to write are logged, never raised: the cache is a convenience. No Textual here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from pieces_tui.state.snapshot import open_snapshot, save_snapshot
from pieces_tui.state.store import ConversationStore, ConversationSummary, StoreChange

__all__ = ["ListCache"]

log = logging.getLogger(__name__)

QUIET = 2.0
"""Seconds without a store change before the snapshot is written."""


class ListCache:
    def __init__(
        self,
        store: ConversationStore,
        folder: Path | None,
        *,
        quiet: float = QUIET,
    ) -> None:
        self.store = store
        self.folder = folder
        """Where the snapshots live; None: the cache is off."""
        self.quiet = quiet
        self.saves = 0
        """How many snapshots were written (for tests and benchmarks)."""
        self._pending: asyncio.TimerHandle | None = None
        self._writing: asyncio.Task[None] | None = None
        self._generation = 0
        """Counts the store's changes; `_saved`: the key and count its file on disk matches."""
        self._saved: tuple[str, int] | None = None
        store.subscribe(self._store_changed)

    def _store_changed(self, _change: StoreChange) -> None:
        self._generation += 1

    def saved(self, key: str) -> bool:
        """True while the snapshot file of `key` holds exactly the store's rows (it was painted
        from or written with them)."""
        return self._saved == (key, self._generation)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def paint(self, key: str) -> bool:
        """Fill the store from the snapshot of `key`; False when there is none usable."""
        if self.folder is None:
            return False
        saved = open_snapshot(key, self.folder)
        if saved is None or not saved.count:
            return False
        self.store.apply_saved(saved)  # only its first rows decoded yet: all the first frame needs
        self._saved = (key, self._generation)
        return True

    def changed(self, key: str) -> None:
        """The store holds the server's list and changed: save once it has been quiet."""
        if self.folder is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not in the app's loop (a store driven by hand): nothing to schedule on
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.quiet, self._start_write, key)

    def _start_write(self, key: str) -> None:
        self._pending = None
        if self._writing is not None and not self._writing.done():
            self.changed(key)  # one write at a time: try again after another quiet spell
            return
        self._writing = asyncio.get_running_loop().create_task(self._write(key))

    async def _write(self, key: str) -> None:
        if self.saved(key):
            return  # e.g. the server's list equals the snapshot it was painted from
        rows = self.store.ordered()  # an immutable copy, taken on the loop
        generation = self._generation
        if await asyncio.to_thread(self._save, key, rows):
            self._written(key, generation)

    def save_now(self, key: str) -> None:
        """Write at once (and drop a pending debounced write)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self.folder is not None and not self.saved(key):
            generation = self._generation
            if self._save(key, self.store.ordered()):
                self._written(key, generation)

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _save(self, key: str, rows: Sequence[ConversationSummary]) -> bool:
        folder = self.folder
        if folder is None:
            return False
        try:
            save_snapshot(key, rows, folder)
        except (OSError, ValueError) as error:
            log.warning("list snapshot for %s not saved: %s", key, error)
            return False
        return True

    def _written(self, key: str, generation: int) -> None:
        """A write of the store as it was at `generation` is done (on the loop, not the thread)."""
        self._saved = (key, generation)
        self.saves += 1
