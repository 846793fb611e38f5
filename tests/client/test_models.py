"""Our models against the official SDK's: what it produces we parse, what we send it accepts."""

from __future__ import annotations

import importlib
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from pieces_tui.client.assets import Annotation, Asset, Website
from pieces_tui.client.models import (
    AnnotationType,
    Conversation,
    ConversationMessage,
    ConversationMessages,
    Conversations,
    ConversationsCreateFromAssetOutput,
    ConversationType,
    FlattenedConversations,
    MessageRole,
    SeededConversation,
    SeededConversationMessage,
)

from .helpers import StreamedIdentifiers


class _Sdk:
    """The official SDK's models by class name (its `models/__init__.py` exports nothing)."""

    def __getattr__(self, name: str) -> Any:
        module = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
        return getattr(importlib.import_module(f"pieces_os_client.models.{module}"), name)


sdk = _Sdk()

T1 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
T2 = datetime(2024, 5, 2, 8, 30, 15, 123456, tzinfo=UTC)


def ts(value: datetime = T1) -> sdk.GroupedTimestamp:
    return sdk.GroupedTimestamp(value=value, readable="some time ago")


def wire(model: Any) -> Any:
    """What the SDK would put on the wire: its JSON (by alias, unset fields left out), parsed.
    (The SDK's own `to_json()` cannot encode datetimes, so pydantic's dump is used.)"""
    return json.loads(model.model_dump_json(by_alias=True, exclude_none=True))


def sdk_full_conversation() -> sdk.Conversation:
    return sdk.Conversation(
        id="c1",
        name="Refactor the parser",
        created=ts(T1),
        updated=ts(T2),
        type=sdk.ConversationTypeEnum.COPILOT,
        favorited=True,
        demo=False,
        messages=sdk.FlattenedConversationMessages(
            iterable=[
                sdk.ReferencedConversationMessage(id="m3"),
                sdk.ReferencedConversationMessage(id="m1"),
                sdk.ReferencedConversationMessage(id="m2"),
                sdk.ReferencedConversationMessage(id="gone"),
            ],
            indices={"m1": 0, "m2": 1, "m3": 2, "gone": -1},
        ),
        model=sdk.ReferencedModel(id="model-1"),
        annotations=sdk.FlattenedAnnotations(
            iterable=[sdk.ReferencedAnnotation(id="a1"), sdk.ReferencedAnnotation(id="a2")]
        ),
        assets=sdk.FlattenedAssets(iterable=[sdk.ReferencedAsset(id="s1")]),
        websites=sdk.FlattenedWebsites(iterable=[sdk.ReferencedWebsite(id="w1")]),
    )


def test_full_conversation_from_sdk() -> None:
    payload = wire(sdk_full_conversation())
    conversation = Conversation.model_validate(payload)
    assert conversation.id == "c1"
    assert conversation.name == "Refactor the parser"
    assert conversation.type is ConversationType.COPILOT
    assert conversation.created.value == T1
    assert conversation.updated.value == T2
    assert conversation.updated.readable == "some time ago"
    assert conversation.message_ids() == ["m1", "m2", "m3"]
    assert conversation.message_count == 3
    assert conversation.annotation_ids == ["a1", "a2"]
    assert conversation.asset_ids == ["s1"]
    assert conversation.website_ids == ["w1"]
    assert conversation.model is not None and conversation.model.id == "model-1"


def test_minimal_conversation_from_sdk() -> None:
    minimal = sdk.Conversation(
        id="c2",
        created=ts(),
        updated=ts(),
        type=sdk.ConversationTypeEnum.UNKNOWN,
        messages=sdk.FlattenedConversationMessages(iterable=[]),
    )
    conversation = Conversation.model_validate(wire(minimal))
    assert conversation.name is None
    assert conversation.message_ids() == []
    assert conversation.annotation_ids == conversation.asset_ids == conversation.website_ids == []


def test_unknown_fields_and_enum_values_are_tolerated() -> None:
    payload = wire(sdk_full_conversation())
    payload["type"] = "SOMETHING_NEW"
    payload["grounding"] = {"messages": {"iterable": []}, "brand_new": 1}
    payload["schema"] = {"semantic": "MAJOR_0_MINOR_0_PATCH_1"}
    payload["future_field"] = [1, 2, 3]
    payload["messages"]["iterable"][0]["extra"] = True
    conversation = Conversation.model_validate(payload)
    assert conversation.type is ConversationType.UNKNOWN
    assert conversation.message_ids() == ["m1", "m2", "m3"]


def test_messages_without_indices_keep_iterable_order() -> None:
    payload = wire(sdk_full_conversation())
    del payload["messages"]["indices"]
    conversation = Conversation.model_validate(payload)
    assert conversation.message_ids() == ["m3", "m1", "m2", "gone"]


@pytest.mark.parametrize("missing", ["id", "created", "updated", "type", "messages"])
def test_required_conversation_fields_stay_required(missing: str) -> None:
    payload = wire(sdk_full_conversation())
    del payload[missing]
    with pytest.raises(ValidationError):
        Conversation.model_validate(payload)


def test_naive_timestamps_are_utc() -> None:
    payload = wire(sdk_full_conversation())
    payload["created"]["value"] = "2024-05-01T12:00:00"
    payload["updated"]["value"] = "2024-05-02T10:30:15.123456+02:00"
    conversation = Conversation.model_validate(payload)
    assert conversation.created.value == T1
    assert conversation.updated.value == T2
    assert conversation.updated.value.tzinfo is UTC


def test_conversations_and_identifiers() -> None:
    payload = wire(sdk.Conversations(iterable=[sdk_full_conversation()]))
    assert [c.id for c in Conversations.model_validate(payload).iterable] == ["c1"]
    ids = sdk.FlattenedConversations(
        iterable=[sdk.ReferencedConversation(id="x"), sdk.ReferencedConversation(id="y")]
    )
    assert FlattenedConversations.model_validate(wire(ids)).ids() == ["x", "y"]
    out = sdk.ConversationsCreateFromAssetOutput(conversation=sdk.ReferencedConversation(id="z"))
    assert ConversationsCreateFromAssetOutput.model_validate(wire(out)).conversation.id == "z"


def sdk_message(message_id: str, role: str, text: str, **extra: Any) -> sdk.ConversationMessage:
    return sdk.ConversationMessage(
        id=message_id,
        conversation=sdk.ReferencedConversation(id="c1"),
        created=ts(),
        updated=ts(),
        role=sdk.QGPTConversationMessageRoleEnum(role),
        fragment=sdk.FragmentFormat(string=sdk.TransferableString(raw=text)),
        **extra,
    )


def test_messages_ordered_by_indices_and_text() -> None:
    payload = wire(
        sdk.ConversationMessages(
            iterable=[
                sdk_message("m2", "ASSISTANT", "Hello!"),
                sdk_message("m1", "USER", "Hi"),
                sdk_message("m0", "SYSTEM", "dropped"),
                sdk_message("m3", "SYSTEM_THINKING", "hmm"),
            ],
            indices={"m1": 0, "m2": 1, "m0": -1, "m3": 2},
        )
    )
    ordered = ConversationMessages.model_validate(payload).ordered()
    assert [(m.id, m.role, m.text) for m in ordered] == [
        ("m1", MessageRole.USER, "Hi"),
        ("m2", MessageRole.ASSISTANT, "Hello!"),
        ("m3", MessageRole.SYSTEM_THINKING, "hmm"),
    ]


def test_message_unknown_role_and_no_fragment() -> None:
    payload = wire(sdk_message("m1", "USER", "x"))
    payload["role"] = "TOOL"
    del payload["fragment"]
    message = ConversationMessage.model_validate(payload)
    assert message.role == "TOOL" and not isinstance(message.role, MessageRole)  # raw name kept
    assert message.text == ""
    payload["role"] = "[b]not a name[/b]"
    assert ConversationMessage.model_validate(payload).role is MessageRole.UNKNOWN


def test_annotation_types() -> None:
    for kind in sdk.AnnotationTypeEnum:
        annotation = sdk.Annotation(
            id="a", created=ts(), updated=ts(), type=kind, text="Summary text"
        )
        parsed = Annotation.model_validate(wire(annotation))
        assert parsed.type.value == kind.value
        assert parsed.text == "Summary text"
    payload = wire(sdk.Annotation(id="a", created=ts(), updated=ts(), type="SUMMARY", text="t"))
    payload["type"] = "BRAND_NEW_KIND"
    assert Annotation.model_validate(payload).type == "BRAND_NEW_KIND"  # raw name kept
    payload["type"] = 7
    assert Annotation.model_validate(payload).type is AnnotationType.UNKNOWN


def test_asset_text_and_language() -> None:
    payload = {
        "id": "s1",
        "name": "quicksort.py",
        "created": {"value": "2024-05-01T12:00:00Z"},
        "updated": {"value": "2024-05-01T12:00:00Z"},
        "creator": "someone",
        "mechanism": "MANUAL",
        "original": {
            "id": "f1",
            "reference": {
                "id": "f1",
                "fragment": {"string": {"raw": "def qs(): ..."}, "metadata": {"ext": "py"}},
            },
        },
        "preview": {"base": {"id": "f1"}},
        "formats": {"iterable": []},
    }
    asset = Asset.model_validate(payload)
    assert asset.name == "quicksort.py"
    assert asset.text == "def qs(): ..."
    assert asset.language == "py"
    # Content only in formats: still found.
    payload["original"] = {"id": "f1"}
    payload["formats"] = {
        "iterable": [
            {
                "id": "f2",
                "fragment": {"string": {"raw": "let x = 1"}, "metadata": {"ext": "ts"}},
                "unknown": 1,
            }
        ]
    }
    asset = Asset.model_validate(payload)
    assert (asset.text, asset.language) == ("let x = 1", "ts")


def test_website() -> None:
    website = sdk.Website(
        id="w1", created=ts(), updated=ts(), name="Docs", url="https://docs.pieces.app"
    )
    parsed = Website.model_validate(wire(website))
    assert (parsed.url, parsed.name) == ("https://docs.pieces.app", "Docs")


def test_streamed_identifiers() -> None:
    frame = sdk.StreamedIdentifiers(
        iterable=[
            sdk.StreamedIdentifier(conversation=sdk.ReferencedConversation(id="c1")),
            sdk.StreamedIdentifier(conversation=sdk.ReferencedConversation(id="c2"), deleted=True),
            sdk.StreamedIdentifier(asset=sdk.ReferencedAsset(id="s1")),
        ]
    )
    parsed = StreamedIdentifiers.model_validate(wire(frame))
    assert [
        (i.conversation.id if i.conversation else None, i.deleted) for i in parsed.iterable
    ] == [
        ("c1", None),
        ("c2", True),
        (None, None),
    ]


def test_our_seeded_conversation_is_accepted_by_the_sdk() -> None:
    ours = SeededConversation(
        name="New chat",
        messages=[
            SeededConversationMessage.of_text(MessageRole.USER, "What is a monad?"),
            SeededConversationMessage.of_text("ASSISTANT", "A monoid in..."),
        ],
        favorited=False,
    )
    body = ours.to_wire()
    theirs = sdk.SeededConversation.from_dict(body)
    assert theirs is not None
    assert theirs.type == sdk.ConversationTypeEnum.COPILOT
    assert theirs.name == "New chat"
    assert theirs.messages is not None
    assert [m.role.value for m in theirs.messages] == ["USER", "ASSISTANT"]
    assert theirs.messages[0].fragment.string is not None
    assert theirs.messages[0].fragment.string.raw == "What is a monad?"
    # And the SDK's own serialisation parses back into ours unchanged.
    assert SeededConversation.model_validate(wire(theirs)) == ours
    # Minimal: only the type.
    assert sdk.SeededConversation.from_dict(SeededConversation().to_wire()) is not None


def test_our_seeded_message_is_accepted_by_the_sdk() -> None:
    body = SeededConversationMessage.of_text("USER", "hello", conversation_id="c9").to_wire()
    theirs = sdk.SeededConversationMessage.from_dict(body)
    assert theirs is not None
    assert theirs.conversation is not None and theirs.conversation.id == "c9"
    assert theirs.role == sdk.QGPTConversationMessageRoleEnum.USER


def test_our_conversation_round_trips_through_the_sdk() -> None:
    ours = Conversation.model_validate(wire(sdk_full_conversation()))
    theirs = sdk.Conversation.from_dict(ours.to_wire())
    assert theirs is not None
    assert theirs.id == "c1" and theirs.name == "Refactor the parser"
    assert Conversation.model_validate(wire(theirs)) == ours
