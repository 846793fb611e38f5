"""A hostile identifier stream cannot exhaust the client: a 55 MB frame, a frame within the bound
naming 100,000 unknown ids, a flood of new ids, a flood of known ids. Each keeps the client
(`abuse_child.py`, its own process so its peak RSS is its own) under 200 MB, and its store ends
equal to the server's `GET /conversations`.

The stream comes from a WebSocket server of the test's own (a real server cannot be made to send
these); the HTTP side is the real embedded server. No latency is asserted: the child reports its
worst event-loop lag, which is printed (`pytest -s`) and belongs in the report, not in CI."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer

CHILD = Path(__file__).with_name("abuse_child.py")
CHILD_ARGS = [str(CHILD)]
RSS_BOUND_MB = 200
CONVERSATIONS = 100


def frame(ids: list[str] | range, *, fake: bool = False) -> str:
    """A `StreamedIdentifiers` frame, built as text (a model per id would cost more here than
    what it tests). `fake`: ids are numbers turned into uuid-shaped ids the server does not have."""
    out = io.StringIO()
    out.write('{"iterable":[')
    for position, item in enumerate(ids):
        conversation_id = f"{item:08d}-dead-4bad-8bad-000000000000" if fake else item
        if position:
            out.write(",")
        out.write(f'{{"conversation":{{"id":"{conversation_id}"}},"deleted":false}}')
    out.write("]}")
    return out.getvalue()


Scenario = Callable[[int, ServerConnection, list[str], asyncio.Event], Awaitable[None]]


async def huge_frame(
    number: int, ws: ServerConnection, ids: list[str], done: asyncio.Event
) -> None:
    # The frame of the report: 55 MB naming 760,000 unknown ids, on the first three connections.
    if number <= 3:
        await ws.send(HUGE[0])
        return
    await ws.send(frame(ids))
    done.set()


async def big_snapshot(
    number: int, ws: ServerConnection, ids: list[str], done: asyncio.Event
) -> None:
    # Just within the 8 MiB bound: the first frame names 100,000 ids the server does not have.
    await ws.send(frame(range(100_000), fake=True))
    done.set()


async def new_ids(number: int, ws: ServerConnection, ids: list[str], done: asyncio.Event) -> None:
    await ws.send(frame(ids))
    for batch in range(400):
        await ws.send(frame(range(batch * 500, (batch + 1) * 500), fake=True))
    done.set()


async def known_ids(number: int, ws: ServerConnection, ids: list[str], done: asyncio.Event) -> None:
    await ws.send(frame(ids))
    for _ in range(2_000):
        await ws.send(frame(ids))
    done.set()


HUGE: list[str] = []


async def run_child(server: EmbeddedServer, scenario: Scenario) -> dict[str, Any]:
    async with PiecesClient(server.url) as client:
        for n in range(CONVERSATIONS):
            await client.create_conversation(f"conversation {n}")
        ids = [c.id for c in await client.conversations()]
    done = asyncio.Event()
    connections = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        try:
            await scenario(connections, ws, ids, done)
            await ws.wait_closed()
        except ConnectionClosed:
            pass

    async with serve(handler, "127.0.0.1", 0, max_size=None) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            *CHILD_ARGS,
            server.url,
            f"ws://127.0.0.1:{port}/conversations/stream/identifiers",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        try:
            assert (await asyncio.wait_for(child.stdout.readline(), 60)).strip() == b"loaded"
            await asyncio.wait_for(done.wait(), 120)
            child.stdin.write(b"\n")
            await child.stdin.drain()
            line = await asyncio.wait_for(child.stdout.readline(), 120)
            assert await asyncio.wait_for(child.wait(), 30) == 0
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
    report: dict[str, Any] = json.loads(line)
    report["connections"] = connections
    print(f"{scenario.__name__}: {report}")
    return report


@pytest.mark.timeout(300)
async def test_a_55_mb_frame_is_refused_unread(server: EmbeddedServer) -> None:
    if not HUGE:
        HUGE.append(frame(range(760_000), fake=True))
    assert len(HUGE[0]) > 55_000_000
    report = await run_child(server, huge_frame)
    assert report["connections"] >= 4  # refused three times, reconnected each time
    assert report["equal"] and report["rows"] == CONVERSATIONS
    assert report["peak_mb"] < RSS_BOUND_MB


@pytest.mark.timeout(300)
async def test_a_snapshot_of_many_unknown_ids_becomes_one_bulk_load(server: EmbeddedServer) -> None:
    report = await run_child(server, big_snapshot)
    assert report["single_fetches"] == 0  # no fetch per id: a bulk load instead
    assert report["equal"] and report["rows"] == CONVERSATIONS
    assert report["peak_mb"] < RSS_BOUND_MB


@pytest.mark.timeout(300)
async def test_a_flood_of_new_ids_degrades_to_bulk_loads(server: EmbeddedServer) -> None:
    report = await run_child(server, new_ids)
    assert report["degraded_resyncs"] >= 1
    assert report["single_fetches"] < 200_000 / 10  # most of the 200,000 ids were never fetched
    assert report["equal"] and report["rows"] == CONVERSATIONS
    assert report["peak_mb"] < RSS_BOUND_MB


@pytest.mark.timeout(300)
async def test_a_flood_of_known_ids_is_coalesced(server: EmbeddedServer) -> None:
    report = await run_child(server, known_ids)
    events = 2_000 * CONVERSATIONS
    assert report["single_fetches"] < events / 10
    assert report["equal"] and report["rows"] == CONVERSATIONS
    assert report["peak_mb"] < RSS_BOUND_MB
