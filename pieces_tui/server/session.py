"""Who is signed in, and the gate that answers 401 while nobody is (Pieces OS's behaviour).

`Session.signed_out` may be flipped while the server runs (`EmbeddedServer.signed_out`);
`/user/stream` announces it. `SignedOutGate` is the ASGI middleware that refuses everything but
the open paths meanwhile; `plain_reply` is its text/plain answer (also the router's 404 for a
WebSocket to an unknown path).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from pieces_tui.server import wire
from pieces_tui.server.stream import Hub

SIGNED_OUT = (
    "signed out: Pieces OS is running but no one is signed in; sign in from the Pieces desktop app"
)
CREATED = "2026-01-01T00:00:00.000000Z"

LOCAL_USER: wire.JSON = {
    "id": "pieces-tui-local-user",
    "name": "Local User",
    "username": "local",
    "email": "local@pieces-tui.invalid",
    "aesthetics": {"font": {"size": 14}, "theme": {"dark": True}},
    "created": wire.timestamp(CREATED),
    "updated": wire.timestamp(CREATED),
}


class Session:
    """Whether a user is signed in; shared by the gate, `/user` and `/user/stream`."""

    def __init__(self, signed_out: bool = False) -> None:
        self.signed_out = signed_out
        self.hub = Hub(queue_size=4)

    def set_signed_out(self, value: bool) -> None:
        """Runs on the server's loop: announces the change on `/user/stream`."""
        if value != self.signed_out:
            self.signed_out = value
            self.hub.publish(json.dumps(self.returned_user()))

    def returned_user(self) -> wire.JSON:
        return {"user": None if self.signed_out else LOCAL_USER}


# Paths answered with nobody signed in (everything else is 401).
OPEN_PATHS = frozenset({"/user", "/user/stream", "/connect", "/applications"})


class SignedOutGate:
    """Pure-ASGI middleware: while signed out, 401 for every path but the open ones."""

    def __init__(self, app: ASGIApp, *, session: Session) -> None:
        self.app = app
        self.session = session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] not in {"http", "websocket"}
            or not self.session.signed_out
            or path.startswith("/.well-known/")
            or path in OPEN_PATHS
        ):
            await self.app(scope, receive, send)
            return
        await plain_reply(scope, send, 401, SIGNED_OUT)


async def plain_reply(scope: Scope, send: Send, status: int, text: str) -> None:
    """A text/plain answer to an HTTP request or a WebSocket handshake (a bare close when the
    server cannot answer a handshake with a body)."""
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    elif "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})


async def websocket_not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The router's default for a WebSocket to an unknown path: 404, as for HTTP (Starlette
    would close the handshake, which uvicorn turns into a 403)."""
    await plain_reply(scope, send, 404, f"not found: {scope.get('path', '')}")
