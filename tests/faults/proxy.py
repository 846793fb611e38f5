"""A fault-injecting TCP proxy for the tests: sits between the app and the embedded server.

It runs in the test's event loop (the same loop as `App.run_test()`), listens on a free loopback
port and opens one upstream connection per client connection. The test controls it at any time:

- `cut()`: abort every current connection (a WebSocket client sees 1006, no close frame).
- `refuse(True)`: accept new connections and drop them at once; `stop_listening()` /
  `start_listening()`: close and reopen the port itself (the client sees ECONNREFUSED).
- `latency(s)`: delay every chunk, in both directions.
- `stall(True, only=None|"http"|"ws")`: hold bytes without forwarding them until `stall(False)`.
  Bytes held for a sender that gives up (closes) are dropped, as a dead network would.
- `close_websockets(code)`: send every upgraded WebSocket client a close frame (e.g. 1011 or
  1001) as if from the server, then close the connection.
- `fail(method, path, status, body)`: answer matching HTTP requests itself with that status and a
  plain-text body, without forwarding them (faults a healthy server cannot be made to produce).
- `set_upstream(port)`: send new connections to another port (the server restarted elsewhere).

Requests are parsed only as far as needed (request line, headers, Content-Length) to apply `fail`
rules and to spot WebSocket upgrades; server-to-client WebSocket traffic is forwarded one whole
frame at a time so an injected close frame never lands inside another frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["http", "ws"]
_EOF = None


@dataclass
class FailRule:
    """Answer `method path` (path without the query, a regex matched in full) with `status`."""

    method: str
    path: re.Pattern[str]
    status: int
    body: str
    times: int | None = None
    """How many requests to fail; None: until removed."""
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return method == self.method and self.path.fullmatch(path) is not None


@dataclass(eq=False)
class _Link:
    """One client connection and its upstream connection."""

    client_reader: asyncio.StreamReader
    client_writer: asyncio.StreamWriter
    upstream_reader: asyncio.StreamReader
    upstream_writer: asyncio.StreamWriter
    kind: Kind = "http"
    upgraded: bool = False
    """The server answered the WebSocket upgrade (whole frames follow)."""
    up: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    """Bytes (whole requests, or chunks) waiting to go to the server."""
    down: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    """Bytes (whole frames on a WebSocket) waiting to go to the client."""
    done: asyncio.Event = field(default_factory=asyncio.Event)
    abort: bool = False

    def close(self, *, abort: bool) -> None:
        """End the link: at once when aborting (nothing more is sent), else after a flush."""
        if abort:
            self.abort = True
            self.client_writer.transport.abort()
            self.upstream_writer.transport.abort()
        self.done.set()


def split_frames(buffer: bytes) -> tuple[bytes, bytes]:
    """(whole WebSocket frames at the start of `buffer`, the incomplete rest)."""
    end = 0
    while len(buffer) - end >= 2:
        second = buffer[end + 1]
        length = second & 0x7F
        offset = 2
        if length == 126:
            if len(buffer) - end < 4:
                break
            length = int.from_bytes(buffer[end + 2 : end + 4], "big")
            offset = 4
        elif length == 127:
            if len(buffer) - end < 10:
                break
            length = int.from_bytes(buffer[end + 2 : end + 10], "big")
            offset = 10
        if second & 0x80:
            offset += 4  # masked (servers do not mask, but be exact)
        if len(buffer) - end < offset + length:
            break
        end += offset + length
    return buffer[:end], buffer[end:]


def close_frame(code: int, reason: str = "") -> bytes:
    """An unmasked (server-to-client) WebSocket close frame."""
    payload = code.to_bytes(2, "big") + reason.encode()[:123]
    return bytes([0x88, len(payload)]) + payload


class FaultProxy:
    def __init__(self, upstream_port: int | None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.upstream_port = upstream_port
        self.port = 0
        self.faults: Counter[str] = Counter()
        """Faults injected, by kind (one per call or per affected request/connection)."""
        self.requests: list[tuple[str, str]] = []
        """(method, path) of every HTTP request seen, forwarded or not."""
        self.websockets_opened = 0
        """WebSocket upgrades the server answered (through this proxy)."""
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._refusing = False
        self._latency = 0.0
        self._flowing: dict[Kind, asyncio.Event] = {"http": asyncio.Event(), "ws": asyncio.Event()}
        for event in self._flowing.values():
            event.set()
        self._rules: list[FailRule] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def total_faults(self) -> int:
        return sum(self.faults.values())

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> FaultProxy:
        await self.start_listening()
        return self

    async def start_listening(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def stop_listening(self) -> None:
        """Close the port: new connections are refused by the OS. Current ones stay up."""
        if self._server is not None:
            self._server.close()
            self._server = None
            self.faults["port closed"] += 1

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self.cut(count=False)
        for event in self._flowing.values():
            event.set()
        # Every handler ends once its link is closed (cancelling them would upset asyncio's
        # stream callback, which reads their outcome).
        handlers = list(self._handlers)
        if handlers:
            await asyncio.wait(handlers, timeout=5)

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- controls ---------------------------------------------------------------------------------

    def set_upstream(self, port: int | None) -> None:
        """Send new connections to `port` (None: nowhere, they are dropped)."""
        self.upstream_port = port

    def cut(self, *, count: bool = True) -> int:
        """Abort every current connection; returns how many."""
        links = list(self._links)
        for link in links:
            link.close(abort=True)
        if count:
            self.faults["cut"] += 1
        return len(links)

    def refuse(self, refusing: bool) -> None:
        """Accept new connections and drop them at once (True), or serve them again (False)."""
        self._refusing = refusing

    def latency(self, seconds: float) -> None:
        """Delay every chunk by `seconds` in both directions (0: none)."""
        if seconds and not self._latency:
            self.faults["latency"] += 1
        self._latency = seconds

    def stall(self, stalled: bool, *, only: Kind | None = None) -> None:
        """Hold bytes (of `only` that kind of connection, or all) until `stall(False)`."""
        kinds: tuple[Kind, ...] = (only,) if only is not None else ("http", "ws")
        for kind in kinds:
            event = self._flowing[kind]
            if stalled and event.is_set():
                event.clear()
                self.faults[f"stall {kind}"] += 1
            elif not stalled:
                event.set()

    def close_websockets(self, code: int = 1011, reason: str = "") -> int:
        """Send each upgraded WebSocket client a close frame with `code`, then close; returns
        how many."""
        closed = 0
        for link in list(self._links):
            if link.kind == "ws" and link.upgraded and not link.done.is_set():
                # Queued behind the frames already read, like a server's own close frame.
                link.down.put_nowait(close_frame(code, reason))
                link.down.put_nowait(_EOF)
                closed += 1
        self.faults[f"close {code}"] += 1
        return closed

    def fail(
        self, method: str, path: str, *, status: int = 500, body: str = "", times: int | None = None
    ) -> FailRule:
        """Answer matching requests with `status` and `body` (text/plain) instead of the server."""
        rule = FailRule(method.upper(), re.compile(path), status, body, times)
        self._rules.append(rule)
        return rule

    def clear_failures(self) -> None:
        self._rules.clear()

    def connections(self) -> int:
        """Client connections currently forwarded."""
        return sum(1 for link in self._links if not link.done.is_set())

    def open_websockets(self) -> int:
        """Upgraded WebSocket connections currently up."""
        return sum(1 for link in self._links if link.upgraded and not link.done.is_set())

    # -- plumbing ---------------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._handlers.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._refusing:
            self.faults["refused"] += 1
            writer.transport.abort()
            return
        port = self.upstream_port
        try:
            if port is None:
                raise ConnectionRefusedError("no upstream")
            up_reader, up_writer = await asyncio.open_connection(self.host, port)
        except OSError:
            self.faults["upstream down"] += 1
            writer.transport.abort()
            return
        link = _Link(reader, writer, up_reader, up_writer)
        self._links.add(link)
        tasks = [
            asyncio.create_task(self._client_to_server(link, link.up)),
            asyncio.create_task(self._forward(link, link.up, up_writer)),
            asyncio.create_task(self._server_to_client(link, link.down)),
            asyncio.create_task(self._forward(link, link.down, writer)),
        ]
        try:
            await link.done.wait()
        finally:
            self._links.discard(link)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for stream in (writer, up_writer):
                if link.abort:
                    stream.transport.abort()
                else:
                    stream.close()

    def _held(self, link: _Link) -> bool:
        return not self._flowing[link.kind].is_set()

    def _ended(self, link: _Link, queue: asyncio.Queue[bytes | None]) -> None:
        """The sender closed: flush what is queued, then close; drop it if it is being held."""
        if self._held(link):
            link.close(abort=True)
        else:
            queue.put_nowait(_EOF)

    async def _forward(
        self, link: _Link, queue: asyncio.Queue[bytes | None], writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                data = await queue.get()
                if data is _EOF:
                    link.close(abort=False)
                    return
                await self._flowing[link.kind].wait()
                if self._latency:
                    await asyncio.sleep(self._latency)
                if link.done.is_set():
                    return
                writer.write(data)  # whole units: an injected frame never splits one
                await writer.drain()
        except (OSError, RuntimeError):
            link.close(abort=True)

    async def _client_to_server(self, link: _Link, queue: asyncio.Queue[bytes | None]) -> None:
        buffer = b""
        parsing = True
        try:
            while True:
                chunk = await link.client_reader.read(65536)
                if not chunk:
                    self._ended(link, queue)
                    return
                if not parsing:
                    queue.put_nowait(chunk)
                    continue
                buffer += chunk
                while parsing:
                    request, buffer, upgrade = self._next_request(buffer)
                    if request is None:
                        break
                    if isinstance(request, FailRule):
                        self._answer(link, request)
                        return
                    queue.put_nowait(request)
                    if upgrade:
                        link.kind = "ws"
                        parsing = False
                        if buffer:
                            queue.put_nowait(buffer)
                            buffer = b""
        except (OSError, RuntimeError):
            link.close(abort=True)

    def _next_request(self, buffer: bytes) -> tuple[bytes | FailRule | None, bytes, bool]:
        """(one whole request, or the rule that answers it, or None; the rest; is it an upgrade)"""
        head_end = buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None, buffer, False
        lines = buffer[:head_end].decode("latin-1").split("\r\n")
        method, target, _ = [*lines[0].split(" ", 2), "", ""][:3]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        total = head_end + 4 + int(headers.get("content-length", "0") or 0)
        if len(buffer) < total:
            return None, buffer, False
        request, rest = buffer[:total], buffer[total:]
        path = target.split("?", 1)[0]
        self.requests.append((method, path))
        for rule in self._rules:
            if rule.matches(method, path):
                rule.hits += 1
                return rule, rest, False
        return request, rest, headers.get("upgrade", "").lower() == "websocket"

    def _answer(self, link: _Link, rule: FailRule) -> None:
        self.faults[f"http {rule.status}"] += 1
        body = rule.body.encode()
        reason = {500: "Internal Server Error", 503: "Service Unavailable"}.get(rule.status, "")
        head = (
            f"HTTP/1.1 {rule.status} {reason}\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        with contextlib.suppress(OSError, RuntimeError):
            link.client_writer.write(head.encode() + body)
        link.close(abort=False)

    async def _server_to_client(self, link: _Link, queue: asyncio.Queue[bytes | None]) -> None:
        buffer = b""
        try:
            while True:
                chunk = await link.upstream_reader.read(65536)
                if not chunk:
                    if buffer:
                        queue.put_nowait(buffer)
                    self._ended(link, queue)
                    return
                if link.kind == "http":
                    queue.put_nowait(chunk)
                    continue
                buffer += chunk
                if not link.upgraded:
                    head_end = buffer.find(b"\r\n\r\n")
                    if head_end < 0:
                        continue
                    head, buffer = buffer[: head_end + 4], buffer[head_end + 4 :]
                    queue.put_nowait(head)
                    if not head.startswith(b"HTTP/1.1 101"):
                        link.kind = "http"  # upgrade refused: plain HTTP from here
                        if buffer:
                            queue.put_nowait(buffer)
                            buffer = b""
                        continue
                    link.upgraded = True
                    self.websockets_opened += 1
                frames, buffer = split_frames(buffer)
                if frames:
                    queue.put_nowait(frames)
        except (OSError, RuntimeError):
            link.close(abort=True)
