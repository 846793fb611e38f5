"""Slow and greedy clients (limits.py): requests that never finish are closed after the request
timeout while ordinary clients keep being answered; the connection cap; the bound on bodies held
at once; loop errors logged once per episode. Latency figures live in benchmarks/abuse.py."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from pieces_tui.server import EmbeddedServer
from pieces_tui.server.limits import EpisodeLog

from .rawhttp import read_reply

REQUEST_TIMEOUT = 1.0
BOUND = 15.0  # generous: how long a test waits for a socket the server should close


def closed_within(sock: socket.socket, bound: float = BOUND) -> tuple[float, bytes]:
    """Read until the server closes `sock`; (seconds it took, what it sent)."""
    started = time.monotonic()
    received = b""
    sock.settimeout(bound)
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        except TimeoutError:
            raise AssertionError(f"still open after {bound} s") from None
        if not chunk:
            break
        received += chunk
    return time.monotonic() - started, received


@pytest.fixture
def strict(make_server: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return make_server(request_timeout=REQUEST_TIMEOUT, keep_alive=1.0)


@pytest.fixture
def slow_sockets(strict: EmbeddedServer) -> Iterator[Callable[[int], list[socket.socket]]]:
    with ExitStack() as stack:

        def open_many(count: int) -> list[socket.socket]:
            return [
                stack.enter_context(socket.create_connection(("127.0.0.1", strict.port)))
                for _ in range(count)
            ]

        yield open_many


def test_a_silent_connection_is_closed_after_the_timeout(
    strict: EmbeddedServer, slow_sockets: Callable[[int], list[socket.socket]]
) -> None:
    (sock,) = slow_sockets(1)
    took, sent = closed_within(sock)
    assert took >= REQUEST_TIMEOUT * 0.5
    assert sent.startswith(b"HTTP/1.1 408 ")


def test_a_head_sent_a_byte_at_a_time_is_closed(
    strict: EmbeddedServer, slow_sockets: Callable[[int], list[socket.socket]]
) -> None:
    (sock,) = slow_sockets(1)
    head = b"GET /conversations HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 200
    started = time.monotonic()
    try:
        for byte in head:
            sock.sendall(bytes([byte]))
            time.sleep(0.05)
            if time.monotonic() - started > BOUND:
                raise AssertionError("the trickle was never cut off")
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed while trickling: what we want
    else:
        raise AssertionError("the whole trickled head was accepted")


def test_a_body_shorter_than_its_length_is_cut_off(
    strict: EmbeddedServer, slow_sockets: Callable[[int], list[socket.socket]]
) -> None:
    (sock,) = slow_sockets(1)
    head = (
        "POST /conversations/create HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"name": "never fin')
    _, sent = closed_within(sock)
    assert sent.startswith(b"HTTP/1.1 408 ") and b"did not arrive in full" in sent
    assert httpx.get(strict.url + "/conversations/identifiers").json()["iterable"] == []


def test_a_keep_alive_connection_trickling_its_next_request_is_closed(
    strict: EmbeddedServer, slow_sockets: Callable[[int], list[socket.socket]]
) -> None:
    (sock,) = slow_sockets(1)
    sock.sendall(b"GET /.well-known/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert read_reply(sock).status == 200
    sock.sendall(b"GET /.well-known/health HTTP/1.1\r\n")  # ... and the rest never comes
    _, sent = closed_within(sock)
    assert sent.startswith(b"HTTP/1.1 408 ")


def test_ordinary_clients_are_answered_while_slow_sockets_are_held(
    strict: EmbeddedServer, slow_sockets: Callable[[int], list[socket.socket]]
) -> None:
    held = slow_sockets(200)
    for sock in held[:100]:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")  # half a head each
    answered = 0
    with httpx.Client(base_url=strict.url) as http:
        for n in range(50):
            response = http.post("/conversations/create", json={"name": f"c{n}"})
            assert response.status_code == 200
            answered += 1
    assert answered == 50
    for sock in held:  # and every slow socket is closed by the server
        closed_within(sock)


def test_connections_past_the_cap_are_closed_at_once(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server(max_connections=20, request_timeout=2.0)
    with ExitStack() as stack:
        held = [
            stack.enter_context(socket.create_connection(("127.0.0.1", server.port)))
            for _ in range(20)
        ]
        extra = stack.enter_context(socket.create_connection(("127.0.0.1", server.port)))
        _, sent = closed_within(extra, bound=BOUND)
        # Closed by the cap, not by the 2 s request timeout (that one answers 408): a 503, or
        # nothing when the reset overtook it.
        assert sent == b"" or sent.startswith(b"HTTP/1.1 503 "), sent[:80]
        for sock in held:
            closed_within(sock)
    # The held ones timed out, so there is room again.
    assert httpx.get(server.url + "/.well-known/health").status_code == 200


def test_bodies_held_at_once_are_bounded(make_server: Callable[..., EmbeddedServer]) -> None:
    server = make_server(body_budget=10_000, request_timeout=5.0)
    head = (
        "POST /conversations/create HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\nContent-Length: 8000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port)) as first:
        first.sendall(head.encode() + b'{"name": "a')  # holds 8,000 bytes of budget
        time.sleep(0.2)  # let the server read the head (the refusal below does not depend on it)
        deadline = time.monotonic() + BOUND
        while True:
            with socket.create_connection(("127.0.0.1", server.port)) as second:
                second.sendall(head.encode() + b" " * 8000)
                reply = read_reply(second)
            if reply.status == 503 or time.monotonic() > deadline:
                break
        assert reply.status == 503, reply.text
        assert reply.headers["retry-after"] == "1" and "server busy" in reply.text
        body = b'"}' + b" " * (8000 - len(b'{"name": "a"}'))
        first.sendall(body)
        assert read_reply(first).status == 200
    small = httpx.post(server.url + "/conversations/create", json={"name": "fits"})
    assert small.status_code == 200


def test_repeated_loop_errors_are_logged_once_per_episode(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    handler = EpisodeLog(quiet=5.0, clock=lambda: now[0])
    loop = asyncio.new_event_loop()
    try:
        error = OSError(24, "Too many open files")
        with caplog.at_level(logging.ERROR):
            for _ in range(10_000):
                now[0] += 0.001
                handler(
                    loop, {"message": "socket.accept() out of system resource", "exception": error}
                )
            now[0] += 10  # quiet, then a different error: the episode's summary comes first
            handler(loop, {"message": "something else"})
    finally:
        loop.close()
    messages = [record.getMessage() for record in caplog.records]
    assert sum("out of system resource" in m and "repeated" not in m for m in messages) == 1
    assert any("repeated 9999 more times" in m for m in messages)
    assert len(messages) == 3
