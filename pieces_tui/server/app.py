"""The Starlette application factory, with an optional one-line-per-request log."""

from __future__ import annotations

import logging
import time

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pieces_tui.server.errors import (
    ApiError,
    api_error_response,
    http_error_response,
    storage_error_response,
)
from pieces_tui.server.guard import LOOPBACK_NAMES, MAX_BODY_BYTES, Guard
from pieces_tui.server.limits import BodyBudget
from pieces_tui.server.routes import Api
from pieces_tui.server.routes_os import OsApi
from pieces_tui.server.session import SignedOutGate, websocket_not_found
from pieces_tui.server.storage_errors import StorageError

log = logging.getLogger("pieces_tui.server")


class RequestLog:
    """Pure-ASGI middleware: `GET /conversations 200 3.1ms`, one line per request; a WebSocket
    gets one line too, once its handshake is answered: `WS /path 101 0.4ms` (accepted), `WS
    /path 403 0.2ms` (refused). uvicorn's own lines for the same handshake are dropped
    (`QuietHandshakes`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            query = f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
            elapsed = (time.perf_counter() - start) * 1000
            log.info("%s %s%s %d %.1fms", scope["method"], scope["path"], query, status, elapsed)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        logged = False

        def note(status: int) -> None:
            nonlocal logged
            if not logged:
                logged = True
                elapsed = (time.perf_counter() - start) * 1000
                log.info("WS %s %d %.1fms", scope["path"], status, elapsed)

        async def capture(message: Message) -> None:
            if message["type"] == "websocket.accept":
                note(101)
            elif message["type"] == "websocket.close":
                note(403)  # closed before the handshake: uvicorn answers 403
            elif message["type"] == "websocket.http.response.start":
                note(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            note(500)  # the app ended without answering the handshake (uvicorn sends 500)


class QuietHandshakes(logging.Filter):
    """Drops the lines uvicorn and websockets log about each WebSocket handshake and close
    (`"WebSocket /path" [accepted]`, `connection open`, `connection closed`, ...): `RequestLog`
    has said it once already. Install it on the `uvicorn.error` logger (both log there) where
    requests are logged (`pieces-tui serve`)."""

    _DROPPED = (
        '%s - "WebSocket %s"',
        "connection open",
        "connection closed",
        "connection rejected (",
        "HTTP response sent (",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        return not message.startswith(self._DROPPED)


def create_app(
    api: Api,
    *,
    log_requests: bool = False,
    allowed_hosts: frozenset[str] = LOOPBACK_NAMES,
    max_body: int = MAX_BODY_BYTES,
    allowed_origins: frozenset[str] = frozenset(),
    body_budget: BodyBudget | None = None,
    os_api: OsApi | None = None,
) -> Starlette:
    routes = [*api.routes(), *(os_api.routes() if os_api is not None else [])]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: api_error_response,
            HTTPException: http_error_response,
            StorageError: storage_error_response,
        },
    )
    if os_api is not None:
        app.router.default = _not_found  # WebSocket too: 404, not the 403 of a closed handshake
        app.add_middleware(SignedOutGate, session=os_api.session)
    app.add_middleware(
        Guard,
        allowed_hosts=allowed_hosts,
        max_body=max_body,
        allowed_origins=allowed_origins,
        budget=body_budget,
    )
    if log_requests:  # outermost, so refused requests are logged too
        app.add_middleware(RequestLog)
    return app


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await websocket_not_found(scope, receive, send)
    else:
        raise HTTPException(status_code=404)
