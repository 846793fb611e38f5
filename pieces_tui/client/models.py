"""Pydantic models for the part of the Pieces OS protocol that pieces-tui reads and writes.

Fields are snake_case with the wire spelling as alias where it differs (a few keys are camelCase).
Every model ignores keys it does not know (including `schema`), enums tolerate values a newer
Pieces OS may send (a message role or annotation type keeps its raw name, e.g. `TOOL` or
`COMPACTION`, as a plain `str`; other enums map it to `UNKNOWN`), and the fields the official SDK
requires stay required.
Serialise with `to_wire()` to get a JSON-ready dict with wire keys and no `None`s.

Annotations, assets and websites (what a conversation refers to) are in
`pieces_tui.client.assets`.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from pieces_tui.client.wire_values import ConversationType
from pieces_tui.client.wire_values import as_utc as _as_utc

__all__ = [
    "AnnotationType",
    "Conversation",
    "ConversationMessage",
    "ConversationMessages",
    "ConversationType",
    "Conversations",
    "ConversationsCreateFromAssetOutput",
    "FlattenedAnnotations",
    "FlattenedAssets",
    "FlattenedConversationMessages",
    "FlattenedConversations",
    "FlattenedWebsites",
    "FragmentFormat",
    "GroupedTimestamp",
    "MessageRole",
    "ReferencedAnnotation",
    "ReferencedAsset",
    "ReferencedConversation",
    "ReferencedConversationMessage",
    "ReferencedWebsite",
    "SeededConversation",
    "SeededConversationMessage",
    "is_known_annotation_type",
    "is_known_role",
]

log = logging.getLogger(__name__)


class WireModel(BaseModel):
    """Base of every protocol model: wire aliases, tolerant of unknown keys."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """A JSON-ready dict with wire keys, leaving out unset optional fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- tolerant enums -------------------------------------------------------------------------------

_E = TypeVar("_E", bound=enum.Enum)


def _tolerant(enum_cls: type[_E]) -> Callable[[Any], Any]:
    """A before-validator mapping any unknown value of `enum_cls` to its `UNKNOWN` member."""
    unknown = enum_cls["UNKNOWN"]
    known = {member.value for member in enum_cls}

    def coerce(value: Any) -> Any:
        if isinstance(value, enum_cls):
            return value
        if isinstance(value, str) and value in known:
            return value
        return unknown

    return coerce


class MessageRole(enum.StrEnum):
    UNKNOWN = "UNKNOWN"
    USER = "USER"
    SYSTEM = "SYSTEM"
    ASSISTANT = "ASSISTANT"
    SYSTEM_THINKING = "SYSTEM_THINKING"


class AnnotationType(enum.StrEnum):
    UNKNOWN = "UNKNOWN"
    DESCRIPTION = "DESCRIPTION"
    COMMENT = "COMMENT"
    DOCUMENTATION = "DOCUMENTATION"
    SUMMARY = "SUMMARY"
    EXPLANATION = "EXPLANATION"
    GIT_COMMIT = "GIT_COMMIT"
    KNOWLEDGE_GRAPH = "KNOWLEDGE_GRAPH"
    GENERIC_HIERARCHICAL_SUMMARY = "GENERIC_HIERARCHICAL_SUMMARY"
    QUERY_DRIVEN_HIERARCHICAL_SUMMARY = "QUERY_DRIVEN_HIERARCHICAL_SUMMARY"
    DEEP_STUDY_HIERARCHICAL_SUMMARY = "DEEP_STUDY_HIERARCHICAL_SUMMARY"
    CONVERSATIONALLY_GENERATED_HIERARCHICAL_SUMMARY = (
        "CONVERSATIONALLY_GENERATED_HIERARCHICAL_SUMMARY"
    )
    TEMPORAL_DAY_HIERARCHICAL_SUMMARY = "TEMPORAL_DAY_HIERARCHICAL_SUMMARY"
    TEMPORAL_WEEK_HIERARCHICAL_SUMMARY = "TEMPORAL_WEEK_HIERARCHICAL_SUMMARY"
    TEMPORAL_MONTH_HIERARCHICAL_SUMMARY = "TEMPORAL_MONTH_HIERARCHICAL_SUMMARY"
    TEMPORAL_QUARTER_HIERARCHICAL_SUMMARY = "TEMPORAL_QUARTER_HIERARCHICAL_SUMMARY"
    TEMPORAL_YEAR_HIERARCHICAL_SUMMARY = "TEMPORAL_YEAR_HIERARCHICAL_SUMMARY"
    SPECIFIC_HIERARCHICAL_SUMMARY = "SPECIFIC_HIERARCHICAL_SUMMARY"


# A raw enum name worth keeping: an identifier, as every name of the protocol's enums is. Anything
# else (markup, controls, a novel) becomes UNKNOWN rather than reach the screen as a "name".
_RAW_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def _keep_raw_name(enum_cls: type[_E]) -> Callable[[Any], Any]:
    """A before-validator: a known value becomes its member; an unknown identifier-like name is
    kept as the plain `str` sent (a newer Pieces OS's role or type); anything else is UNKNOWN."""
    unknown = enum_cls["UNKNOWN"]
    known = {member.value: member for member in enum_cls}

    def coerce(value: Any) -> Any:
        if isinstance(value, enum_cls):
            return value
        if isinstance(value, str):
            if value in known:
                return known[value]
            if _RAW_NAME.fullmatch(value):
                return value
        return unknown

    return coerce


TolerantConversationType = Annotated[ConversationType, BeforeValidator(_tolerant(ConversationType))]
# `MessageRole | str`: a known role is its member, a newer one (`TOOL`) its raw name. Both print
# the wire name with `str(...)`; `is_known_role` tells them apart.
TolerantMessageRole = Annotated[MessageRole | str, BeforeValidator(_keep_raw_name(MessageRole))]
TolerantAnnotationType = Annotated[
    AnnotationType | str, BeforeValidator(_keep_raw_name(AnnotationType))
]


def is_known_role(role: MessageRole | str) -> bool:
    """Whether a message role is one this version of the models knows."""
    return isinstance(role, MessageRole)


def is_known_annotation_type(kind: AnnotationType | str) -> bool:
    return isinstance(kind, AnnotationType)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


# -- small shared pieces --------------------------------------------------------------------------


class GroupedTimestamp(WireModel):
    value: UtcDatetime
    readable: str | None = None


class TransferableString(WireModel):
    raw: str | None = None


class FragmentMetadata(WireModel):
    # A ClassificationSpecificEnum in the SDK ("py", "ts", ...); kept as text so new ones pass.
    ext: str | None = None


class FragmentFormat(WireModel):
    string: TransferableString | None = None
    metadata: FragmentMetadata | None = None

    @classmethod
    def of_text(cls, text: str) -> FragmentFormat:
        return cls(string=TransferableString(raw=text))

    @property
    def text(self) -> str | None:
        return self.string.raw if self.string is not None else None


class ReferencedId(WireModel):
    id: str


class ReferencedConversation(ReferencedId):
    pass


class ReferencedConversationMessage(ReferencedId):
    pass


class ReferencedAnnotation(ReferencedId):
    pass


class ReferencedAsset(ReferencedId):
    pass


class ReferencedWebsite(ReferencedId):
    pass


class ReferencedModel(ReferencedId):
    pass


def _ordered_ids(iterable: list[ReferencedId], indices: dict[str, int] | None) -> list[str]:
    """Ids in protocol order: by `indices` when given (index -1 = deleted, left out); ids that
    have no index keep their place in `iterable`, after the indexed ones."""
    if not indices:
        return [ref.id for ref in iterable]
    seen: set[str] = set()
    indexed: list[tuple[int, int, str]] = []
    unindexed: list[str] = []
    for position, ref in enumerate(iterable):
        if ref.id in seen:
            continue
        seen.add(ref.id)
        index = indices.get(ref.id)
        if index is None:
            unindexed.append(ref.id)
        elif index >= 0:
            indexed.append((index, position, ref.id))
    indexed.sort()
    return [ref_id for _, _, ref_id in indexed] + unindexed


class FlattenedConversationMessages(WireModel):
    iterable: list[ReferencedConversationMessage]
    indices: dict[str, int] | None = None

    def ordered_ids(self) -> list[str]:
        """Message ids in conversation order, deleted ones (index -1) left out."""
        return _ordered_ids(list(self.iterable), self.indices)


class FlattenedAnnotations(WireModel):
    iterable: list[ReferencedAnnotation]
    indices: dict[str, int] | None = None

    def ids(self) -> list[str]:
        return _ordered_ids(list(self.iterable), self.indices)


class FlattenedAssets(WireModel):
    iterable: list[ReferencedAsset] | None = None  # optional in the SDK
    indices: dict[str, int] | None = None

    def ids(self) -> list[str]:
        return _ordered_ids(list(self.iterable or []), self.indices)


class FlattenedWebsites(WireModel):
    iterable: list[ReferencedWebsite]
    indices: dict[str, int] | None = None

    def ids(self) -> list[str]:
        return _ordered_ids(list(self.iterable), self.indices)


# -- conversations --------------------------------------------------------------------------------


class Conversation(WireModel):
    id: str
    created: GroupedTimestamp
    updated: GroupedTimestamp
    type: TolerantConversationType
    messages: FlattenedConversationMessages
    name: str | None = None
    favorited: bool | None = None
    demo: bool | None = None
    deleted: GroupedTimestamp | None = None
    model: ReferencedModel | None = None
    annotations: FlattenedAnnotations | None = None
    assets: FlattenedAssets | None = None
    websites: FlattenedWebsites | None = None

    def message_ids(self) -> list[str]:
        """Message ids in conversation order, deleted messages left out."""
        return self.messages.ordered_ids()

    @property
    def message_count(self) -> int:
        return len(self.message_ids())

    @property
    def annotation_ids(self) -> list[str]:
        return self.annotations.ids() if self.annotations is not None else []

    @property
    def asset_ids(self) -> list[str]:
        return self.assets.ids() if self.assets is not None else []

    @property
    def website_ids(self) -> list[str]:
        return self.websites.ids() if self.websites is not None else []


class Conversations(WireModel):
    iterable: list[Conversation]
    indices: dict[str, int] | None = None


class FlattenedConversations(WireModel):
    iterable: list[ReferencedConversation]
    indices: dict[str, int] | None = None

    def ids(self) -> list[str]:
        return _ordered_ids(list(self.iterable), self.indices)


class ConversationsCreateFromAssetOutput(WireModel):
    conversation: ReferencedConversation


class SeededConversationMessage(WireModel):
    """A message to add: to a new conversation (inside `SeededConversation.messages`) or to an
    existing one (`POST /messages/create`, with `conversation` set)."""

    role: TolerantMessageRole
    fragment: FragmentFormat
    conversation: ReferencedConversation | None = None
    model: dict[str, Any] | None = None  # a full `Model` in the SDK; passed through untouched
    created: GroupedTimestamp | None = None

    @classmethod
    def of_text(
        cls, role: MessageRole | str, text: str, *, conversation_id: str | None = None
    ) -> SeededConversationMessage:
        return cls(
            role=MessageRole(role),
            fragment=FragmentFormat.of_text(text),
            conversation=(
                ReferencedConversation(id=conversation_id) if conversation_id is not None else None
            ),
        )


class SeededConversation(WireModel):
    type: TolerantConversationType = ConversationType.COPILOT
    name: str | None = None
    messages: list[SeededConversationMessage] | None = None
    favorited: bool | None = None
    demo: bool | None = None
    model: ReferencedModel | None = None
    assets: FlattenedAssets | None = None
    websites: FlattenedWebsites | None = None


class ConversationMessage(WireModel):
    id: str
    conversation: ReferencedConversation
    created: GroupedTimestamp
    updated: GroupedTimestamp
    role: TolerantMessageRole
    fragment: FragmentFormat | None = None
    deleted: GroupedTimestamp | None = None
    sentiment: str | None = None
    annotations: FlattenedAnnotations | None = None

    @property
    def text(self) -> str:
        """The message text (`fragment.string.raw`), empty when there is none."""
        if self.fragment is None:
            return ""
        return self.fragment.text or ""


class ConversationMessages(WireModel):
    iterable: list[ConversationMessage]
    indices: dict[str, int] | None = None

    def ordered(self) -> list[ConversationMessage]:
        """Messages in conversation order (by `indices`), deleted ones (index -1) left out."""
        by_id = {message.id: message for message in self.iterable}
        order = _ordered_ids([ReferencedId(id=m.id) for m in self.iterable], self.indices)
        return [by_id[message_id] for message_id in order if by_id[message_id].deleted is None]
