"""PiecesClient against the embedded server over real sockets, and every error type."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from pieces_tui.client import (
    BadRequest,
    NotFound,
    PiecesClient,
    PiecesUnavailable,
    ProtocolError,
    ServerError,
)
from pieces_tui.client.models import AnnotationType, ConversationType, MessageRole
from pieces_tui.server import EmbeddedServer


@pytest.fixture
async def client(server: EmbeddedServer) -> AsyncIterator[PiecesClient]:
    async with PiecesClient(server.url, timeout=5) as client:
        yield client


@pytest.fixture
async def demo_client(demo_server: EmbeddedServer) -> AsyncIterator[PiecesClient]:
    async with PiecesClient(demo_server.url, timeout=5) as client:
        yield client


async def test_health_and_version(client: PiecesClient) -> None:
    assert (await client.health()).lower().startswith("ok")
    assert await client.version()


async def test_create_read_rename_delete(client: PiecesClient) -> None:
    assert await client.conversations() == []
    created = await client.create_conversation(
        "First chat", [(MessageRole.USER, "Hello?"), ("ASSISTANT", "Hi there.")]
    )
    assert created.name == "First chat"
    assert created.type is ConversationType.COPILOT
    assert created.message_count == 2
    assert await client.conversation_ids() == [created.id]

    fetched = await client.conversation(created.id)
    assert fetched.id == created.id
    messages = await client.messages(created.id)
    assert [(m.role, m.text) for m in messages] == [
        (MessageRole.USER, "Hello?"),
        (MessageRole.ASSISTANT, "Hi there."),
    ]
    assert fetched.message_ids() == [m.id for m in messages]
    one = await client.message(messages[1].id)
    assert one.text == "Hi there." and one.conversation.id == created.id

    added = await client.add_message(created.id, MessageRole.USER, "And another")
    assert added.text == "And another"
    after = await client.conversation(created.id)
    assert after.message_ids()[-1] == added.id
    assert after.updated.value >= fetched.updated.value

    renamed = await client.rename_conversation(created.id, "Renamed ✓")
    assert renamed.name == "Renamed ✓"
    assert (await client.conversation(created.id)).name == "Renamed ✓"
    # Renaming keeps the messages.
    assert renamed.message_ids() == after.message_ids()

    untitled = await client.create_conversation()
    assert untitled.message_count == 0
    everything = await client.conversations()
    assert {c.id for c in everything} == {created.id, untitled.id}

    await client.delete_conversation(created.id)
    with pytest.raises(NotFound):
        await client.conversation(created.id)
    assert await client.conversation_ids() == [untitled.id]


async def test_bulk_helpers_coalesce_and_bound(client: PiecesClient) -> None:
    made = [await client.create_conversation(f"c{i}") for i in range(5)]
    ids = [c.id for c in made]
    result = await client.conversations_by_ids([*ids, ids[0], "missing-id", ids[1]])
    assert list(result) == [*ids, "missing-id"]
    assert result["missing-id"] is None
    assert all(result[i] is not None and result[i].id == i for i in ids)  # type: ignore[union-attr]


async def test_assets_annotations_and_from_asset(demo_client: PiecesClient) -> None:
    assert await demo_client.assets()
    assets = await demo_client.assets(transferables=True)
    first = assets[0]
    assert first.name and first.text and first.language
    again = await demo_client.asset(first.id)
    assert again.id == first.id and again.text == first.text
    bare = await demo_client.asset(first.id, transferables=False)
    assert bare.name == first.name

    grounded = await demo_client.create_from_asset(first.id, name="About the snippet")
    assert grounded.name == "About the snippet"
    assert first.id in grounded.asset_ids
    unnamed = await demo_client.create_from_asset(first.id)
    assert unnamed.id != grounded.id

    conversations = await demo_client.conversations()
    annotation_ids = [a for c in conversations for a in c.annotation_ids]
    assert annotation_ids, "the demo data has summaries"
    one = await demo_client.annotation(annotation_ids[0])
    assert one.text
    many = await demo_client.annotations([*annotation_ids, annotation_ids[0], "nope"])
    assert [a.id for a in many] == list(dict.fromkeys(annotation_ids))
    assert any(a.type is AnnotationType.SUMMARY for a in many)


async def test_not_found_everywhere(client: PiecesClient) -> None:
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: client.conversation("nope"),
        lambda: client.messages("nope"),
        lambda: client.message("nope"),
        lambda: client.asset("nope"),
        lambda: client.annotation("nope"),
        lambda: client.rename_conversation("nope", "x"),
        lambda: client.add_message("nope", "USER", "x"),
        lambda: client.create_from_asset("nope"),
    ]
    for call in calls:
        with pytest.raises(NotFound) as caught:
            await call()
        assert caught.value.status == 404
        assert isinstance(caught.value, ServerError)


async def test_bad_request_carries_the_server_text(server: EmbeddedServer) -> None:
    # The embedded server refuses a message without a conversation (422 with a text body);
    # the client never sends one, so the request is made through the client's plumbing.
    async with PiecesClient(server.url) as client:
        with pytest.raises(BadRequest) as caught:
            await client._request("POST", "/messages/create", body={"role": "USER"})
    assert 400 <= caught.value.status < 500 and caught.value.status != 404
    assert caught.value.text


async def test_stopped_server_is_unavailable(server: EmbeddedServer) -> None:
    async with PiecesClient(server.url, timeout=2) as client:
        assert await client.conversations() == []
        await asyncio.to_thread(server.stop)
        with pytest.raises(PiecesUnavailable):
            await client.conversations()
        with pytest.raises(PiecesUnavailable):
            await client.health()
        await asyncio.to_thread(server.start)
        assert await client.conversations() == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_nothing_listening_is_unavailable() -> None:
    async with PiecesClient(f"http://127.0.0.1:{free_port()}", timeout=2) as client:
        with pytest.raises(PiecesUnavailable):
            await client.conversation_ids()


class FaultyServer:
    """A tiny raw-asyncio HTTP server answering one canned response to every request.

    Why not the embedded server: it never answers 500 or malformed JSON on purpose, and these
    are faults a real Pieces OS can produce (its errors are 500 with a text body). This is a real
    socket server, not a mock of the client's transport.
    """

    def __init__(self, status: str, content_type: str, body: bytes, *, hang: bool = False) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body
        self.hang = hang
        self.url = ""
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            if self.hang:
                await asyncio.Event().wait()  # never answers: the client must time out
            head = (
                f"HTTP/1.1 {self.status}\r\nContent-Type: {self.content_type}\r\n"
                f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + self.body)
            await writer.drain()
        finally:
            writer.close()

    async def __aenter__(self) -> FaultyServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()


async def test_500_is_server_error_with_text() -> None:
    async with (
        FaultyServer("500 Internal Server Error", "text/plain", b"database is locked") as fault,
        PiecesClient(fault.url) as client,
    ):
        with pytest.raises(ServerError) as caught:
            await client.conversations()
    assert caught.value.status == 500
    assert caught.value.text == "database is locked"
    assert not isinstance(caught.value, (NotFound, BadRequest))
    assert "database is locked" in str(caught.value)


async def test_malformed_json_is_protocol_error() -> None:
    async with (
        FaultyServer("200 OK", "application/json", b'{"iterable": [') as fault,
        PiecesClient(fault.url) as client,
    ):
        with pytest.raises(ProtocolError) as caught:
            await client.conversations()
    assert "JSON" in str(caught.value)


async def test_wrong_shape_is_protocol_error() -> None:
    async with (
        FaultyServer("200 OK", "application/json", b'{"iterable": [{"id": 1}]}') as fault,
        PiecesClient(fault.url) as client,
    ):
        with pytest.raises(ProtocolError) as caught:
            await client.conversations()
    assert caught.value.detail


async def test_timeout_is_unavailable() -> None:
    async with (
        FaultyServer("200 OK", "text/plain", b"", hang=True) as fault,
        PiecesClient(fault.url, timeout=0.2) as client,
    ):
        with pytest.raises(PiecesUnavailable) as caught:
            await client.conversations()
    assert "did not answer" in str(caught.value)
