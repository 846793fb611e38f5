"""uvicorn's WebSocket protocol with a bound on how long a send may wait for a slow reader.

uvicorn pauses a WebSocket send while the connection's write buffer is above its high-water mark
and waits, without limit, for the peer to read. A client that completes the handshake and then
never reads would so park its endpoint forever, and closing the transport would not help either:
asyncio flushes the buffer before it closes, which never happens. Here a send that cannot start
within `send_timeout` seconds aborts the connection (the socket is reset at once) and raises the
"client disconnected" error the ASGI app already handles. Only that client is affected: the
stream hub never waits on a client (see stream.py).

The keepalive ping timeout (the peer stopped answering pings) likewise aborts instead of closing.
"""

from __future__ import annotations

import asyncio

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

DEFAULT_SEND_TIMEOUT = 5.0


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    send_timeout = DEFAULT_SEND_TIMEOUT

    # Flow control, stated here because early releases of the base class left it out.
    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    async def send(self, message: ASGISendEvent) -> None:
        if not self.writable.is_set():
            try:
                await asyncio.wait_for(self.writable.wait(), self.send_timeout)
            except TimeoutError:
                self.transport.abort()
                raise ClientDisconnected from None
        await super().send(message)

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self.transport.abort()


def bounded_protocol(send_timeout: float) -> type[BoundedWebSocketProtocol]:
    """The protocol class to give uvicorn (`Config(ws=...)`) for a given send timeout."""
    return type(
        "BoundedWebSocketProtocol", (BoundedWebSocketProtocol,), {"send_timeout": send_timeout}
    )
