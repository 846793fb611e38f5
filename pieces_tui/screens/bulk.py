"""Marks, bulk stars and the undo window of deletes, for the main screen.

`BulkActions` owns the `Marks` (which rows a bulk action acts on) and the `PendingDeletes` of the
current client (every delete, single or bulk, waits `undo_seconds` before it is sent). It only
reads the screen's public parts (the list, the store, `marked`, `activity`) and raises toasts; the
screen keeps the keys, the pane and the store-to-list patching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pieces_tui.labels import UNTITLED
from pieces_tui.state.marks import Marks

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient
    from pieces_tui.screens.main import MainScreen
    from pieces_tui.state.deletes import (
        DeleteProgress,
        DeleteSummary,
        PendingBatch,
        PendingDeletes,
    )

# The dialog, the favorites' writes and the delete queue are imported where they are first used:
# the first frame needs only the marks (tests/test_deferred_imports.py).

PROGRESS_FROM = 20
"""Batches of at least this many rows report their progress in the status bar."""
CONCURRENCY = 8
"""Delete requests in flight at once."""


class BulkActions:
    def __init__(self, screen: MainScreen, *, undo_seconds: float) -> None:
        self.screen = screen
        self.undo_seconds = max(0.0, undo_seconds)
        self.marks = Marks(screen.store)
        self.marks.subscribe(self._marks_flipped)
        self._deletes: PendingDeletes | None = None
        self._marked_batches: set[int] = set()
        """Batches made of marked rows: `undo` marks them again."""
        self._highlight_after: dict[int, str | None] = {}
        """Where the highlight went when each batch left the list (see `_done`)."""

    # -- marks ------------------------------------------------------------------------------------

    def _marks_flipped(self, ids: frozenset[str]) -> None:
        self.screen.marked = len(self.marks)
        if self.screen.is_mounted:
            self.screen.conversation_list.refresh_marks(ids)

    def toggle(self, conversation_id: str) -> None:
        """`space`: flip the row's mark (the list already moved its highlight down)."""
        listing = self.screen.conversation_list
        index = listing.index_of(conversation_id)
        if index is not None:
            self.marks.toggle(listing.visible_ids(), index)

    def extend(self, conversation_id: str, origin: str) -> None:
        """`shift+up/down`, `shift+click`: the range from the anchor to this row."""
        listing = self.screen.conversation_list
        index = listing.index_of(conversation_id)
        if index is not None:
            self.marks.extend(listing.visible_ids(), index, origin=listing.index_of(origin))

    def mark_all(self) -> None:
        self.marks.mark_all(self.screen.conversation_list.visible_ids())

    def clear(self) -> None:
        self.marks.clear()

    def targets(self) -> list[str]:
        """The marked rows among those listed, or the highlighted one when none is marked."""
        listing = self.screen.conversation_list
        return self.marks.targets(listing.visible_ids(), listing.highlighted_id)

    # -- favorites --------------------------------------------------------------------------------

    async def favorite(self) -> None:
        """`f` with rows marked: star them all (unstar them when all are starred), one summary."""
        screen = self.screen
        ids = self.targets()
        client = screen.client
        if not ids or client is None:
            return
        if len(ids) >= PROGRESS_FROM:
            screen.activity = f"starring {len(ids):,}…"
        try:
            from pieces_tui.screens.favorites import set_favorites

            summary = await set_favorites(client, screen.store, ids)
        finally:
            screen.activity = ""
        title = "Starred" if summary.starred else "Unstarred"
        screen.notify(summary.message(), title=title, severity=summary.severity)

    # -- deletes ----------------------------------------------------------------------------------

    async def confirm_delete(self) -> list[str]:
        """Ask once for the targets; the ids to delete, or [] (cancelled, or nothing to do)."""
        screen = self.screen
        ids = self.targets()
        if not ids:
            screen.notify("No conversation is highlighted.", severity="warning")
            return []
        if screen.client is None:
            screen.notify("Not connected to Pieces OS yet.", severity="warning")
            return []
        names = []
        for conversation_id in ids:
            summary = screen.store.get(conversation_id)
            names.append((summary.name if summary is not None else None) or UNTITLED)
        from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen

        dialog = ConfirmDeleteScreen(names, undo_seconds=self.undo_seconds)
        return ids if await screen.app.push_screen_wait(dialog) else []

    def _pending(self, client: PiecesClient) -> PendingDeletes:
        if self._deletes is None or self._deletes.client is not client:
            from pieces_tui.state.deletes import PendingDeletes

            self._deletes = PendingDeletes(
                client,
                self.screen.store,
                window=self.undo_seconds,
                concurrency=CONCURRENCY,
                on_progress=self._progress,
                on_done=self._done,
            )
        return self._deletes

    def schedule_delete(self, ids: list[str]) -> PendingBatch | None:
        """Take the rows out of view now; they are sent when the undo window closes."""
        client = self.screen.client
        if client is None:
            return None
        marked = bool(self.marks)
        batch = self._pending(client).schedule(ids)
        if batch is None:  # the stream removed them while the dialog was open
            self.screen.notify("This conversation was already deleted elsewhere.", title="Deleted")
            return None
        if marked:
            self._marked_batches.add(batch.number)
        self.screen.call_later(self._note_highlight, batch.number)  # once the list moved on
        if self.undo_seconds > 0:
            self.screen.notify(batch.message(), title="Deleted", timeout=self.undo_seconds)
        return batch

    def undo(self) -> PendingBatch | None:
        """Bring back the latest batch still in its window (None when there is none)."""
        batch = self._deletes.undo() if self._deletes is not None else None
        if batch is None:
            self.screen.notify("Nothing to undo.", severity="warning")
            return None
        if batch.number in self._marked_batches:
            self._marked_batches.discard(batch.number)
            self.marks.mark_all(cid for cid in batch.ids if cid in self.screen.store)
        noun = "conversation" if len(batch) == 1 else "conversations"
        self.screen.notify(f"Restored {len(batch):,} {noun}.", title="Undone")
        return batch

    def pending_count(self) -> int:
        return self._deletes.pending_count() if self._deletes is not None else 0

    async def flush(self) -> None:
        """Send every pending delete now and wait for the answers (before quitting)."""
        count = self.pending_count()
        if self._deletes is None or not count:
            return
        noun = "delete" if count == 1 else "deletes"
        self.screen.notify(f"Sending {count:,} pending {noun} before quitting…", title="Quitting")
        await self._deletes.flush()

    def _progress(self, progress: DeleteProgress) -> None:
        if progress.total < PROGRESS_FROM:
            return
        if progress.done >= progress.total:
            self.screen.activity = ""
        else:
            self.screen.activity = f"deleting {progress.done:,}/{progress.total:,}"

    def _note_highlight(self, number: int) -> None:
        self._highlight_after[number] = self.screen.conversation_list.highlighted_id

    def _done(self, batch: PendingBatch, summary: DeleteSummary) -> None:
        self._marked_batches.discard(batch.number)
        after = self._highlight_after.pop(batch.number, None)
        listing = self.screen.conversation_list
        if summary.failed and after is not None and listing.highlighted_id == after:
            # The user has not moved since: the row that could not be deleted takes the
            # highlight back (after the list got it back: that change is queued before this).
            self.screen.call_later(listing.highlight, summary.failed[0].id)
        self.screen.activity = ""
        self.screen.notify(summary.message(), title=summary.title, severity=summary.severity)
