"""The broadcast hub behind `/conversations/stream/identifiers`.

Every WebSocket client holds a `Subscription`: a bounded asyncio.Queue of ready-made text frames.
`Hub.publish` never waits: when a client's queue is full (a slow or stuck reader), that client is
dropped. Its queue is emptied and it receives `None`, on which the endpoint closes the socket with
code 1013 ("try again later"). Dropping is safe because the protocol has no replay: the client
reconnects and resynchronises from the first frame, which lists every current conversation.

A client whose socket stops draining is bounded twice: its queue (above), and the WebSocket
protocol's send timeout (wsprotocol.py), which resets the connection when a frame cannot be
written for `send_timeout` seconds. Neither makes the hub or other clients wait.

All methods run on the server's event loop thread.
"""

from __future__ import annotations

import asyncio

DEFAULT_QUEUE_SIZE = 256


class Subscription:
    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=maxsize)
        self.dropped = False

    def offer(self, frame: str) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop()

    def drop(self) -> None:
        """Discard what is queued and tell the reader to close."""
        self.dropped = True
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
        for subscription in list(self._subscriptions):
            subscription.offer(frame)
            if subscription.dropped:
                self._subscriptions.discard(subscription)

    def close_all(self) -> None:
        """Ask every connected client's endpoint to close (server shutdown)."""
        for subscription in list(self._subscriptions):
            subscription.drop()
        self._subscriptions.clear()

    def __len__(self) -> int:
        return len(self._subscriptions)
