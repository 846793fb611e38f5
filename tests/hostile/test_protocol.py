"""A server that breaks the protocol: the app logs, counts and skips what it cannot read, keeps
every valid row, shows no wrong row, and keeps running.

The embedded server cannot be made to send malformed frames or bodies, so these tests serve their
own small Starlette app on a real loopback socket (uvicorn), speaking just enough of the protocol.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn
from pilot_wait import wait_until
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from pieces_tui.client.summaries import conversation_summaries_json

from .conftest import assert_harmless, screen_text

STAMP = {"value": "2026-11-20T09:00:00.000000Z"}


def wire(conversation_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": conversation_id,
        "name": name,
        "type": "COPILOT",
        "created": STAMP,
        "updated": {"value": f"2026-11-20T09:{len(conversation_id):02d}:00.000000Z"},
        "messages": {"iterable": []},
        **extra,
    }


GOOD = wire("good", "Good one")
ODD = wire(  # unknown enum value and extra fields: tolerated
    "odd", "Odd but fine", type="HOLOGRAPHIC", schema={"semantic": "x"}, sparkle=[1, 2]
)
NO_CREATED = {k: v for k, v in wire("no-created", "Missing created").items() if k != "created"}
WRONG_TYPES = wire("wrong-types", "Wrong types", messages={"iterable": "nope"})
NOT_AN_OBJECT = ["not", "a", "conversation"]
LATER = wire("later", "Arrived later")
BROKEN_LATER = {"id": "broken-later", "name": "Broken later"}  # most required fields missing

MALFORMED_FRAMES: list[str | bytes] = [
    "this is not json",
    json.dumps({"iterable": 5}),
    b"\xff\xfe binary garbage",
    json.dumps({"iterable": [{"conversation": {"id": 7}}]}),
    "{" * 5_000,  # nested too deeply for json
]


class BadServer:
    """Health, bulk and single conversations, and the identifier stream, each a little broken."""

    def __init__(self) -> None:
        self.bulk: list[Any] = [GOOD, ODD, NO_CREATED, WRONG_TYPES, NOT_AN_OBJECT]
        self.single: dict[str, Any] = {
            c["id"]: c for c in (GOOD, ODD, LATER) if isinstance(c, dict)
        }
        self.single["broken-later"] = BROKEN_LATER
        self.frames_sent = asyncio.Event()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/health", self.health),
                Route("/conversations", self.conversations),
                Route("/conversation/{conversation}", self.conversation),
                Route("/conversation/{conversation}/messages", self.messages),
                WebSocketRoute("/conversations/stream/identifiers", self.stream),
            ]
        )

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def conversations(self, request: Request) -> Response:
        return JSONResponse({"iterable": self.bulk, "unexpected": {"extra": True}})

    async def conversation(self, request: Request) -> Response:
        found = self.single.get(request.path_params["conversation"])
        if found is None:
            return PlainTextResponse("conversation not found", status_code=404)
        return JSONResponse(found)

    async def messages(self, request: Request) -> Response:
        return JSONResponse({"iterable": []})

    async def stream(self, websocket: WebSocket) -> None:
        await websocket.accept()
        ids = [{"conversation": {"id": c["id"]}} for c in (GOOD, ODD)]
        await websocket.send_text(json.dumps({"iterable": ids, "extra": "ignored"}))
        for frame in MALFORMED_FRAMES:
            if isinstance(frame, bytes):
                await websocket.send_bytes(frame)
            else:
                await websocket.send_text(frame)
        # A change for an id whose GET answer lacks required fields, then a valid one.
        for conversation_id in ("broken-later", "later"):
            item = {"conversation": {"id": conversation_id}, "unknownKey": {"x": 1}}
            await websocket.send_text(json.dumps({"iterable": [item]}))
        self.frames_sent.set()
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            return


@pytest.fixture
async def bad_server() -> AsyncIterator[tuple[str, BadServer]]:
    server = BadServer()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        server.app(), log_level="warning", lifespan="off", ws="websockets-sansio"
    )
    runner = uvicorn.Server(config)
    task = asyncio.create_task(runner.serve(sockets=[sock]))
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not runner.started:
            assert loop.time() < deadline, "the test server did not start"
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}", server
    finally:
        runner.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


def test_one_unreadable_conversation_does_not_hide_the_others() -> None:
    body = json.dumps({"iterable": [GOOD, NO_CREATED, ODD, NOT_AN_OBJECT]})
    summaries = conversation_summaries_json(body)
    assert [s.id for s in summaries] == ["good", "odd"]
    assert summaries.skipped == 2
    assert summaries[1].type == "UNKNOWN"


async def test_app_skips_what_it_cannot_read_and_keeps_the_rest(
    bad_server: tuple[str, BadServer],
    make_app: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, server = bad_server
    caplog.set_level(logging.WARNING)
    app = make_app(url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.conversation_list.row_count >= 2)
        await asyncio.wait_for(server.frames_sent.wait(), 10)
        await wait_until(pilot, lambda: app.store.get("later") is not None)
        await pilot.pause()

        assert sorted(row.id for row in app.store.ordered()) == ["good", "later", "odd"]
        assert app.conversation_list.row_count == 3
        assert app.store.get("odd").type == "UNKNOWN"
        assert app.status.state == "live"
        text = screen_text(app)
        assert "Good one" in text and "Odd but fine" in text and "Arrived later" in text
        assert "Missing created" not in text and "Broken later" not in text
        assert_harmless(app)

    # Logged and counted: the bulk items skipped, every malformed frame with a running count.
    messages = [record.getMessage() for record in caplog.records]
    assert any("skipped 3 of 5 conversations" in m for m in messages), messages
    frames = [m for m in messages if m.startswith("skipping malformed identifier frame")]
    assert len(frames) == len(MALFORMED_FRAMES)
    assert f"({len(MALFORMED_FRAMES)} so far)" in frames[-1]
