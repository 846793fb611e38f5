"""discover(): explicit URL, environment, probing the port range, and a fast None."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from pieces_tui.client.discovery import DEFAULT_PORTS, candidate_urls, discover
from pieces_tui.server import EmbeddedServer

from .helpers import free_port


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


async def test_nothing_listening_is_none_and_fast() -> None:
    # A one-port range where nothing listens (plus the legacy address) keeps this test
    # independent of whatever else runs on this machine.
    port = free_port()
    started = time.perf_counter()
    found = await discover(None, {}, ports=range(port, port + 1))
    elapsed = time.perf_counter() - started
    print(f"discover() with nothing listening: {elapsed * 1000:.1f} ms")
    assert found is None
    assert elapsed < 2.0


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
