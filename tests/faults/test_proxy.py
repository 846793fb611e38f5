"""The fault proxy itself, against the embedded server: each control does what it says."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from pieces_tui.client.errors import PiecesUnavailable, ServerError
from pieces_tui.client.http import PiecesClient
from pieces_tui.client.stream import stream_url
from pieces_tui.server import EmbeddedServer

from .proxy import FaultProxy, close_frame, split_frames


def test_frame_splitting_keeps_partial_frames_back() -> None:
    short = bytes([0x81, 3]) + b"abc"
    medium = bytes([0x81, 126]) + (300).to_bytes(2, "big") + b"x" * 300
    whole, rest = split_frames(short + medium[:100])
    assert (whole, rest) == (short, medium[:100])
    whole, rest = split_frames(short + medium)
    assert (whole, rest) == (short + medium, b"")
    assert close_frame(1011) == bytes([0x88, 2, 0x03, 0xF3])


async def test_forwards_http_with_latency_and_answers_fail_rules(
    server: EmbeddedServer, proxy: FaultProxy
) -> None:
    proxy.set_upstream(server.port)
    async with PiecesClient(proxy.url) as client:
        created = await client.create_conversation("through the proxy")
        assert ("POST", "/conversations/create") in proxy.requests

        loop = asyncio.get_running_loop()
        proxy.latency(0.1)
        started = loop.time()
        assert (await client.conversation(created.id)).name == "through the proxy"
        assert loop.time() - started >= 0.2  # at least one chunk each way
        proxy.latency(0)

        proxy.fail("GET", r"/conversation/[^/]+", body="database is locked", times=1)
        with pytest.raises(ServerError) as failure:
            await client.conversation(created.id)
        assert failure.value.status == 500 and failure.value.text == "database is locked"
        assert (await client.conversation(created.id)).id == created.id  # times=1: served again
    assert proxy.faults["http 500"] == 1


async def test_websocket_close_codes_and_cuts(server: EmbeddedServer, proxy: FaultProxy) -> None:
    proxy.set_upstream(server.port)
    url = stream_url(proxy.url)
    for inject, code in ((lambda: proxy.close_websockets(1011), 1011), (proxy.cut, 1006)):
        async with connect(url, proxy=None) as websocket:
            await asyncio.wait_for(websocket.recv(), 5)  # the snapshot frame
            assert proxy.open_websockets() == 1
            inject()
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(websocket.recv(), 5)
            assert websocket.close_code == code, closed.value
    proxy.close_websockets(1001)
    assert proxy.websockets_opened == 2


async def test_refuse_and_stop_listening(server: EmbeddedServer, proxy: FaultProxy) -> None:
    proxy.set_upstream(server.port)
    async with PiecesClient(proxy.url, timeout=2) as client:
        proxy.refuse(True)
        with pytest.raises(PiecesUnavailable):
            await client.health()
        proxy.refuse(False)
        assert await client.health() == "ok"

        proxy.stop_listening()
    async with PiecesClient(proxy.url, timeout=2) as fresh:
        with pytest.raises(PiecesUnavailable, match="ConnectError"):
            await fresh.health()
        await proxy.start_listening()
        assert await fresh.health() == "ok"
    assert proxy.faults["refused"] >= 1 and proxy.faults["port closed"] == 1


async def test_stall_holds_bytes_and_drops_them_when_the_sender_gives_up(
    server: EmbeddedServer, proxy: FaultProxy
) -> None:
    proxy.set_upstream(server.port)
    async with PiecesClient(proxy.url, timeout=0.3) as client, PiecesClient(server.url) as direct:
        proxy.stall(True)
        with pytest.raises(PiecesUnavailable, match="did not answer"):
            await client.create_conversation("held")
        # The client closes its connection on the timeout; the proxy then drops what it held.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while proxy.connections():
            assert loop.time() < deadline, "the timed-out connection stayed open"
            await asyncio.sleep(0.01)
        proxy.stall(False)
        assert await direct.conversations() == []  # the held request never reached the server
        await client.create_conversation("after the stall")
        assert [c.name for c in await direct.conversations()] == ["after the stall"]


async def test_new_upstream_after_a_restart(
    make_server: Callable[..., EmbeddedServer], proxy: FaultProxy
) -> None:
    first = make_server()
    proxy.set_upstream(first.port)
    async with PiecesClient(proxy.url, timeout=2) as client:
        await client.create_conversation("kept")
        await asyncio.to_thread(first.stop)
        with pytest.raises(PiecesUnavailable):
            await client.conversations()
        second = make_server(first.db_path)
        proxy.set_upstream(second.port)
        assert [c.name for c in await client.conversations()] == ["kept"]
    assert proxy.faults["upstream down"] >= 1
