"""Bounds on what clients can hold: slow requests, connections, buffered bodies, and the log.

- A request must arrive whole (head and body) within `request_timeout` seconds of the
  connection opening, or of the first byte after the previous response. A connection that sends
  nothing, trickles its head a byte a second or sends less body than its Content-Length gets a
  408 and is closed. Between requests, uvicorn's own `timeout_keep_alive` closes idle
  connections. The time an endpoint takes to answer is not bounded here (that is the server's
  own work, not the client's).
- At most `max_connections` connections (HTTP and WebSocket) are open at once; one more is closed
  as soon as it is accepted, so its descriptor is freed at once. The cap is also kept below the
  process's descriptor limit (`effective_cap`), so a flood cannot starve the database and the
  listening socket of descriptors.
- `BodyBudget`: the bytes of request bodies buffered at once, across all requests, are bounded;
  past the bound a request is answered 503 (with Retry-After) instead of being read.
- `EpisodeLog`: the event loop's error handler. The same error (an accept() failing with EMFILE,
  say) is logged once, with its traceback, when an episode starts; the repeats are counted and
  summed up in one line when it ends, instead of one traceback each.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("pieces_tui.server")

DEFAULT_REQUEST_TIMEOUT = 10.0
DEFAULT_KEEP_ALIVE = 5.0
DEFAULT_MAX_CONNECTIONS = 4096
FD_RESERVE = 64  # descriptors kept for the database, the listener, logs and the app itself
DEFAULT_BODY_BUDGET = 32 * 1024 * 1024

_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)
_FULL = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"retry-after: 1\r\n"
    b"content-length: %d\r\n\r\n%s"
)


def effective_cap(wanted: int) -> int:
    """`wanted`, lowered to keep `FD_RESERVE` descriptors free under the soft RLIMIT_NOFILE."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft - FD_RESERVE))


def raise_fd_limit(target: int = 65536) -> int:
    """Raise the soft descriptor limit towards the hard one (for `pieces-tui serve`); the result."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    goal = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < goal:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (goal, hard))
        except (ValueError, OSError):
            return soft
        return goal
    return soft


def _reply(template: bytes, text: str) -> bytes:
    body = text.encode()
    return template % (len(body), body)


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline per request and a cap on open connections."""

    request_timeout = DEFAULT_REQUEST_TIMEOUT
    max_connections = DEFAULT_MAX_CONNECTIONS
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.write(_reply(_FULL, "too many connections: try again shortly"))
            transport.abort()  # frees the descriptor now
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state in {h11.IDLE, h11.SEND_BODY}:
            self._arm()  # the first byte of a request after a keep-alive pause
        super().data_received(data)
        if self.transport.get_protocol() is not self or self.conn.their_state not in {
            h11.IDLE,
            h11.SEND_BODY,
        }:
            self._disarm()  # the request is in (or the connection became a WebSocket)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return
        if self.conn.their_state not in {h11.IDLE, h11.SEND_BODY}:
            return
        cycle = self.cycle
        answered = cycle is not None and cycle.response_started and not cycle.response_complete
        if not answered:
            self.transport.write(
                _reply(
                    _TIMED_OUT,
                    f"request timeout: the request did not arrive in full within"
                    f" {self.request_timeout:g} s",
                )
            )
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the endpoint's receive() answers http.disconnect
            cycle.message_event.set()
        self.transport.close()


def limited_protocol(request_timeout: float, max_connections: int) -> type[LimitedH11Protocol]:
    """The protocol class to give uvicorn (`Config(http=...)`)."""
    return type(
        "LimitedH11Protocol",
        (LimitedH11Protocol,),
        {"request_timeout": request_timeout, "max_connections": max_connections},
    )


class BodyBudget:
    """Bytes of request bodies held at once, across requests (all on the event loop thread)."""

    def __init__(self, limit: int = DEFAULT_BODY_BUDGET) -> None:
        self.limit = limit
        self.held = 0

    def take(self, size: int) -> bool:
        """Reserve `size` bytes; False (nothing reserved) if that would pass the bound. A request
        alone may always take up to the whole bound."""
        if self.held and self.held + size > self.limit:
            return False
        self.held += size
        return True

    def give(self, size: int) -> None:
        self.held = max(0, self.held - size)


class EpisodeLog:
    """An event loop exception handler that logs the first of a run of equal errors, counts the
    rest and reports their number when the run has been quiet for `quiet` seconds."""

    def __init__(self, quiet: float = 5.0, clock: Any = time.monotonic) -> None:
        self.quiet = quiet
        self.clock = clock
        self._key: tuple[str, str] | None = None
        self._last = 0.0
        self._repeats = 0
        self._started = 0.0

    def _summary(self) -> None:
        if self._key is not None and self._repeats:
            log.error(
                "%s: repeated %d more times over %.1f s",
                self._key[0],
                self._repeats,
                self._last - self._started,
            )
        self._repeats = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        now = self.clock()
        exc = context.get("exception")
        key = (str(context.get("message", "")), type(exc).__name__ if exc else "")
        if key == self._key and now - self._last < self.quiet:
            self._repeats += 1
            self._last = now
            if self._repeats == 1:
                loop.call_later(self.quiet, self._maybe_end)
            return
        self._summary()
        self._key, self._last, self._started = key, now, now
        loop.default_exception_handler(context)

    def _maybe_end(self) -> None:
        if self.clock() - self._last >= self.quiet:
            self._summary()
            self._key = None
        elif self._repeats:
            asyncio.get_running_loop().call_later(self.quiet, self._maybe_end)
