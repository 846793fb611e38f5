"""uvicorn's WebSocket protocol with a bound on how long a send may wait for a slow reader.

uvicorn pauses a WebSocket send while the connection's write buffer is above its high-water mark
and waits, without limit, for the peer to read. A client that completes the handshake and then
never reads would so park its endpoint forever, and closing the transport would not help either:
asyncio flushes the buffer before it closes, which never happens. Here a send that cannot start
within `send_timeout` seconds aborts the connection (the socket is reset at once) and raises the
"client disconnected" error the ASGI app already handles. Only that client is affected: the
stream hub never waits on a client (see stream.py).

The keepalive ping timeout (the peer stopped answering pings) likewise aborts instead of closing.

The protocol is also the stream hub's `FrameSink` (stream.py): it offers itself to the endpoint in
the scope's extensions (`FANOUT`), and the hub then writes each frame, encoded once for all
clients, straight to its transport.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

DEFAULT_SEND_TIMEOUT = 5.0
FANOUT = "pieces_tui.fanout"  # scope["extensions"][FANOUT]["sink"]: this protocol


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    send_timeout = DEFAULT_SEND_TIMEOUT

    _stalled: asyncio.TimerHandle | None = None

    # Flow control, stated here because early releases of the base class left it out. Frames the
    # hub writes directly (stream.py) do not wait on `writable`: a client whose buffer stays
    # above the high-water mark for `send_timeout` seconds is reset instead.
    def pause_writing(self) -> None:
        self.writable.clear()
        if self._stalled is None:
            self._stalled = self.loop.call_later(self.send_timeout, self._stalled_too_long)

    def resume_writing(self) -> None:
        self.writable.set()
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None

    def _stalled_too_long(self) -> None:
        self._stalled = None
        if not self.writable.is_set():
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None
        super().connection_lost(exc)

    async def send(self, message: ASGISendEvent) -> None:
        if not self.writable.is_set():
            try:
                await asyncio.wait_for(self.writable.wait(), self.send_timeout)
            except TimeoutError:
                self.transport.abort()
                raise ClientDisconnected from None
        await super().send(message)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # the app task is created but has not run yet
            scope["extensions"][FANOUT] = {"sink": self}

    # -- FrameSink (stream.py) --------------------------------------------------------------------

    def buffered(self) -> int | None:
        if self.close_sent or self.transport.is_closing() or not self.handshake_complete:
            return None
        return int(self.transport.get_write_buffer_size())

    def write_frame(self, frame: bytes) -> None:
        self.transport.write(frame)

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self.transport.abort()


def bounded_protocol(send_timeout: float) -> type[BoundedWebSocketProtocol]:
    """The protocol class to give uvicorn (`Config(ws=...)`) for a given send timeout."""
    return type(
        "BoundedWebSocketProtocol", (BoundedWebSocketProtocol,), {"send_timeout": send_timeout}
    )
