"""Stream fan-out with a client that never reads: the others keep getting every event promptly and
the stuck one is dropped within a bound.

The stuck client is a raw socket that completes the WebSocket handshake and then stops reading,
with a tiny receive buffer; conversation ids are 64 KiB long so that every frame is big and the TCP
buffers between the server and that socket fill after a few dozen events.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import ClientConnection, connect

from pieces_tui.server import EmbeddedServer

from .rawhttp import TIMEOUT, read_head, websocket_head

STREAM = "/conversations/stream/identifiers"
ID_LENGTH = 64 * 1024
SEND_TIMEOUT = 3.0  # well above what one event takes on a loaded box (max ~0.3 s seen)


class LongIds:
    """Unique 64 KiB ids: big frames on the stream."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        head = f"{next(self._counter):08d}-"
        return head + "i" * (ID_LENGTH - len(head))


@dataclass
class Readers:
    """Well-behaved stream clients; `seen[id]` counts how many of them got the id so far."""

    count: int
    seen: dict[str, int] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def read(self, ws: ClientConnection) -> None:
        async for message in ws:
            items = json.loads(message)["iterable"]
            async with self.changed:
                for item in items:
                    cid = item["conversation"]["id"]
                    self.seen[cid] = self.seen.get(cid, 0) + 1
                self.changed.notify_all()

    async def all_got(self, cid: str) -> None:
        async with self.changed:
            await asyncio.wait_for(
                self.changed.wait_for(lambda: self.seen.get(cid, 0) >= self.count), TIMEOUT
            )


def stuck_client(server: EmbeddedServer) -> socket.socket:
    """Handshake, then never read again (a 4 KiB receive buffer, set before connecting)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(TIMEOUT)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(websocket_head(STREAM, f"127.0.0.1:{server.port}").encode() + b"\r\n\r\n")
    status, _, _ = read_head(sock, time.monotonic() + TIMEOUT)
    assert status == 101
    return sock


def closed_by_server(sock: socket.socket, timeout: float = TIMEOUT) -> bool:
    """Drain what the server managed to send; True once it is followed by EOF or a reset."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(1 << 20):
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
    return False


async def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.002)


async def test_49_readers_keep_up_while_one_client_is_stuck_and_it_is_dropped(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server(id_factory=LongIds(), send_timeout=SEND_TIMEOUT)
    url = server.url.replace("http://", "ws://") + STREAM
    readers = Readers(49)
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(connect(url)) for _ in range(readers.count)]
        tasks = [asyncio.create_task(readers.read(ws)) for ws in sockets]
        stuck = stuck_client(server)
        stack.callback(stuck.close)
        await until(lambda: server.stream_clients == 50)
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=server.url))

        latencies: list[tuple[float, float]] = []  # (when, seconds until all 49 had it)
        started = time.monotonic()
        dropped_at = None
        for n in itertools.count():
            sent = time.monotonic()
            cid = (await http.post("/conversations/create", json={"name": f"c{n}"})).json()["id"]
            await readers.all_got(cid)
            latencies.append((sent, time.monotonic() - sent))
            if server.stream_clients == 49:
                dropped_at = time.monotonic()
                break
            assert time.monotonic() - started < 60, "the stuck client was never dropped"
        assert dropped_at is not None
        creates = len(latencies)

        for n in range(10):  # after the drop, everyone else still gets everything
            cid = (await http.post("/conversations/create", json={"name": f"after{n}"})).json()[
                "id"
            ]
            await readers.all_got(cid)
        assert all(not task.done() for task in tasks)  # no reader was dropped
        assert await asyncio.to_thread(closed_by_server, stuck)

        blocked = [took for when, took in latencies if when >= dropped_at - SEND_TIMEOUT]
        every = [took for _, took in latencies]
        print(
            f"\nstuck client dropped {dropped_at - started:.2f}s after the first of {creates}"
            f" creates ({ID_LENGTH} B ids, send timeout {SEND_TIMEOUT}s); 49 readers: median"
            f" {statistics.median(every) * 1000:.1f} ms, max {max(every) * 1000:.1f} ms per event;"
            f" while it was blocked ({len(blocked)} events): max {max(blocked) * 1000:.1f} ms"
        )
        # A hub that waited on the stuck client would have held some event a whole send timeout.
        assert max(every) < SEND_TIMEOUT
        for task in tasks:
            task.cancel()


async def test_a_stuck_client_is_dropped_by_the_queue_bound_before_its_send_times_out(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    """With a long send timeout the hub's per-client queue (256 frames) is what drops it: the
    hub never waits for a client, so it keeps serving the reader meanwhile."""
    server = make_server(id_factory=LongIds(), send_timeout=60)
    url = server.url.replace("http://", "ws://") + STREAM
    readers = Readers(1)
    async with connect(url) as ws, httpx.AsyncClient(base_url=server.url) as http:
        task = asyncio.create_task(readers.read(ws))
        stuck = stuck_client(server)
        try:
            await until(lambda: server.stream_clients == 2)
            started = time.monotonic()
            for n in range(3000):
                cid = (await http.post("/conversations/create", json={"name": f"{n}"})).json()["id"]
                await readers.all_got(cid)
                if server.stream_clients == 1:
                    break
            assert server.stream_clients == 1, "the stuck client was never dropped"
            print(
                f"\ndropped by the queue bound after {n + 1} creates,"
                f" {time.monotonic() - started:.2f}s"
            )
            assert n + 1 > 256
        finally:
            stuck.close()  # its endpoint is still parked in a send (60 s): let it go
            task.cancel()
