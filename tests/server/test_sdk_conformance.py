"""The official `pieces_os_client` SDK (test-only dependency) against the embedded server.

The SDK validates every answer with its generated pydantic models, so these tests prove the
served JSON has the shapes (and required fields) of the real Pieces OS.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pieces_os_client.api.annotation_api import AnnotationApi
from pieces_os_client.api.asset_api import AssetApi
from pieces_os_client.api.assets_api import AssetsApi
from pieces_os_client.api.conversation_api import ConversationApi
from pieces_os_client.api.conversation_message_api import ConversationMessageApi
from pieces_os_client.api.conversation_messages_api import ConversationMessagesApi
from pieces_os_client.api.conversations_api import ConversationsApi
from pieces_os_client.api.well_known_api import WellKnownApi
from pieces_os_client.api_client import ApiClient
from pieces_os_client.configuration import Configuration
from pieces_os_client.exceptions import BadRequestException, NotFoundException
from pieces_os_client.models.conversation_type_enum import ConversationTypeEnum
from pieces_os_client.models.embeddings_search_options import EmbeddingsSearchOptions
from pieces_os_client.models.embeddings_search_options_embedding_type_enum import (
    EmbeddingsSearchOptionsEmbeddingTypeEnum,
)
from pieces_os_client.models.fragment_format import FragmentFormat
from pieces_os_client.models.full_text_search_options import FullTextSearchOptions
from pieces_os_client.models.qgpt_conversation_message_role_enum import (
    QGPTConversationMessageRoleEnum,
)
from pieces_os_client.models.referenced_conversation import ReferencedConversation
from pieces_os_client.models.search_engine import SearchEngine
from pieces_os_client.models.search_engines import SearchEngines
from pieces_os_client.models.search_input import SearchInput
from pieces_os_client.models.searched_conversation_messages import SearchedConversationMessages
from pieces_os_client.models.searched_conversations import SearchedConversations
from pieces_os_client.models.seeded_conversation import SeededConversation
from pieces_os_client.models.seeded_conversation_message import SeededConversationMessage
from pieces_os_client.models.transferable_string import TransferableString

from pieces_tui.server import EmbeddedServer


@pytest.fixture
def sdk(demo_server: EmbeddedServer) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=demo_server.url)) as client:
        yield client


def message(text: str, role: str = "USER") -> SeededConversationMessage:
    return SeededConversationMessage(
        role=QGPTConversationMessageRoleEnum(role),
        fragment=FragmentFormat(string=TransferableString(raw=text)),
    )


def test_well_known(sdk: ApiClient) -> None:
    assert WellKnownApi(sdk).get_well_known_health().lower().startswith("ok")
    assert WellKnownApi(sdk).get_well_known_version()


def test_snapshot_and_every_referenced_object(sdk: ApiClient) -> None:
    conversations = ConversationsApi(sdk).conversations_snapshot(transferables=True)
    assert len(conversations.iterable) >= 28
    ids = ConversationsApi(sdk).conversations_identifiers_snapshot()
    assert [ref.id for ref in ids.iterable] == [c.id for c in conversations.iterable]
    for conv in conversations.iterable[:6]:
        assert conv.type == ConversationTypeEnum.COPILOT
        one = ConversationApi(sdk).conversation_get_specific_conversation(conv.id)
        assert one == conv
        messages = ConversationApi(sdk).conversation_specific_conversation_messages(conv.id)
        assert [m.id for m in messages.iterable] == [r.id for r in conv.messages.iterable]
        for item in messages.iterable[:2]:
            fetched = ConversationMessageApi(sdk).message_specific_message_snapshot(item.id)
            assert fetched.fragment is not None and fetched.fragment.string is not None
            assert fetched.fragment.string.raw
        assert conv.annotations is not None
        for ref in conv.annotations.iterable:
            annotation = AnnotationApi(sdk).annotation_specific_annotation_snapshot(ref.id)
            assert annotation.text


def test_assets_and_create_from_asset(sdk: ApiClient) -> None:
    ids = AssetsApi(sdk).assets_identifiers_snapshot()
    assert ids.iterable
    assets = AssetsApi(sdk).assets_snapshot(transferables=True)
    assert [a.id for a in assets.iterable] == [r.id for r in ids.iterable]
    asset = AssetApi(sdk).asset_snapshot(ids.iterable[0].id, transferables=True)
    fmt = asset.original.reference
    assert fmt is not None and fmt.fragment is not None and fmt.fragment.string is not None
    assert fmt.fragment.string.raw
    out = ConversationsApi(sdk).conversations_create_from_asset(asset.id)
    conv = ConversationApi(sdk).conversation_get_specific_conversation(out.conversation.id)
    assert conv.name == asset.name


def test_create_message_rename_delete(sdk: ApiClient) -> None:
    conversations = ConversationsApi(sdk)
    seed = SeededConversation(
        type=ConversationTypeEnum.COPILOT,
        name="From the SDK",
        messages=[message("Hello from the SDK")],
    )
    conv = conversations.conversations_create_specific_conversation(
        transferables=False, seeded_conversation=seed
    )
    assert conv.name == "From the SDK" and len(conv.messages.iterable or []) == 1

    reply = message("Hello back", "ASSISTANT")
    reply.conversation = ReferencedConversation(id=conv.id)
    created = ConversationMessagesApi(sdk).messages_create_specific_message(
        transferables=False, seeded_conversation_message=reply
    )
    assert created.conversation.id == conv.id

    conv = ConversationApi(sdk).conversation_get_specific_conversation(conv.id)
    assert [r.id for r in conv.messages.iterable or []][-1] == created.id
    conv.name = "Renamed by the SDK"
    renamed = ConversationApi(sdk).conversation_update(transferables=False, conversation=conv)
    assert renamed.name == "Renamed by the SDK"
    assert renamed.updated.value > conv.created.value

    conversations.conversations_delete_specific_conversation(conv.id)
    with pytest.raises(NotFoundException):
        ConversationApi(sdk).conversation_get_specific_conversation(conv.id)


def test_streamed_identifiers_frames_validate() -> None:
    from pieces_os_client.models.streamed_identifiers import StreamedIdentifiers

    from pieces_tui.server import wire

    frame = StreamedIdentifiers.from_json(wire.streamed_ids(["a", "b"], deleted=True))
    assert frame is not None
    assert [(i.conversation.id, i.deleted) for i in frame.iterable if i.conversation] == [
        ("a", True),
        ("b", True),
    ]


def _full_text(query: str, exact: bool = False) -> SearchInput:
    engine = SearchEngine(query=query, full_text=FullTextSearchOptions(exact=exact))
    return SearchInput(engines=SearchEngines(iterable=[engine]))


def test_search_endpoints(sdk: ApiClient) -> None:
    seed = SeededConversation(
        type=ConversationTypeEnum.COPILOT,
        name="Searched by the SDK",
        messages=[message("a capybara in the message"), message("and a second capybara")],
    )
    conv = ConversationsApi(sdk).conversations_create_specific_conversation(
        transferables=False, seeded_conversation=seed
    )
    found = ConversationsApi(sdk).search_conversations(
        transferables=True, search_input=_full_text("capybara")
    )
    assert isinstance(found, SearchedConversations)
    [hit] = found.iterable
    assert hit.identifier == conv.id and hit.exact is True and 0 < hit.similarity < 1
    assert hit.conversation is not None and hit.conversation.id == conv.id
    assert hit.messages is not None and len(hit.messages.iterable) == 2
    lean = ConversationsApi(sdk).search_conversations(
        transferables=False, search_input=_full_text("searched by", exact=True)
    )
    assert [h.identifier for h in lean.iterable] == [conv.id]
    assert lean.iterable[0].conversation is None

    mine = ConversationApi(sdk).search_conversation_specific_messages(
        conv.id, transferables=True, search_input=_full_text("capybara")
    )
    assert isinstance(mine, SearchedConversationMessages)
    assert {m.identifier for m in mine.iterable} == {r.id for r in conv.messages.iterable or []}
    assert all(
        m.message is not None and m.message.conversation.id == conv.id for m in mine.iterable
    )

    everywhere = ConversationMessagesApi(sdk).search_messages(
        transferables=False, search_input=_full_text("capybara")
    )
    assert isinstance(everywhere, SearchedConversationMessages)
    assert {m.identifier for m in everywhere.iterable} == {m.identifier for m in mine.iterable}
    assert all(m.message is None for m in everywhere.iterable)

    # The demo data is searchable too (names, annotations and messages).
    demo = ConversationsApi(sdk).search_conversations(search_input=_full_text("retry"))
    assert len(demo.iterable) >= 1


def test_search_refusals_are_4xx_for_the_sdk(sdk: ApiClient) -> None:
    engine = SearchEngine(
        query="x",
        embeddings=EmbeddingsSearchOptions(
            type=EmbeddingsSearchOptionsEmbeddingTypeEnum("UNKNOWN")
        ),
    )
    with pytest.raises(BadRequestException) as refused:
        ConversationsApi(sdk).search_conversations(
            search_input=SearchInput(engines=SearchEngines(iterable=[engine]))
        )
    assert "embeddings" in str(refused.value.body)
    with pytest.raises(NotFoundException):
        ConversationApi(sdk).search_conversation_specific_messages(
            "no-such-conversation", search_input=_full_text("x")
        )


def test_favorited_through_the_sdk(sdk: ApiClient) -> None:
    conv = ConversationsApi(sdk).conversations_create_specific_conversation(
        transferables=False,
        seeded_conversation=SeededConversation(type=ConversationTypeEnum.COPILOT, name="fav"),
    )
    assert not conv.favorited
    conv.favorited = True
    updated = ConversationApi(sdk).conversation_update(transferables=False, conversation=conv)
    assert updated.favorited is True and updated.name == "fav"
    again = ConversationApi(sdk).conversation_get_specific_conversation(conv.id)
    assert again.favorited is True
