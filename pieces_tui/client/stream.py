"""The live conversation-identifier stream (`/conversations/stream/identifiers`), reconnecting.

`IdentifierStream` is an async iterator of events. It connects by itself, turns every frame into
`Snapshot` / `Changed` / `Deleted` events, reports its state with `StreamState` events, and after a
lost connection retries with exponential backoff and full jitter until `aclose()`:

    delay = random() * min(cap, base * 2 ** attempt)

`attempt` counts the attempts in a row that failed to open a connection; it is 0 again as soon as
one opens. The backoff's exponent counts failures since the last healthy connection (one that
stayed up `healthy_after` seconds), so a server that accepts and drops at once is not hammered.
Every attempt is announced by a `connecting` state carrying its `timeout` (the open timeout), so a
status line never says "next in 0.2 s" while the app is in fact waiting out a slow handshake.
Malformed frames are skipped and reported as `Malformed` events; they never end the stream.

Bounds, so a hostile or broken server cannot exhaust the app:

- A frame may be at most `max_frame_bytes` (8 MiB by default: the first frame of a Pieces OS with
  about 100,000 conversations; decoding one that big costs ~40 MB for a moment, in a thread).
  websockets refuses a bigger one from its header, before reading it, and closes the connection
  (1009); the stream reconnects with backoff and the consumer reloads.
- At most `max_queued_events` id events wait for the consumer. A `Changed(id)` already waiting is
  not queued twice (a flood of known ids costs one event per distinct id). Past the bound, the
  rest is dropped and one `Overflow` event takes its place: the consumer must reload in bulk. The
  reader waits while the queue is full, so the server is slowed by TCP rather than the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random as _random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Self, TypeAlias
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus, WebSocketException

__all__ = [
    "STREAM_PATH",
    "Changed",
    "Deleted",
    "IdentifierStream",
    "Malformed",
    "Overflow",
    "Snapshot",
    "StreamEvent",
    "StreamState",
    "frame_items",
    "stream_url",
]

log = logging.getLogger(__name__)

STREAM_PATH = "/conversations/stream/identifiers"

ConnectionState = Literal["connecting", "live", "reconnecting", "offline"]


@dataclass(frozen=True, slots=True)
class StreamState:
    """The connection's state changed.

    `connecting`: an attempt is under way now and gives up after `timeout` seconds (the open
    timeout) at most; `attempt` is its number since the last connection that opened (0: the
    stream's first attempt). `live`: connected (a `Snapshot` follows). `reconnecting`: the
    connection was lost or could not be opened; the next attempt (`attempt`, 1-based, counted
    since the last connection that opened) starts in `delay` seconds and may then take up to
    `timeout` more. `offline`: like `reconnecting`, but the last `offline_after` attempts in a row
    failed to open a connection (connections that opened and dropped do not count).
    `status`: the HTTP status of a refused handshake (401: Pieces OS is running but no one is
    signed in; the stream keeps retrying and goes live once someone signs in).
    """

    state: ConnectionState
    attempt: int = 0
    delay: float = 0.0
    error: str | None = None
    status: int | None = None
    timeout: float = 0.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """First frame of every connection: the ids of all current conversations. Ids a consumer
    knows that are missing here were deleted while it was not listening."""

    ids: list[str]


@dataclass(frozen=True, slots=True)
class Changed:
    """The conversation was created or changed: fetch it to see how."""

    id: str


@dataclass(frozen=True, slots=True)
class Deleted:
    id: str


@dataclass(frozen=True, slots=True)
class Malformed:
    """A frame that could not be understood was skipped."""

    detail: str


@dataclass(frozen=True, slots=True)
class Overflow:
    """Id events were dropped because the consumer fell `max_queued_events` behind (or one frame
    named more ids than that): reload in bulk. `dropped` counts them, over the stream's lifetime."""

    dropped: int


StreamEvent: TypeAlias = StreamState | Snapshot | Changed | Deleted | Malformed | Overflow

DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_QUEUED_EVENTS = 10_000


def stream_url(url: str) -> str:
    """The WebSocket URL of the identifier stream for a base URL (http[s]://host:port[/prefix]).
    A ws:// or wss:// URL is taken as the full stream URL."""
    parts = urlsplit(url)
    if parts.scheme in ("ws", "wss"):
        return url
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"not an http(s) or ws(s) URL: {url!r}")
    path = parts.path.rstrip("/") + STREAM_PATH
    return urlunsplit((scheme, parts.netloc, path, "", ""))


class IdentifierStream:
    """Async iterator of `StreamEvent`s from the identifier stream; reconnects until `aclose()`.

    The connection runs in a background task started by the first `__anext__`; events are queued,
    so cancelling a consumer's `await anext(stream)` (e.g. with `asyncio.wait_for`) is safe.
    """

    def __init__(
        self,
        url: str,
        *,
        base_delay: float = 0.25,
        max_delay: float = 10.0,
        healthy_after: float = 3.0,
        offline_after: int = 3,
        open_timeout: float = 5.0,
        keepalive: float = 5.0,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        max_queued_events: int = DEFAULT_MAX_QUEUED_EVENTS,
        random: Callable[[], float] = _random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_frame_bytes < 1 or max_queued_events < 1:
            raise ValueError("max_frame_bytes and max_queued_events must be positive")
        self.url = stream_url(url)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._healthy_after = healthy_after
        self._offline_after = offline_after
        self._open_timeout = open_timeout
        self._keepalive = keepalive
        self._max_frame_bytes = max_frame_bytes
        self._max_queued = max_queued_events
        self._random = random
        self._sleep = sleep
        self._clock = clock
        # Control events (states, snapshots, ...) always get in; id events count against the bound.
        self._queue: deque[StreamEvent | None] = deque()
        self._queued_ids = 0
        self._queued_changed: set[str] = set()
        self._served = 0
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.malformed_frames = 0
        """Frames skipped because they could not be understood, over the stream's lifetime."""
        self.dropped_events = 0
        """Id events dropped past `max_queued_events` (each drop also queues an `Overflow`)."""
        self.coalesced_events = 0
        """`Changed` events not queued because the same id was already waiting."""

    def __aiter__(self) -> Self:
        return self

    def start(self) -> None:
        """Start connecting now, not at the first `__anext__` (a caller with other requests to
        send puts the handshake on the wire first)."""
        if self._task is None and not self._closed:
            self._task = asyncio.create_task(self._run(), name="pieces-identifier-stream")

    async def __anext__(self) -> StreamEvent:
        if self._closed and not self._queue:
            raise StopAsyncIteration
        self.start()
        while not self._queue:
            self._readable.clear()
            await self._readable.wait()
        self._served += 1
        if self._served % 256 == 0:
            # A full queue is served without suspending: let the rest of the app (keys) run.
            await asyncio.sleep(0)
            while not self._queue:
                self._readable.clear()
                await self._readable.wait()
        event = self._queue.popleft()
        if isinstance(event, Changed | Deleted):
            self._queued_ids -= 1
            if self._queued_ids < self._max_queued:
                self._writable.set()
            if isinstance(event, Changed):
                self._queued_changed.discard(event.id)
        if event is None:
            self._closed = True
            raise StopAsyncIteration
        return event

    async def aclose(self) -> None:
        """Stop the stream; iteration ends after the events already queued."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._put(None)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number `attempt` (1-based)."""
        ceiling = min(self._max_delay, self._base_delay * 2.0 ** min(attempt - 1, 30))
        return float(self._random() * ceiling)

    # -- the queue --------------------------------------------------------------------------------

    def _put(self, event: StreamEvent | None) -> None:
        self._queue.append(event)
        self._readable.set()

    def _emit(self, event: StreamEvent) -> None:
        """Queue a control event (never dropped: there are few of them)."""
        self._put(event)

    def _emit_id(self, event: Changed | Deleted) -> None:
        """Queue an id event: coalesced with a waiting `Changed`, dropped past the bound."""
        if isinstance(event, Changed) and event.id in self._queued_changed:
            self.coalesced_events += 1
            return
        if self._queued_ids >= self._max_queued:
            self.dropped_events += 1
            # One marker per run of drops, behind them: the reload it asks for covers them all.
            if not (self._queue and isinstance(self._queue[-1], Overflow)):
                self._put(Overflow(self.dropped_events))
            else:
                self._queue[-1] = Overflow(self.dropped_events)
            return
        if isinstance(event, Changed):
            self._queued_changed.add(event.id)
        else:
            self._queued_changed.discard(event.id)
        self._queued_ids += 1
        if self._queued_ids >= self._max_queued:
            self._writable.clear()
        self._put(event)

    # -- the connection loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0  # since the last healthy connection: the backoff's exponent
        failed_opens = 0  # attempts in a row that did not open: what `offline` means
        attempt = 0  # attempts since the last connection that opened
        while True:
            connected_at: float | None = None
            error: str | None = None
            status: int | None = None
            self._emit(StreamState("connecting", attempt=attempt, timeout=self._open_timeout))
            try:
                async with connect(
                    self.url,
                    open_timeout=self._open_timeout,
                    # A connection that goes silent (a stalled proxy, a suspended server) is
                    # given up within three keepalives (ping, its answer, the close handshake),
                    # not the library's 50 s.
                    ping_interval=self._keepalive,
                    ping_timeout=self._keepalive,
                    close_timeout=self._keepalive,
                    # Refused from the frame header, before its payload is read.
                    max_size=self._max_frame_bytes,
                    proxy=None,
                ) as websocket:
                    connected_at = self._clock()
                    failed_opens = 0
                    attempt = 0
                    self._emit(StreamState("live"))
                    first = True
                    async for frame in websocket:
                        if len(frame) > _DECODE_IN_THREAD:
                            # Decoding 8 MiB takes about a second: in a thread, the app's loop
                            # keeps answering keys meanwhile (the thread gives the GIL back).
                            decoded = await asyncio.to_thread(_decode, frame)
                        else:
                            decoded = _decode(frame)
                        if self._consume(decoded, first=first):
                            first = False
                        # Backpressure: stop reading while the consumer is a full queue behind;
                        # and let the app run between frames that were already buffered.
                        await self._writable.wait()
                        await asyncio.sleep(0)
                    error = "connection closed by Pieces OS"
            except asyncio.CancelledError:
                raise
            except (OSError, TimeoutError, WebSocketException) as exc:
                error = f"{type(exc).__name__}: {exc}".rstrip(": ")
                if isinstance(exc, InvalidStatus):
                    status = exc.response.status_code
            except Exception as exc:  # never let the stream die on something unexpected
                log.exception("identifier stream failed")
                error = f"{type(exc).__name__}: {exc}"
            if connected_at is None:
                failed_opens += 1
            elif self._clock() - connected_at >= self._healthy_after:
                failures = 0
            failures += 1
            attempt += 1
            delay = self.backoff(failures)
            state: ConnectionState = (
                "offline" if failed_opens >= self._offline_after else "reconnecting"
            )
            self._emit(
                StreamState(
                    state,
                    attempt=attempt,
                    delay=delay,
                    error=error,
                    timeout=self._open_timeout,
                    status=status,
                )
            )
            await self._sleep(delay)

    def _consume(self, decoded: list[tuple[str, bool]] | str, *, first: bool) -> bool:
        """Turn one decoded frame (or why it could not be) into events; True when understood."""
        if isinstance(decoded, str):
            self.malformed_frames += 1
            log.warning(
                "skipping malformed identifier frame (%d so far): %s",
                self.malformed_frames,
                decoded,
            )
            self._emit(Malformed(decoded))
            return False
        items = decoded
        if first:
            ids = [conversation_id for conversation_id, deleted in items if not deleted]
            self._emit(Snapshot(list(dict.fromkeys(ids))))
            return True
        for conversation_id, deleted in items:
            self._emit_id(Deleted(conversation_id) if deleted else Changed(conversation_id))
        return True


_DECODE_IN_THREAD = 512 * 1024


def _decode(frame: str | bytes) -> list[tuple[str, bool]] | str:
    """A frame's `(id, deleted)` pairs, or why it is malformed."""
    try:
        return frame_items(json.loads(frame))
    except (UnicodeDecodeError, json.JSONDecodeError, FrameError) as exc:
        return f"{type(exc).__name__}: {str(exc)[:300]}"


class FrameError(ValueError):
    """A frame that is JSON but not a `StreamedIdentifiers` object."""


def frame_items(payload: object) -> list[tuple[str, bool]]:
    """The `(conversation id, deleted)` pairs of a decoded `StreamedIdentifiers` frame.

    It reads the same frames as `models.StreamedIdentifiers` (items about assets, annotations or
    messages are skipped, unknown fields ignored) without building a model per item: a Pieces OS
    with 50,000 conversations sends all their ids in the first frame, which pydantic takes about
    a second to validate on a small machine and this loop a tenth of that.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("iterable"), list):
        raise FrameError("expected an object with an 'iterable' list")
    items: list[tuple[str, bool]] = []
    for position, item in enumerate(payload["iterable"]):
        if not isinstance(item, dict):
            raise FrameError(f"item {position} is not an object")
        conversation = item.get("conversation")
        if conversation is None:
            continue
        deleted = item.get("deleted")
        if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
            raise FrameError(f"item {position}: 'conversation' has no string 'id'")
        if deleted is not None and not isinstance(deleted, bool):
            raise FrameError(f"item {position}: 'deleted' is not a boolean")
        items.append((conversation["id"], bool(deleted)))
    return items
