"""PiecesClient's search and favorites methods against the embedded server over real sockets."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import httpx
import pytest

from pieces_tui.client import (
    BadRequest,
    NotFound,
    PiecesClient,
    PiecesUnavailable,
    ProtocolError,
    SearchedConversation,
    SearchSnippet,
)
from pieces_tui.client.search import search_input
from pieces_tui.server import EmbeddedServer


@pytest.fixture
async def client(server: EmbeddedServer) -> AsyncIterator[PiecesClient]:
    async with PiecesClient(server.url, timeout=5) as client:
        yield client


async def test_search_conversations_and_messages(client: PiecesClient) -> None:
    conv = await client.create_conversation(
        "Tapir notes", [("USER", "where do tapirs live?"), ("ASSISTANT", "tapirs live in forests")]
    )
    other = await client.create_conversation("Other", [("USER", "nothing to see")])
    [hit] = await client.search_conversations("tapir")
    assert isinstance(hit, SearchedConversation)
    assert hit.identifier == conv.id and hit.conversation is None
    assert len(hit.message_hits) == 2 and hit.annotation_hits == []
    snippet = hit.best_snippet
    assert snippet is not None
    assert [snippet.text[s:e].lower() for s, e in snippet.matches] == ["tapirs"]

    [full] = await client.search_conversations("tapirs live", exact=True, transferables=True)
    assert full.exact and full.conversation is not None and full.conversation.id == conv.id
    assert all(m.message is not None for m in full.message_hits)

    mine = await client.search_conversation_messages(conv.id, "forests", transferables=True)
    assert [m.message.text for m in mine if m.message] == ["tapirs live in forests"]
    assert await client.search_conversation_messages(other.id, "tapir") == []
    everywhere = await client.search_messages("tapirs")
    assert {m.identifier for m in everywhere} == set(conv.message_ids())
    assert len(await client.search_messages("tapirs", limit=1)) == 1
    assert await client.search_conversations('"') == []


async def test_search_errors_are_the_usual_ones(client: PiecesClient) -> None:
    with pytest.raises(NotFound):
        await client.search_conversation_messages("missing", "x")
    with pytest.raises(BadRequest, match="query is required"):
        await client.search_conversations("   ")
    with pytest.raises(BadRequest, match="limit"):
        await client.search_conversations("x", limit=0)
    with pytest.raises(ValueError, match="similarity"):
        await client.search_conversations("x", similarity=1.5)


async def test_search_when_pieces_os_is_gone() -> None:
    async with PiecesClient("http://127.0.0.1:9", timeout=1) as client:
        with pytest.raises(PiecesUnavailable):
            await client.search_conversations("x")


async def test_a_bad_search_answer_is_a_protocol_error() -> None:
    # A mock transport: the embedded server never answers 200 with a body of the wrong shape.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"iterable": [{"identifier": "x"}]})

    transport = httpx.MockTransport(handler)
    async with PiecesClient("http://pieces.test", transport=transport) as client:
        with pytest.raises(ProtocolError, match="SearchedConversations"):
            await client.search_conversations("x")


def test_snippet_offsets_are_checked_and_similarity_kept_finite() -> None:
    snippet = SearchSnippet.model_validate(
        {"text": "hello world", "matches": [[6, 11], [0, 5], [3, 8], [-1, 2], [5, 99], [4, 4]]}
    )
    assert snippet.matches == [(0, 5), (6, 11)]
    hit = SearchedConversation.model_validate(
        {"identifier": "c", "exact": False, "similarity": math.nan, "extra": 1}
    )
    assert hit.similarity == 0.0 and hit.best_snippet is None
    assert search_input("q", exact=True) == {
        "engines": {"iterable": [{"query": "q", "full_text": {"exact": True}}]}
    }


async def test_set_favorited_round_trips_and_keeps_the_rest(client: PiecesClient) -> None:
    conv = await client.create_conversation("Star me", [("USER", "hi")])
    starred = await client.set_favorited(conv.id, True)
    assert starred.favorited is True and starred.name == "Star me"
    assert starred.message_ids() == conv.message_ids()
    assert (await client.conversation(conv.id)).favorited is True
    unstarred = await client.set_favorited(conv.id, False)
    assert unstarred.favorited is False
    with pytest.raises(NotFound):
        await client.set_favorited("missing", True)
