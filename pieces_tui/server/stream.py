"""The broadcast hub behind `/conversations/stream/identifiers`.

Every WebSocket client holds a `Subscription`: a bounded asyncio.Queue of ready-made text frames.
`Hub.publish` never waits: when a client's queue is full (a slow or stuck reader), that client is
dropped. Its queue is emptied and it receives `None`, on which the endpoint closes the socket with
code 1013 ("try again later"). Dropping is safe because the protocol has no replay: the client
reconnects and resynchronises from the first frame, which lists every current conversation.

A client whose socket stops draining is bounded twice: its queue (above), and the WebSocket
protocol's send timeout (wsprotocol.py), which resets the connection when a frame cannot be
written for `send_timeout` seconds. Neither makes the hub or other clients wait.

Fan-out cost: a frame is encoded once per publish, not once per client. A subscription whose
endpoint has `attach`ed a `FrameSink` (the WebSocket protocol itself, see wsprotocol.py) gets the
encoded bytes written straight to its transport: no task wakes up, nothing is re-encoded, so a
publish costs one `transport.write` per client. Such a client is bounded by its write buffer
instead of the queue: past `queue_size` frames' worth of unsent bytes it is dropped, the same way.
Until it is attached (while the endpoint sends the first frame) frames queue, so order is kept.

All methods run on the server's event loop thread.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from websockets.frames import Frame, Opcode

DEFAULT_QUEUE_SIZE = 256
MAX_BUFFERED = 32 * 1024 * 1024  # unsent bytes per attached client, whatever the frame size


class FrameSink(Protocol):
    def buffered(self) -> int | None:
        """Bytes not yet sent to the client, or None if it can take no more frames (closing)."""

    def write_frame(self, frame: bytes) -> None:
        """Write one encoded WebSocket frame."""


def encode_text(frame: str) -> bytes:
    """An unmasked, uncompressed WebSocket text frame (server to client)."""
    return Frame(Opcode.TEXT, frame.encode()).serialize(mask=False)


class Subscription:
    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=maxsize)
        self.dropped = False
        self.sink: FrameSink | None = None

    def attach(self, sink: FrameSink) -> None:
        """From now on frames go straight to `sink` (the queued ones first, in order)."""
        while not self.dropped and not self.queue.empty():
            frame = self.queue.get_nowait()
            if frame is None:  # dropped meanwhile: leave the None for the endpoint
                self.queue.put_nowait(None)
                return
            self._write(sink, encode_text(frame))
        if not self.dropped:
            self.sink = sink

    def _write(self, sink: FrameSink, encoded: bytes) -> None:
        buffered = sink.buffered()
        limit = min(self.queue.maxsize * len(encoded), MAX_BUFFERED)
        if buffered is None or buffered > limit:
            self.drop()
            return
        sink.write_frame(encoded)

    def offer(self, frame: str, encoded: bytes | None = None) -> None:
        if self.dropped:
            return
        if self.sink is not None:
            self._write(self.sink, encoded if encoded is not None else encode_text(frame))
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop()

    def drop(self) -> None:
        """Discard what is queued and tell the reader to close."""
        self.dropped = True
        self.sink = None
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Hub:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subscriptions: set[Subscription] = set()

    def subscribe(self) -> Subscription:
        subscription = Subscription(self.queue_size)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def publish(self, frame: str) -> None:
        encoded = encode_text(frame) if self._subscriptions else None
        dropped = []
        for subscription in self._subscriptions:
            subscription.offer(frame, encoded)
            if subscription.dropped:
                dropped.append(subscription)
        for subscription in dropped:
            self._subscriptions.discard(subscription)

    def close_all(self) -> None:
        """Ask every connected client's endpoint to close (server shutdown)."""
        for subscription in list(self._subscriptions):
            subscription.drop()
        self._subscriptions.clear()

    def __len__(self) -> int:
        return len(self._subscriptions)
