"""The bulk `GET /conversations` body is read as a stream into one buffer (not httpx's read, which
holds every chunk and their join). What a server may do with that body: send it chunked, drop the
connection in the middle of it, drop a pooled connection just as it is reused.

The embedded server answers with a Content-Length, in one piece, and never drops a connection on
purpose, so these tests use a small raw HTTP server of their own that does each of those."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from pieces_tui.client import PiecesClient, PiecesUnavailable, ProtocolError, ServerError

Answer = Callable[[int], bytes | None]
"""What the raw server sends for its n-th request on a connection (None: close, say nothing)."""


def conversation(n: int) -> dict[str, object]:
    stamp = {"value": f"2026-01-01T00:00:{n:02d}.000000Z"}
    return {
        "id": f"id-{n}",
        "type": "COPILOT",
        "name": f"Conversation {n}",
        "created": stamp,
        "updated": stamp,
        "messages": {"iterable": [{"id": f"m-{n}"}], "indices": {f"m-{n}": 0}},
    }


BODY = json.dumps({"iterable": [conversation(n) for n in range(40)]}).encode()


def chunked(body: bytes, size: int = 1000) -> bytes:
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    return head + b"".join(parts) + b"0\r\n\r\n"


def whole(body: bytes, status: bytes = b"200 OK", length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        status,
        size,
        body,
    )


class RawServer:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for n in range(100):
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(head.split(b"\r\n", 1)[0])
                reply = self.answer(n)
                if reply is None:
                    return
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def summaries_from(answer: Answer, *, calls: int = 1) -> tuple[list[str], RawServer]:
    state = RawServer(answer)
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, PiecesClient(f"http://127.0.0.1:{port}", timeout=5) as client:
        ids: list[str] = []
        for _ in range(calls):
            ids = [s.id for s in await client.conversation_summaries()]
    return ids, state


async def test_a_chunked_body_is_read_whole() -> None:
    ids, _ = await summaries_from(lambda n: chunked(BODY))
    assert ids == [f"id-{n}" for n in range(40)]


async def test_a_body_cut_short_is_an_unavailable_server_not_a_parse_error() -> None:
    cut = whole(BODY[: len(BODY) // 2], length=len(BODY))
    with pytest.raises(PiecesUnavailable):
        await summaries_from(lambda n: cut if n == 0 else None)


async def test_an_error_status_carries_its_text() -> None:
    with pytest.raises(ServerError) as raised:
        await summaries_from(lambda n: whole(b"database is locked", b"500 Internal Server Error"))
    assert raised.value.status == 500
    assert "database is locked" in str(raised.value)


async def test_a_body_that_is_not_json_says_how_it_starts() -> None:
    with pytest.raises(ProtocolError) as raised:
        await summaries_from(lambda n: whole(b"<html>proxy error</html>"))
    assert "<html>proxy error" in str(raised.value.detail)


async def test_the_bulk_read_on_a_pooled_connection_closed_under_it_is_sent_again_once() -> None:
    # The first request on each connection is answered, the second one is met by a close.
    ids, state = await summaries_from(lambda n: whole(BODY) if n == 0 else None, calls=2)
    assert len(ids) == 40
    assert state.requests == [b"GET /conversations?transferables=false HTTP/1.1"] * 3
