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
from pieces_os_client.exceptions import NotFoundException
from pieces_os_client.models.conversation_type_enum import ConversationTypeEnum
from pieces_os_client.models.fragment_format import FragmentFormat
from pieces_os_client.models.qgpt_conversation_message_role_enum import (
    QGPTConversationMessageRoleEnum,
)
from pieces_os_client.models.referenced_conversation import ReferencedConversation
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
