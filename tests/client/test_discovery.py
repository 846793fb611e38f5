"""discover(): explicit URL, environment, probing the port range, and a fast None."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import pytest

from pieces_tui.client.discovery import DEFAULT_PORTS, candidate_urls, discover, find_server
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.version import SERVER_VERSION

from .helpers import free_port

# Binds in Pieces OS's own port range: one worker for all such tests (pyproject `--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("pieces-os-ports")


async def test_explicit_url_wins() -> None:
    env = {"PIECES_OS_URL": "http://env:1"}
    assert await discover("http://explicit:2/", env) == "http://explicit:2"
    assert await discover(None, env) == "http://env:1"
    assert await discover("  ", {"PIECES_OS_URL": " http://env:3/ "}) == "http://env:3"


def test_candidates_in_order() -> None:
    urls = candidate_urls()
    assert urls[0] == "http://127.0.0.1:39300"
    assert urls[-2] == "http://127.0.0.1:39333"
    assert urls[-1] == "http://localhost:1000"


async def test_nothing_listening_is_none_without_waiting_for_the_timeout() -> None:
    # A one-port range where nothing listens (plus the legacy address) keeps this test
    # independent of whatever else runs on this machine. A refused connection is an answer:
    # with a 60 s timeout per probe, waiting it out would overrun the 30 s bound.
    port = free_port()
    found = await asyncio.wait_for(
        discover(None, {}, ports=range(port, port + 1), timeout=60.0), timeout=30.0
    )
    assert found is None


def free_ports_in_range(count: int) -> list[int]:
    ports: list[int] = []
    for port in DEFAULT_PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise AssertionError("not enough free ports in 39300..39333 on this machine")


async def test_finds_a_server_in_the_range(make_server: Callable[..., EmbeddedServer]) -> None:
    (port,) = free_ports_in_range(1)
    server = make_server(port=port)
    started = time.perf_counter()
    found = await discover(None, {}, ports=range(port, DEFAULT_PORTS.stop), timeout=5)
    print(f"discover() found {found} in {(time.perf_counter() - started) * 1000:.1f} ms")
    assert found == server.url == f"http://127.0.0.1:{port}"


async def test_lowest_answering_port_wins(make_server: Callable[..., EmbeddedServer]) -> None:
    low, high = free_ports_in_range(2)
    make_server(port=high)  # started first: the order of starting does not matter
    make_server(port=low)
    found = await discover(None, {}, ports=range(low, DEFAULT_PORTS.stop), timeout=5)
    assert found == f"http://127.0.0.1:{low}"


class FakeServer:
    """A loopback HTTP server answering fixed bodies by path (what a real Pieces OS never does:
    HTML, or health without a version), for as long as the `async with` lasts."""

    def __init__(self, port: int, answers: dict[str, tuple[str, str]]) -> None:
        self.port = port
        self.answers = answers  # path -> (content type, body)
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1].decode()
            content_type, body = self.answers.get(path, ("text/plain", "not found"))
            status = "200 OK" if path in self.answers else "404 Not Found"
            data = body.encode()
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                + data
            )
            await writer.drain()
        finally:
            writer.close()

    async def __aenter__(self) -> FakeServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


HTML = {
    "/.well-known/health": ("text/html", "<!doctype html><title>ok</title>"),
    "/.well-known/version": ("text/html", "<html>1.0</html>"),
}
HEALTH_ONLY = {"/.well-known/health": ("text/plain", "ok")}


async def test_html_is_not_pieces_os_and_a_real_one_is_preferred(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    html_port, health_port, real_port = free_ports_in_range(3)
    server = make_server(port=real_port)
    async with FakeServer(html_port, HTML), FakeServer(health_port, HEALTH_ONLY):
        found = await find_server(None, {}, ports=range(html_port, real_port + 1), timeout=5)
    assert found.url == server.url
    assert found.source == "probe"
    assert found.version == SERVER_VERSION
    assert found.summary == f"Pieces OS {found.version} at 127.0.0.1:{real_port}"
    reasons = {c.url: c.reason for c in found.rejected}
    assert "HTML" in reasons[f"http://127.0.0.1:{html_port}"]
    assert "version" in reasons[f"http://127.0.0.1:{health_port}"]


async def test_only_html_answers_means_none_and_says_so() -> None:
    (port,) = free_ports_in_range(1)
    async with FakeServer(port, HTML):
        found = await find_server(None, {}, ports=range(port, port + 1), timeout=5)
        assert await discover(None, {}, ports=range(port, port + 1), timeout=5) is None
    assert found.url is None
    assert "HTML" in found.summary and f"127.0.0.1:{port}" in found.summary


async def test_health_without_a_version_is_a_last_resort() -> None:
    (port,) = free_ports_in_range(1)
    async with FakeServer(port, HEALTH_ONLY):
        found = await find_server(None, {}, ports=range(port, port + 1), timeout=5)
    assert found.url == f"http://127.0.0.1:{port}" and found.version is None
    assert "no Pieces OS version" in found.summary


async def test_explicit_and_environment_are_reported() -> None:
    assert (await find_server("http://x:1/", {})).summary == "http://x:1 (given with --url)"
    found = await find_server(None, {"PIECES_OS_URL": "http://y:2"})
    assert (found.url, found.source) == ("http://y:2", "environment")
