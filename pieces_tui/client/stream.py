"""The live conversation-identifier stream (`/conversations/stream/identifiers`), reconnecting.

`IdentifierStream` is an async iterator of events. It connects by itself, turns every frame into
`Snapshot` / `Changed` / `Deleted` events, reports its state with `StreamState` events, and after a
lost connection retries with exponential backoff and full jitter until `aclose()`:

    delay = random() * min(cap, base * 2 ** attempt)

`attempt` counts failures since the last healthy connection (one that stayed up `healthy_after`
seconds). Malformed frames are skipped and reported as `Malformed` events; they never end the
stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random as _random
import time
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

    `connecting`: first attempt. `live`: connected (a `Snapshot` follows). `reconnecting`: the
    connection was lost or refused; the next attempt (`attempt`, 1-based) starts in `delay` seconds.
    `offline`: like `reconnecting`, but `offline_after` attempts in a row have failed.
    `status`: the HTTP status of a refused handshake (401: Pieces OS is running but no one is
    signed in; the stream keeps retrying and goes live once someone signs in).
    """

    state: ConnectionState
    attempt: int = 0
    delay: float = 0.0
    error: str | None = None
    status: int | None = None


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


StreamEvent: TypeAlias = StreamState | Snapshot | Changed | Deleted | Malformed


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
        random: Callable[[], float] = _random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = stream_url(url)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._healthy_after = healthy_after
        self._offline_after = offline_after
        self._open_timeout = open_timeout
        self._keepalive = keepalive
        self._random = random
        self._sleep = sleep
        self._clock = clock
        self._queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.malformed_frames = 0
        """Frames skipped because they could not be understood, over the stream's lifetime."""

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> StreamEvent:
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="pieces-identifier-stream")
        event = await self._queue.get()
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
        self._queue.put_nowait(None)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number `attempt` (1-based)."""
        ceiling = min(self._max_delay, self._base_delay * 2.0 ** min(attempt - 1, 30))
        return float(self._random() * ceiling)

    # -- the connection loop ----------------------------------------------------------------------

    def _emit(self, event: StreamEvent) -> None:
        self._queue.put_nowait(event)

    async def _run(self) -> None:
        failures = 0
        self._emit(StreamState("connecting"))
        while True:
            connected_at: float | None = None
            error: str | None = None
            status: int | None = None
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
                    max_size=None,  # the first frame lists every conversation id
                    proxy=None,
                ) as websocket:
                    connected_at = self._clock()
                    self._emit(StreamState("live"))
                    first = True
                    async for frame in websocket:
                        if self._consume(frame, first=first):
                            first = False
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
            if connected_at is not None and self._clock() - connected_at >= self._healthy_after:
                failures = 0
            failures += 1
            delay = self.backoff(failures)
            state: ConnectionState = (
                "offline" if failures >= self._offline_after else "reconnecting"
            )
            self._emit(
                StreamState(state, attempt=failures, delay=delay, error=error, status=status)
            )
            await self._sleep(delay)

    def _consume(self, frame: str | bytes, *, first: bool) -> bool:
        """Turn one frame into events; return True when it was understood."""
        try:
            items = frame_items(json.loads(frame))
        except (UnicodeDecodeError, json.JSONDecodeError, FrameError) as exc:
            detail = f"{type(exc).__name__}: {str(exc)[:300]}"
            self.malformed_frames += 1
            log.warning(
                "skipping malformed identifier frame (%d so far): %s", self.malformed_frames, detail
            )
            self._emit(Malformed(detail))
            return False
        if first:
            ids = [conversation_id for conversation_id, deleted in items if not deleted]
            self._emit(Snapshot(list(dict.fromkeys(ids))))
            return True
        for conversation_id, deleted in items:
            self._emit(Deleted(conversation_id) if deleted else Changed(conversation_id))
        return True


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
