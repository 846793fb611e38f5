"""Keep a `ConversationStore` equal to what Pieces OS holds, without Textual.

`Synchronizer.run()` is a plain coroutine that runs until cancelled (the UI runs it in a worker).

How it stays correct, and what it costs:

- Every connection of the identifier stream starts with a `Snapshot` (all ids). Whatever happened
  while we were not connected is only learnt from it or from a reload, and it says nothing about
  which known conversations *changed*. So as soon as a connection is live (the server queues
  every change for us from then on) the store is reloaded with one bulk `GET /conversations`,
  without waiting for the first frame (which takes ~0.4 s to arrive at 10,000 conversations).
  When that `Snapshot` then arrives, it only prunes ids missing from it and fetches ids it names
  that the load did not have; a conversation created between the two is pruned and comes back
  with its own event, which the server queued after the frame. If that early load failed, the
  `Snapshot` prunes and reloads instead. One bulk request is far cheaper than refetching every
  id one by one (10,000 round trips); refetching only unknown ids would miss renames and new
  messages that happened while disconnected.
- Stream events are handled in order, and the bulk reload runs inline, so events that arrive
  during it wait and are applied after it (a per-id fetch can never be overwritten by an older
  bulk answer). Per-id fetches in flight when a `Snapshot` arrives are cancelled: the reload
  supersedes them.
- `Changed(id)` fetches that conversation (at most `max_concurrent_fetches` at a time). A `Changed`
  for an id whose fetch is in flight marks it dirty: it is fetched once more when the first fetch
  ends, so a burst costs at most two requests and the last answer is never older than the last
  event. A 404 means it was deleted. `Deleted(id)` cancels its fetch and removes it. A fetch
  that fails otherwise (a 500, a timeout) is retried with backoff until it succeeds or a
  `Snapshot` supersedes it: the stream stays up through such errors, so nothing else would
  correct the row.
- Bounds, so a hostile or broken server cannot exhaust the app (graceful degradation): at most
  `max_pending_fetches` ids wait for or are in a per-id fetch. Past that bound (a `Snapshot` or a
  flood naming that many unknown ids), or when the stream reports an `Overflow` (it dropped
  events), the fetches are cancelled and replaced by ONE bulk reload, which covers every change
  announced before it; `Changed` events that arrive while that reload is pending are covered by
  it and ignored. Degraded reloads are spaced (1 s, then doubling up to `max_retry_delay` while
  floods go on) so a flood cannot turn into back-to-back bulk loads; `degraded_resyncs` counts
  them for the UI. Fetches start at most `max_fetch_rate` per second overall, and one id is
  fetched again at most every `refetch_interval` seconds, so a flood of known ids (each already
  coalesced by the stream and by the dirty mark) cannot pin a core.
- If the stream does not deliver a `Snapshot` within `initial_timeout` (e.g. the stream endpoint is
  broken), the bulk load happens anyway so the UI has data. A failed bulk load is retried with
  backoff until it succeeds or the next `Snapshot` arrives.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from pieces_tui.client.errors import NotFound, PiecesError
from pieces_tui.client.http import PiecesClient
from pieces_tui.client.stream import (
    Changed,
    Deleted,
    IdentifierStream,
    Malformed,
    Overflow,
    Snapshot,
    StreamEvent,
    StreamState,
)
from pieces_tui.state.store import ConversationStore

__all__ = ["EventSource", "Synchronizer"]

log = logging.getLogger(__name__)


class EventSource(Protocol):
    """What the synchronizer consumes: an `IdentifierStream`, or a stand-in in tests."""

    def __aiter__(self) -> AsyncIterator[StreamEvent]: ...

    async def __anext__(self) -> StreamEvent: ...

    async def aclose(self) -> None: ...


class Synchronizer:
    """Loads the store, then applies the identifier stream's events to it until cancelled.

    `on_state(StreamState)` is called on every stream state change (for a status bar);
    `on_error(PiecesError)` on every failed request (the synchronizer keeps going).
    """

    def __init__(
        self,
        client: PiecesClient,
        store: ConversationStore,
        *,
        stream: EventSource | None = None,
        on_state: Callable[[StreamState], None] | None = None,
        on_error: Callable[[PiecesError], None] | None = None,
        initial_timeout: float = 2.0,
        retry_delay: float = 0.5,
        max_retry_delay: float = 10.0,
        max_concurrent_fetches: int = 8,
        max_pending_fetches: int = 256,
        max_fetch_rate: float = 200.0,
        refetch_interval: float = 0.25,
    ) -> None:
        self.client = client
        self.store = store
        self._stream = stream
        self._on_state = on_state
        self._on_error = on_error
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._next_delay = initial_timeout
        self._needs_resync = True
        self._loaded_on_connect = False
        self._resync_failures = 0
        self._fetches: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._fetch_slots = asyncio.Semaphore(max_concurrent_fetches)
        self._max_pending = max_pending_fetches
        self._fetch_spacing = 1.0 / max_fetch_rate
        self._next_fetch_at = 0.0
        self._refetch_interval = refetch_interval
        self._degrade_requested = False
        self._degraded_due: float | None = None  # when the pending degraded reload may run
        self._degrade_spacing = 1.0
        self._last_degraded_at: float | None = None
        self.degraded_resyncs = 0
        """Bulk reloads done instead of per-id fetches (floods, stream overflows), for the UI."""
        self.state: StreamState | None = None
        self.loaded = asyncio.Event()
        """Set once the store holds a complete bulk load."""

    async def run(self) -> None:
        """Run until cancelled (or until the stream is closed). Closes the stream on exit."""
        stream: EventSource = self._stream or IdentifierStream(self.client.base_url)
        self._stream = stream
        try:
            while True:
                timeout = self._next_delay if self._needs_resync else None
                try:
                    # Not `asyncio.wait_for`: on Python 3.11 it returns the event and swallows a
                    # cancellation that lands as the event arrives (seen under a flood: the
                    # task never ended), where `asyncio.timeout` lets the cancellation through.
                    async with asyncio.timeout(timeout):
                        event = await anext(stream)
                except TimeoutError:
                    await self.resync()
                    continue
                except StopAsyncIteration:
                    return
                await self._handle(event)
        finally:
            await self._cancel_fetches()
            await stream.aclose()

    async def resync(self) -> bool:
        """Replace the store's content with one bulk `GET /conversations`; True on success."""
        try:
            summaries = await self.client.conversation_summaries(self.store.get)
        except PiecesError as exc:
            self._report(exc)
            self._needs_resync = True
            self._resync_failures += 1
            self._next_delay = self._retry_after(self._resync_failures)
            return False
        self.store.apply_summaries(summaries)
        self._needs_resync = False
        self._resync_failures = 0
        self._degraded_due = None
        self.loaded.set()
        return True

    # -- events -----------------------------------------------------------------------------------

    async def _handle(self, event: StreamEvent) -> None:
        if self._degraded_due is not None and self._now() >= self._degraded_due:
            await self._degraded_resync()
        if isinstance(event, StreamState):
            self.state = event
            if self._on_state is not None:
                self._on_state(event)
            # Connected: the server now queues every change for us, so load at once instead of
            # waiting for the first frame (at 10,000 conversations it takes ~0.4 s to arrive).
            self._loaded_on_connect = event.state == "live" and await self.resync()
        elif isinstance(event, Snapshot):
            await self._cancel_fetches()
            if self._loaded_on_connect:
                # Loaded since this connection went live: the frame only prunes what was deleted
                # in between, and names ids created in between (their events may predate us).
                self._loaded_on_connect = False
                unknown = self.store.apply_identifier_snapshot(event.ids)
                if len(unknown) > self._max_pending:
                    self._degrade(f"the first frame named {len(unknown)} unknown ids")
                else:
                    for conversation_id in unknown:
                        self._schedule_fetch(conversation_id)
            else:
                if self.loaded.is_set():
                    self.store.apply_identifier_snapshot(event.ids)
                await self.resync()
        elif isinstance(event, Changed):
            if self._degraded_due is None:  # else the pending reload covers it
                self._schedule_fetch(event.id)
        elif isinstance(event, Deleted):
            task = self._fetches.pop(event.id, None)
            self._dirty.discard(event.id)
            if task is not None:
                task.cancel()
            self.store.remove(event.id)
        elif isinstance(event, Overflow):
            self._degrade(f"the stream dropped events ({event.dropped} so far)")
        elif isinstance(event, Malformed):
            log.warning("identifier stream: %s", event.detail)
        if self._degrade_requested:
            await self._degraded_resync()

    def _schedule_fetch(self, conversation_id: str) -> None:
        if conversation_id in self._fetches:
            self._dirty.add(conversation_id)
            return
        if self._degrade_requested or len(self._fetches) >= self._max_pending:
            self._degrade(f"more than {self._max_pending} conversations to fetch")
            return
        self._fetches[conversation_id] = asyncio.create_task(self._fetch(conversation_id))

    def _degrade(self, reason: str) -> None:
        """Give up per-id fetches for one bulk reload (run by `_handle` when it is due)."""
        if not self._degrade_requested and self._degraded_due is None:
            log.warning("pieces sync: %s; reloading in bulk instead", reason)
        self._degrade_requested = True

    async def _degraded_resync(self) -> None:
        """Cancel the per-id fetches and reload in bulk now, or as soon as the spacing allows."""
        self._degrade_requested = False
        await self._cancel_fetches()
        now = self._now()
        if self._last_degraded_at is not None:
            since = now - self._last_degraded_at
            if since > 4 * self._degrade_spacing + self._max_retry_delay:
                self._degrade_spacing = 1.0  # the last flood is long over
            elif since < self._degrade_spacing:
                self._degraded_due = self._last_degraded_at + self._degrade_spacing
                # `run()` reloads after this long if no event comes first.
                self._needs_resync = True
                self._next_delay = self._degraded_due - now
                return
            else:
                self._degrade_spacing = min(self._max_retry_delay, self._degrade_spacing * 2)
        self._degraded_due = None
        self._last_degraded_at = now
        self.degraded_resyncs += 1
        if not await self.resync():
            self._degraded_due = now + self._next_delay

    async def _fetch(self, conversation_id: str) -> None:
        failures = 0
        try:
            while True:
                self._dirty.discard(conversation_id)
                try:
                    async with self._fetch_slots:
                        await self._pace()
                        started = self._now()
                        try:
                            conversation = await self.client.conversation(conversation_id)
                        except NotFound:
                            conversation = None
                except PiecesError as exc:
                    # A server error or a timeout leaves the stream up, so no Snapshot would ever
                    # correct this row: try again, with backoff, until it works (a lost
                    # connection drops the stream too, and its next Snapshot cancels this).
                    self._report(exc)
                    failures += 1
                    await asyncio.sleep(self._retry_after(failures))
                    continue
                failures = 0
                if conversation is None:
                    self.store.remove(conversation_id)
                else:
                    self.store.upsert(conversation)
                if conversation_id not in self._dirty:
                    return
                # Changed again meanwhile: fetch once more, but not more often than this.
                wait = started + self._refetch_interval - self._now()
                if wait > 0:
                    await asyncio.sleep(wait)
        finally:
            if self._fetches.get(conversation_id) is asyncio.current_task():
                del self._fetches[conversation_id]

    async def _pace(self) -> None:
        """Space fetch starts `1 / max_fetch_rate` apart."""
        now = self._now()
        start = max(now, self._next_fetch_at)
        self._next_fetch_at = start + self._fetch_spacing
        if start > now:
            await asyncio.sleep(start - now)

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _retry_after(self, failures: int) -> float:
        return min(self._max_retry_delay, self._retry_delay * 2.0 ** min(failures - 1, 30))

    async def _cancel_fetches(self) -> None:
        tasks = list(self._fetches.values())
        self._fetches.clear()
        self._dirty.clear()
        for task in tasks:
            task.cancel()
        # However each ends (cancelled, or failing as it was cancelled), it is awaited here.
        await asyncio.gather(*tasks, return_exceptions=True)

    def _report(self, error: PiecesError) -> None:
        log.info("pieces sync: %s", error)
        if self._on_error is not None:
            self._on_error(error)
