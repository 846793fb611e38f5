"""The request guard: keeps hostile web pages and oversized requests away from the API.

The server listens on loopback, but a web page in the user's browser can still reach it:

- DNS rebinding: a page on `evil.example` re-points that name at 127.0.0.1 and then talks to us
  as "same origin". Such requests carry `Host: evil.example`, so every request (HTTP or
  WebSocket) must name an allowed host: 127.0.0.1, localhost or [::1] (any port), the address the
  server is bound to, and the names given with `pieces-tui serve --allow-host`.
- Cross-site requests: a page can POST to http://127.0.0.1 (its Host passes) and open WebSockets
  to it (CORS does not cover WebSockets). Browsers always name the page in an `Origin` header, so
  a request that carries one must come from http(s)://NAME:PORT with NAME an allowed host and
  PORT this server's own port (a page served by this server), or be one of the origins given
  with `pieces-tui serve --allow-origin`. Any other local web page (another port) is refused.
  Requests without `Origin` (the CLI, the SDK, our client) pass. No CORS header is ever sent, so
  preflights fail in the browser.
- Media type: a POST with a body must say `Content-Type: application/json`. A page may send
  `text/plain` cross-site without a preflight; that is refused (415), never parsed as JSON.
- Size: a request body may hold at most `MAX_BODY_BYTES`. A larger Content-Length is refused
  before any of the body is read; a body without one (chunked) is counted as it streams in and
  refused as soon as it passes the bound, so it is never held in memory.
- Bodies at once: all requests together may hold at most `BodyBudget.limit` bytes of body (see
  limits.py); past it a request is answered 503 with Retry-After before its body is read.

Refusals are text/plain: 403 for Host and Origin, 415 for the media type, 413 for size, 503 for
the budget (these last two also close the connection).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pieces_tui.server.limits import BodyBudget

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_BODY_BYTES = 8 * 1024 * 1024
_SHOWN = 80  # characters of a refused header value echoed back


def host_name(value: str) -> str | None:
    """The host of a `Host` header value (`name`, `name:port`, `[v6]`, `[v6]:port`), lowercased,
    without a trailing dot; None if it is malformed."""
    if value.startswith("["):
        name, bracket, port = value[1:].partition("]")
        if not bracket or not _is_ipv6(name) or (port and not port.startswith(":")):
            return None
        port = port[1:]
        if not port and value.endswith(":"):
            return None
    else:
        name, colon, port = value.partition(":")
        if colon and (not port or ":" in port):
            return None
    if port and not (port.isascii() and port.isdigit() and len(port) <= 5):
        return None
    name = name.lower().removesuffix(".")
    if not name or not name.isascii() or any(c in name for c in "@/\\ \t%"):
        return None
    return name


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def origin_name(value: str) -> str | None:
    """The host of an `Origin` header value (`http(s)://host[:port]`), or None."""
    parsed = parse_origin(value)
    return parsed[1] if parsed else None


def parse_origin(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an `Origin` value, the port defaulted from the scheme; or None."""
    scheme, sep, rest = value.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in {"http", "https"}:
        return None
    name = host_name(rest)
    if name is None:
        return None
    port_text = rest.rpartition("]")[2] if rest.startswith("[") else rest
    _, colon, port = port_text.partition(":")
    number = int(port) if colon else (443 if scheme == "https" else 80)
    return scheme, name, number


def normalise_origin(value: str) -> str:
    """`scheme://host:port` for an `--allow-origin` value; ValueError if it is not an origin."""
    parsed = parse_origin(value.rstrip("/"))
    if parsed is None:
        raise ValueError(f"not an origin (http(s)://host[:port]): {value!r}")
    scheme, name, port = parsed
    shown = f"[{name}]" if ":" in name else name
    return f"{scheme}://{shown}:{port}"


def allowed_names(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Loopback names, the bind address and the extra names, each normalised like a Host."""
    names = set(LOOPBACK_NAMES)
    for name in (bind, *extra):
        normal = normalise_name(name)
        if normal is None:
            raise ValueError(f"not a host name: {name!r}")
        names.add(normal)
    return frozenset(names)


def normalise_name(name: str) -> str | None:
    """A bare host name or address as `host_name` would see it in a Host header."""
    if ":" in name and not name.startswith("["):  # a bare IPv6 address such as ::1
        name = f"[{name}]"
    return host_name(name)


def _shown(value: str) -> str:
    clipped = value if len(value) <= _SHOWN else value[:_SHOWN] + "..."
    return repr(clipped)


class Guard:
    """Pure-ASGI middleware applying the Host, Origin and body size rules."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: frozenset[str],
        max_body: int = MAX_BODY_BYTES,
        allowed_origins: frozenset[str] = frozenset(),
        budget: BodyBudget | None = None,
    ) -> None:
        """`allowed_origins`: normalised (see `normalise_origin`) origins accepted on any port."""
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.max_body = max_body
        # Built once: formatted per request it was 2.5% of the loop's time under 200 clients.
        self._too_large = (
            f"request body too large: the limit is {max_body} bytes"
            f" ({max_body / 1024 / 1024:g} MiB)"
        )
        self.allowed_origins = allowed_origins
        self.budget = budget or BodyBudget()

    def _origin_allowed(self, origin: str, own_port: int | None) -> bool:
        parsed = parse_origin(origin)
        if parsed is None:
            return False
        scheme, name, port = parsed
        if name in self.allowed_hosts and port == own_port:
            return True
        shown = f"[{name}]" if ":" in name else name
        return f"{scheme}://{shown}:{port}" in self.allowed_origins

    def refusal(self, scope: Scope) -> str | None:
        """Why the request must be refused (403), or None if its Host and Origin pass."""
        hosts: list[str] = []
        origins: list[str] = []
        for key, raw in scope["headers"]:
            if key == b"host":
                hosts.append(raw.decode("latin-1"))
            elif key == b"origin":
                origins.append(raw.decode("latin-1"))
        allowed = ", ".join(sorted(f"[{n}]" if ":" in n else n for n in self.allowed_hosts))
        if len(hosts) != 1:
            return f"forbidden: a request needs exactly one Host header (allowed: {allowed})"
        if host_name(hosts[0]) not in self.allowed_hosts:
            return (
                f"forbidden: Host {_shown(hosts[0])} is not allowed; this server answers to "
                f"{allowed} (add names with `pieces-tui serve --allow-host NAME`)"
            )
        server = scope.get("server")
        own_port = server[1] if server else None
        for origin in origins:
            if not self._origin_allowed(origin, own_port):
                return (
                    f"forbidden: cross-origin request from {_shown(origin)}; only pages on "
                    f"http(s)://{{{allowed}}}:{own_port} may call this server (add origins with"
                    " `pieces-tui serve --allow-origin ORIGIN`)"
                )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        reason = self.refusal(scope)
        if reason is not None:
            if scope["type"] == "websocket":
                await _refuse_websocket(scope, send, reason)
            else:
                await _reply(send, 403, reason)
            return
        if scope["type"] == "http":
            await self._limited(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_large = self._too_large
        length: int | None = None
        chunked = False
        media_types: list[bytes] = []
        for key, raw in scope["headers"]:
            if key == b"content-length" and raw.isdigit():
                length = int(raw)
            elif key == b"transfer-encoding":
                chunked = True
            elif key == b"content-type":
                media_types.append(raw)
        if length is not None and length > self.max_body:
            await _reply(send, 413, too_large, close=True)
            return
        if scope["method"] == "POST" and (media_types or chunked or length):
            media = media_types[0].partition(b";")[0].strip().lower() if media_types else b""
            if len(media_types) != 1 or media != b"application/json":
                got = repr(media_types[0].decode("latin-1")[:_SHOWN]) if media_types else "none"
                reason = f"unsupported media type: a POST body must be application/json (got {got})"
                await _reply(send, 415, reason)
                return
        budget = self.budget
        taken = length or 0
        if taken and not budget.take(taken):
            await _reply(send, 503, _busy(budget), close=True, retry_after=True)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received, taken
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
                if received > taken:  # chunked: reserve as it streams in
                    if not budget.take(received - taken):
                        raise _OverBudget
                    taken = received
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _BodyTooLarge:
            if started:  # an endpoint read its body after answering: nothing left to say
                return
            await _reply(send, 413, too_large, close=True)
        except _OverBudget:
            if not started:
                await _reply(send, 503, _busy(budget), close=True, retry_after=True)
        except ClientDisconnect:  # the client left (or timed out, see limits.py) mid-body
            pass
        finally:
            budget.give(taken)


def _busy(budget: BodyBudget) -> str:
    return (
        f"server busy: {budget.limit / 1024 / 1024:g} MiB of request bodies are being read"
        " already; retry shortly"
    )


class _BodyTooLarge(Exception):
    pass


class _OverBudget(Exception):
    pass


def _headers(body: bytes, close: bool, retry_after: bool = False) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    if close:
        headers.append((b"connection", b"close"))
    if retry_after:
        headers.append((b"retry-after", b"1"))
    return headers


async def _reply(
    send: Send, status: int, text: str, *, close: bool = False, retry_after: bool = False
) -> None:
    body = text.encode()
    headers = _headers(body, close, retry_after)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse_websocket(scope: Scope, send: Send, text: str) -> None:
    """A 403 with the reason as body where the server supports it, else a bare 403."""
    if "websocket.http.response" in scope.get("extensions", {}):
        body = text.encode()
        start = {"type": "websocket.http.response.start", "status": 403}
        await send({**start, "headers": _headers(body, close=True)})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})
