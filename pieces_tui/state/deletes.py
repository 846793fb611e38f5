"""The undo window of every delete, single or bulk, without Textual.

`PendingDeletes.schedule(ids)` takes the rows out of view at once (`ConversationStore.withhold`:
the store keeps them aside, up to date) and opens a window of `window` seconds; nothing goes to
the server yet. Then:

- `undo()` within the window puts the rows of the latest open batch back (`release`): the store
  orders by its sort key, so they land exactly where they were, unless another client changed them
  meanwhile (then where that change puts them, as the server has it). Nothing is sent.
- When the window closes (or on `flush()`, e.g. when the app quits) every id gets one
  `POST /conversations/{id}/delete`, `concurrency` at a time, reporting `DeleteProgress` after each.
  A 404 counts as done (deleted elsewhere first); a row that fails otherwise comes back into the
  store with its reason. The batch ends with one `DeleteSummary`.

Safety: until a window closes nothing was sent, so a crash or a kill during it deletes nothing.
While a row is held, the synchronizer's writes for it (a `Changed` fetch, a reload after a
reconnect) only update the held copy, so a pending row never reappears on its own, and a change by
another client during the window is known: the row is still deleted and the summary says so. A
row deleted elsewhere meanwhile is marked gone and counts as done. A row the user brought back
with `undo` had no request sent, so no stream event of ours can remove it later.

Time is injectable (`sleep`, `clock`) so tests drive the window without waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pieces_tui.client.errors import NotFound, PiecesError
from pieces_tui.state.store import ConversationStore, ConversationSummary

if TYPE_CHECKING:
    from pieces_tui.client.http import PiecesClient

__all__ = [
    "BatchState",
    "DeleteFailure",
    "DeleteProgress",
    "DeleteSummary",
    "PendingBatch",
    "PendingDeletes",
]

log = logging.getLogger(__name__)

BatchState = Literal["waiting", "sending", "done", "undone"]
Sleep = Callable[[float], Awaitable[object]]

_NAMES_SHOWN = 3
_NAME_WIDTH = 40


def display_name(name: str | None, *, width: int = _NAME_WIDTH) -> str:
    """A conversation's name for a plain-text notice: on one line, quoted, shortened. Not cleaned
    of control characters here (no Rich in state/): show it through the app's `notify`, which
    cleans every toast."""
    text = " ".join((name or "").split()) or "Untitled"
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"“{text}”"


def _count(n: int) -> str:
    return f"{n} conversation" if n == 1 else f"{n} conversations"


@dataclass(frozen=True, slots=True)
class DeleteProgress:
    """After each request of a batch: `done` of `total` answered, `failed` of them failed."""

    batch: int
    done: int
    total: int
    failed: int


@dataclass(frozen=True, slots=True)
class DeleteFailure:
    id: str
    name: str | None
    reason: str
    """The client error's text (it quotes the server's body: untrusted, show it as plain text)."""


@dataclass(frozen=True, slots=True)
class DeleteSummary:
    """How one batch ended. `deleted`: our request deleted them; `already_gone`: deleted
    elsewhere first (404), counted as done; `changed`: among `deleted`, changed by another client
    during the window; `failed`: not deleted, back in the store."""

    batch: int
    deleted: tuple[str, ...]
    already_gone: tuple[str, ...]
    changed: tuple[str, ...]
    failed: tuple[DeleteFailure, ...]
    names: Mapping[str, str | None] = field(repr=False)

    @property
    def done(self) -> int:
        """How many are gone from the server now (ours and those deleted elsewhere)."""
        return len(self.deleted) + len(self.already_gone)

    @property
    def severity(self) -> Literal["information", "warning", "error"]:
        if self.failed:
            return "error"
        return "warning" if self.changed else "information"

    @property
    def title(self) -> str:
        return "Delete failed" if self.failed else "Deleted"

    def _names(self, ids: Iterable[str]) -> str:
        ids = list(ids)
        shown = ", ".join(display_name(self.names.get(cid)) for cid in ids[:_NAMES_SHOWN])
        more = len(ids) - _NAMES_SHOWN
        return f"{shown} and {more} more" if more > 0 else shown

    def message(self) -> str:
        """One plain-text paragraph for a notice (no markup; names and reasons are cleaned)."""
        parts = [f"Deleted {_count(self.done)}."]
        if self.already_gone:
            n = len(self.already_gone)
            verb = "was" if n == 1 else "were"
            parts.append(f"{n} of them {verb} already deleted elsewhere.")
        if self.changed:
            n = len(self.changed)
            verb = "was" if n == 1 else "were"
            parts.append(
                f"{n} {verb} changed by another client during the undo window and deleted "
                f"anyway: {self._names(self.changed)}."
            )
        if self.failed:
            reason = " ".join(self.failed[0].reason.split())[:300]
            if len(self.failed) == 1:
                name = display_name(self.failed[0].name)
                parts.append(f"Could not delete {name} (back in the list): {reason}")
            else:
                parts.append(
                    f"Could not delete {_count(len(self.failed))} (back in the list): "
                    f"{self._names(f.id for f in self.failed)}. The first: {reason}"
                )
        return " ".join(parts)


class PendingBatch:
    """One delete (one or many rows) from `schedule` to its summary."""

    def __init__(
        self,
        number: int,
        summaries: tuple[ConversationSummary, ...],
        due: float,
        clock: Callable[[], float],
    ) -> None:
        self.number = number
        self.summaries = summaries
        """The rows as they were when scheduled, in display order."""
        self.ids = tuple(s.id for s in summaries)
        self.due = due
        """When the window closes, on the `clock`'s scale."""
        self.state: BatchState = "waiting"
        self._clock = clock
        self._go = asyncio.Event()
        self._result: asyncio.Future[DeleteSummary | None] = (
            asyncio.get_running_loop().create_future()
        )
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"<PendingBatch {self.number} {self.state} {len(self.ids)} rows>"

    def remaining(self) -> float:
        """Seconds left in the window (0 once it closed)."""
        return max(0.0, self.due - self._clock()) if self.state == "waiting" else 0.0

    def message(self, undo_key: str = "u") -> str:
        """The toast: 'Deleted “Name” — u to undo' for one row, 'Deleted N — u to undo'."""
        what = display_name(self.summaries[0].name) if len(self.ids) == 1 else str(len(self.ids))
        return f"Deleted {what} — {undo_key} to undo"

    async def wait(self) -> DeleteSummary | None:
        """The batch's summary once it was sent; None when it was undone."""
        return await asyncio.shield(self._result)


class PendingDeletes:
    """Deletes held for an undo window, then sent with bounded concurrency.

    `on_progress(DeleteProgress)` after each answered request and `on_done(PendingBatch,
    DeleteSummary)` at the end of each batch are called in the event loop (a Textual app can
    post messages from them). `window=0` sends at once (the rows still leave the list at once).
    """

    def __init__(
        self,
        client: PiecesClient,
        store: ConversationStore,
        *,
        window: float = 5.0,
        concurrency: int = 8,
        on_progress: Callable[[DeleteProgress], None] | None = None,
        on_done: Callable[[PendingBatch, DeleteSummary], None] | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window < 0:
            raise ValueError("the undo window cannot be negative")
        self.client = client
        self.store = store
        self.window = window
        self.on_progress = on_progress
        self.on_done = on_done
        self._sleep = sleep
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._numbers = itertools.count(1)
        self._batches: list[PendingBatch] = []

    # -- reading ----------------------------------------------------------------------------------

    @property
    def batches(self) -> tuple[PendingBatch, ...]:
        """Batches not finished yet (waiting in their window, or sending), oldest first."""
        return tuple(self._batches)

    @property
    def waiting(self) -> tuple[PendingBatch, ...]:
        """Batches still in their window (undo-able), oldest first."""
        return tuple(b for b in self._batches if b.state == "waiting")

    def pending_count(self) -> int:
        """Rows not sent yet or in flight (for 'Sending N deletes…' on quit)."""
        return sum(len(b) for b in self._batches)

    # -- acting -----------------------------------------------------------------------------------

    def schedule(self, ids: Iterable[str]) -> PendingBatch | None:
        """Take these rows out of the store now and delete them when the window closes.

        Ids not in view (unknown, or already pending) are skipped; None when none is left.
        Must be called in the running event loop."""
        change = self.store.withhold(ids)
        if not change.removed:
            return None
        summaries = []
        for cid in change.removed:
            held = self.store.held(cid)
            assert held is not None
            summaries.append(held.summary)
        batch = PendingBatch(
            next(self._numbers), tuple(summaries), self._clock() + self.window, self._clock
        )
        self._batches.append(batch)
        batch._task = asyncio.get_running_loop().create_task(self._run(batch))
        return batch

    def undo(self, batch: PendingBatch | None = None) -> PendingBatch | None:
        """Bring back the rows of `batch` (default: the latest one still in its window) and send
        nothing for it. None when there is nothing to undo (the window closed)."""
        if batch is None:
            waiting = self.waiting
            batch = waiting[-1] if waiting else None
        if batch is None or batch.state != "waiting":
            return None
        batch.state = "undone"
        if batch._task is not None:
            batch._task.cancel()
        self._batches.remove(batch)
        self.store.release(batch.ids)
        batch._result.set_result(None)
        return batch

    async def flush(self) -> list[DeleteSummary]:
        """Close every window now, send what is pending and wait for every batch to end (the
        app calls this when quitting). Returns the summaries of the batches it waited for."""
        batches = list(self._batches)
        for batch in batches:
            batch._go.set()
        summaries = [await batch.wait() for batch in batches]
        return [s for s in summaries if s is not None]

    async def aclose(self) -> None:
        """Undo every batch still in its window (nothing sent) and wait for those sending."""
        for batch in self.waiting:
            self.undo(batch)
        for batch in list(self._batches):
            with contextlib.suppress(asyncio.CancelledError):
                await batch.wait()

    # -- the window and the requests --------------------------------------------------------------

    async def _run(self, batch: PendingBatch) -> None:
        if self.window > 0 and not batch._go.is_set():
            timer = asyncio.ensure_future(self._sleep(self.window))
            go = asyncio.ensure_future(batch._go.wait())
            try:
                await asyncio.wait({timer, go}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                timer.cancel()
                go.cancel()
        # From here on the batch is sent: undo no longer applies (it checks the state).
        batch.state = "sending"
        try:
            summary = await self._send(batch)
        except BaseException:
            # Cancelled mid-send (the loop is closing): the outcome of the requests in flight is
            # unknown, so the rows stay out of view; the next load shows what the server has.
            self._finish(batch)
            batch._result.cancel()
            raise
        self._finish(batch)
        batch._result.set_result(summary)
        if self.on_done is not None:
            try:
                self.on_done(batch, summary)
            except Exception:
                log.exception("delete on_done callback failed")

    def _finish(self, batch: PendingBatch) -> None:
        batch.state = "done"
        if batch in self._batches:
            self._batches.remove(batch)

    async def _send(self, batch: PendingBatch) -> DeleteSummary:
        total = len(batch.ids)
        answered = 0
        failures: list[DeleteFailure] = []
        outcome: dict[str, str] = {}
        names = {s.id: s.name for s in batch.summaries}

        async def one(conversation_id: str) -> None:
            nonlocal answered
            async with self._slots:
                try:
                    await self.client.delete_conversation(conversation_id)
                    outcome[conversation_id] = "deleted"
                except NotFound:
                    outcome[conversation_id] = "gone"
                except PiecesError as exc:
                    failures.append(
                        DeleteFailure(conversation_id, names[conversation_id], str(exc))
                    )
                except Exception as exc:  # a bug must not leave the row held forever
                    log.exception("delete of %s failed unexpectedly", conversation_id)
                    reason = f"unexpected error: {type(exc).__name__}: {exc}"
                    failures.append(DeleteFailure(conversation_id, names[conversation_id], reason))
            answered += 1
            if self.on_progress is not None:
                try:
                    self.on_progress(DeleteProgress(batch.number, answered, total, len(failures)))
                except Exception:
                    log.exception("delete on_progress callback failed")

        await asyncio.gather(*(one(cid) for cid in batch.ids))

        original = {s.id: s.updated for s in batch.summaries}
        changed = []
        for cid in batch.ids:
            held = self.store.held(cid)
            if held is not None:
                names[cid] = held.summary.name  # renamed elsewhere meanwhile: the newest name
            if (
                outcome.get(cid) == "deleted"
                and held is not None
                and held.summary.updated != original[cid]
            ):
                changed.append(cid)
        # A failed request for a row the server deleted meanwhile (we saw it go): done anyway.
        really_failed = []
        for failure in failures:
            held = self.store.held(failure.id)
            if held is not None and held.gone:
                outcome[failure.id] = "gone"
            else:
                really_failed.append(failure)
        self.store.forget(cid for cid in batch.ids if cid in outcome)
        self.store.release(f.id for f in really_failed)
        order = {cid: i for i, cid in enumerate(batch.ids)}
        really_failed.sort(key=lambda f: order[f.id])
        return DeleteSummary(
            batch=batch.number,
            deleted=tuple(cid for cid in batch.ids if outcome.get(cid) == "deleted"),
            already_gone=tuple(cid for cid in batch.ids if outcome.get(cid) == "gone"),
            changed=tuple(changed),
            failed=tuple(really_failed),
            names=names,
        )
