"""The identifier stream (and the health stream) with the `websockets` client over real sockets."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from pieces_tui.server import EmbeddedServer
from pieces_tui.server.stream import Hub

TIMEOUT = 5


def ws_url(server: EmbeddedServer, path: str = "/conversations/stream/identifiers") -> str:
    return server.url.replace("http://", "ws://") + path


async def frame(ws: ClientConnection) -> list[tuple[str, bool]]:
    data: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    return [(item["conversation"]["id"], item["deleted"]) for item in data["iterable"]]


async def test_first_frame_lists_all_ids_newest_first(demo_server: EmbeddedServer) -> None:
    async with httpx.AsyncClient(base_url=demo_server.url) as http:
        expected = [c["id"] for c in (await http.get("/conversations")).json()["iterable"]]
    async with connect(ws_url(demo_server)) as ws:
        assert await frame(ws) == [(cid, False) for cid in expected]


async def test_every_kind_of_change_is_announced(server: EmbeddedServer) -> None:
    async with (
        httpx.AsyncClient(base_url=server.url) as http,
        connect(ws_url(server)) as ws,
    ):
        assert await frame(ws) == []
        conv = (await http.post("/conversations/create", json={"name": "a"})).json()
        assert await frame(ws) == [(conv["id"], False)]

        await http.post("/conversation/update", json={"id": conv["id"], "name": "b"})
        assert await frame(ws) == [(conv["id"], False)]

        body = {
            "role": "USER",
            "fragment": {"string": {"raw": "hello"}},
            "conversation": {"id": conv["id"]},
        }
        assert (await http.post("/messages/create", json=body)).status_code == 200
        assert await frame(ws) == [(conv["id"], False)]

        assets = await http.get("/assets/identifiers")  # reads announce nothing
        assert assets.status_code == 200
        await http.post(f"/conversations/{conv['id']}/delete")
        assert await frame(ws) == [(conv["id"], True)]


async def test_two_clients_receive_changes_quickly(server: EmbeddedServer) -> None:
    async with (
        httpx.AsyncClient(base_url=server.url) as http,
        connect(ws_url(server)) as one,
        connect(ws_url(server)) as two,
    ):
        assert await frame(one) == [] and await frame(two) == []
        timings = []
        for kind in ("create", "delete"):
            start = time.perf_counter()
            if kind == "create":
                cid = (await http.post("/conversations/create")).json()["id"]
                want = [(cid, False)]
            else:
                await http.post(f"/conversations/{cid}/delete")
                want = [(cid, True)]
            got = await asyncio.gather(frame(one), frame(two))
            timings.append(time.perf_counter() - start)
            assert got == [want, want]
        print(f"stream latency (request start -> both clients got the frame): {timings}")


async def test_a_client_that_does_not_read_does_not_stall_others(server: EmbeddedServer) -> None:
    async with (
        httpx.AsyncClient(base_url=server.url) as http,
        connect(ws_url(server), max_queue=1) as stalled,
        connect(ws_url(server)) as reader,
    ):
        assert await frame(reader) == []
        for n in range(50):
            cid = (await http.post("/conversations/create", json={"name": f"c{n}"})).json()["id"]
            assert await frame(reader) == [(cid, False)]
        assert stalled.state.name == "OPEN"


def test_hub_drops_a_client_whose_queue_overflows() -> None:
    async def scenario() -> None:
        hub = Hub(queue_size=3)
        slow, fast = hub.subscribe(), hub.subscribe()
        for n in range(3):
            hub.publish(f"frame {n}")
            assert await fast.queue.get() == f"frame {n}"
        assert not slow.dropped and slow.queue.qsize() == 3
        hub.publish("frame 3")  # the slow client's queue is full: it is dropped
        assert slow.dropped
        assert slow.queue.get_nowait() is None and slow.queue.empty()
        assert await fast.queue.get() == "frame 3"
        assert len(hub) == 1

    asyncio.run(scenario())


async def test_dropped_client_is_closed_and_resyncs_on_reconnect(server: EmbeddedServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        cid = (await http.post("/conversations/create")).json()["id"]
        async with connect(ws_url(server)) as ws:
            assert await frame(ws) == [(cid, False)]
            # A full queue cannot be produced deterministically over a real socket (the kernel
            # buffers absorb the frames), so drop the subscription the way an overflow would.
            api = server._api
            loop = server._loop
            assert api is not None and loop is not None
            loop.call_soon_threadsafe(api.hub.close_all)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        async with connect(ws_url(server)) as again:
            assert await frame(again) == [(cid, False)]


async def test_health_stream_says_ok(server: EmbeddedServer) -> None:
    async with connect(ws_url(server, "/.well-known/stream/health")) as ws:
        first = await asyncio.wait_for(ws.recv(), TIMEOUT)
        assert isinstance(first, str) and first.startswith("ok")


async def test_stop_closes_open_streams(make_server: Any) -> None:
    server = make_server()
    async with connect(ws_url(server)) as ws:
        assert await frame(ws) == []
        await asyncio.to_thread(server.stop)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), TIMEOUT)
