"""A keep-alive connection the server closes just as the client reuses it.

A real server produces this only by timing luck (its idle timer firing as a request arrives), so
this test uses a small raw HTTP server of its own that does it every time: it answers the first
request on a connection and then closes that connection, without a word, when the next request
arrives on it. New connections are answered normally."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from pieces_tui.client import PiecesClient, PiecesUnavailable

OK = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"


class ClosingServer:
    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.dropped = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answered = False
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                self.requests.append(head.split(b"\r\n", 1)[0])
                if answered:
                    self.dropped += 1
                    return  # close without answering: the stale-connection race, every time
                writer.write(OK)
                await writer.drain()
                answered = True
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def closing_server() -> AsyncIterator[tuple[ClosingServer, str]]:
    state = ClosingServer()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield state, f"http://127.0.0.1:{port}"


async def test_a_read_on_a_connection_closed_under_it_is_sent_again_once(
    closing_server: tuple[ClosingServer, str],
) -> None:
    state, url = closing_server
    async with PiecesClient(url, timeout=5) as client:
        assert await client.health() == "ok"
        # The pooled connection is reused and dropped: the client retries on a new one.
        assert await client.health() == "ok"
    assert state.dropped == 1
    assert state.requests == [b"GET /.well-known/health HTTP/1.1"] * 3


async def test_a_write_on_a_connection_closed_under_it_is_not_sent_again(
    closing_server: tuple[ClosingServer, str],
) -> None:
    state, url = closing_server
    async with PiecesClient(url, timeout=5) as client:
        assert await client.health() == "ok"
        with pytest.raises(PiecesUnavailable):
            await client.create_conversation(name="once")
    assert state.dropped == 1
    assert [line.split(b" ")[0] for line in state.requests] == [b"GET", b"POST"]
