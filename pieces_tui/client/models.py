"""Pydantic models for the part of the Pieces OS protocol that pieces-tui reads and writes.

Fields are snake_case with the wire spelling as alias where it differs (a few keys are camelCase).
Every model ignores keys it does not know (including `schema`), enums tolerate values a newer
Pieces OS may send (they become `UNKNOWN`), and the fields the official SDK requires stay required.
Serialise with `to_wire()` to get a JSON-ready dict with wire keys and no `None`s.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

__all__ = [
    "Annotation",
    "AnnotationType",
    "Asset",
    "Assets",
    "Conversation",
    "ConversationMessage",
    "ConversationMessages",
    "ConversationSummary",
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
    "StreamedIdentifier",
    "StreamedIdentifiers",
    "SummaryList",
    "Website",
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


class ConversationType(enum.StrEnum):
    UNKNOWN = "UNKNOWN"
    COPILOT = "COPILOT"


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


TolerantConversationType = Annotated[ConversationType, BeforeValidator(_tolerant(ConversationType))]
TolerantMessageRole = Annotated[MessageRole, BeforeValidator(_tolerant(MessageRole))]
TolerantAnnotationType = Annotated[AnnotationType, BeforeValidator(_tolerant(AnnotationType))]


def _as_utc(value: datetime) -> datetime:
    """Naive timestamps are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


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

    @property
    def display_name(self) -> str:
        """The name, or a stand-in built from the creation time when it has none."""
        name = (self.name or "").strip()
        if name:
            return name
        return f"Untitled conversation ({self.created.value:%Y-%m-%d %H:%M})"


class Conversations(WireModel):
    iterable: list[Conversation]
    indices: dict[str, int] | None = None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

SortKey = tuple[int, str]
"""(-updated in microseconds since the epoch, id): ascending order = newest first, then by id."""


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """What the sidebar shows of one conversation (re-exported by `pieces_tui.store`)."""

    id: str
    name: str | None
    created: datetime
    updated: datetime
    message_count: int
    type: str

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationSummary:
        return cls(
            id=conversation.id,
            name=conversation.name,
            created=conversation.created.value,
            updated=conversation.updated.value,
            message_count=conversation.message_count,
            type=conversation.type.value,
        )

    @property
    def sort_key(self) -> SortKey:
        return (-((self.updated - _EPOCH) // _MICROSECOND), self.id)


_CONVERSATION_TYPES = frozenset(member.value for member in ConversationType)


def _lean_time(value: Any) -> datetime:
    if not isinstance(value, dict):
        raise TypeError("timestamp is not an object")
    text = value["value"]
    if not isinstance(text, str):
        raise TypeError("timestamp value is not a string")
    return _as_utc(datetime.fromisoformat(text))


def _lean_message_count(messages: Any) -> int:
    """`len(Conversation.message_ids())` without building the models."""
    if not isinstance(messages, dict):
        raise TypeError("messages is not an object")
    iterable = messages["iterable"]
    indices = messages.get("indices")
    if not isinstance(iterable, list) or not (indices is None or isinstance(indices, dict)):
        raise TypeError("messages has the wrong shape")
    ids = [ref["id"] for ref in iterable]
    if not all(isinstance(ref_id, str) for ref_id in ids):
        raise TypeError("message id is not a string")
    if not indices:
        return len(ids)
    count = 0
    for ref_id in dict.fromkeys(ids):
        index = indices.get(ref_id)
        if index is None:
            count += 1
        elif not isinstance(index, int) or isinstance(index, bool):
            raise TypeError("message index is not an integer")
        elif index >= 0:
            count += 1
    return count


def _lean_summary(item: Any) -> ConversationSummary:
    """One summary straight from the decoded JSON; anything unusual goes through pydantic."""
    try:
        conversation_id = item["id"]
        name = item.get("name")
        kind = item.get("type")
        if (
            isinstance(conversation_id, str)
            and (name is None or isinstance(name, str))
            and kind in _CONVERSATION_TYPES
        ):
            return ConversationSummary(
                id=conversation_id,
                name=name,
                created=_lean_time(item["created"]),
                updated=_lean_time(item["updated"]),
                message_count=_lean_message_count(item["messages"]),
                type=kind,
            )
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    return ConversationSummary.of(Conversation.model_validate(item))


class SummaryList(list[ConversationSummary]):
    """The summaries read from a bulk body; `skipped` counts the items left out as unreadable."""

    skipped: int = 0


def conversation_summaries_json(data: bytes | str) -> SummaryList:
    """The summaries of a `Conversations` body (bulk `GET /conversations`), without building the
    full models: about five times faster than `Conversations.model_validate_json` at 10,000.

    An item that cannot be read (a required field missing, a wrong type) is left out, counted in
    `SummaryList.skipped` and logged, so one broken conversation does not hide all the others.
    Raises `json.JSONDecodeError` or pydantic's `ValidationError` on a malformed body, and when
    no item at all can be read."""
    raw = json.loads(data)
    if not isinstance(raw, dict) or not isinstance(raw.get("iterable"), list):
        Conversations.model_validate(raw)  # raises a ValidationError that says what is wrong
        raise ValueError("conversations body is not an object with an iterable")  # unreachable
    summaries = SummaryList()
    failures: list[ValidationError] = []
    for item in raw["iterable"]:
        try:
            summaries.append(_lean_summary(item))
        except ValidationError as exc:
            failures.append(exc)
    if failures and not summaries:
        raise failures[0]
    if failures:
        summaries.skipped = len(failures)
        log.warning(
            "GET /conversations: skipped %d of %d conversations that could not be read; first: %s",
            len(failures),
            len(raw["iterable"]),
            str(failures[0])[:300],
        )
    return summaries


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


# -- annotations, assets, websites ----------------------------------------------------------------


class Annotation(WireModel):
    id: str
    created: GroupedTimestamp
    updated: GroupedTimestamp
    type: TolerantAnnotationType
    text: str
    conversation: ReferencedConversation | None = None
    deleted: GroupedTimestamp | None = None


class FlattenedFormat(WireModel):
    id: str | None = None
    fragment: FragmentFormat | None = None


class ReferencedFormat(WireModel):
    id: str
    reference: FlattenedFormat | None = None


class Preview(WireModel):
    base: ReferencedFormat
    overlay: ReferencedFormat | None = None


class Format(WireModel):
    id: str
    fragment: FragmentFormat | None = None


class Formats(WireModel):
    iterable: list[Format]


class Asset(WireModel):
    """A saved snippet. The SDK also requires `creator`, `mechanism`, `original`, `preview` and
    `formats`; emulators keep a subset, so only `id`, `created` and `updated` are required here."""

    id: str
    created: GroupedTimestamp
    updated: GroupedTimestamp
    name: str | None = None
    original: ReferencedFormat | None = None
    preview: Preview | None = None
    formats: Formats | None = None

    def _fragments(self) -> list[FragmentFormat]:
        found: list[FragmentFormat] = []
        refs: list[ReferencedFormat | None] = [self.original]
        if self.preview is not None:
            refs += [self.preview.base, self.preview.overlay]
        for ref in refs:
            if ref is not None and ref.reference is not None and ref.reference.fragment:
                found.append(ref.reference.fragment)
        if self.formats is not None:
            found += [f.fragment for f in self.formats.iterable if f.fragment is not None]
        return found

    @property
    def text(self) -> str | None:
        """The snippet text: the first fragment with a raw string (original, preview, formats)."""
        for fragment in self._fragments():
            if fragment.text is not None:
                return fragment.text
        return None

    @property
    def language(self) -> str | None:
        """The language extension (`py`, `ts`, ...) of the first fragment that names one."""
        for fragment in self._fragments():
            if fragment.metadata is not None and fragment.metadata.ext:
                return fragment.metadata.ext
        return None


class Assets(WireModel):
    iterable: list[Asset]
    indices: dict[str, int] | None = None


class Website(WireModel):
    id: str
    url: str | None = None
    name: str | None = None
    created: GroupedTimestamp | None = None
    updated: GroupedTimestamp | None = None


# -- the identifier stream ------------------------------------------------------------------------


class StreamedIdentifier(WireModel):
    conversation: ReferencedConversation | None = None
    deleted: bool | None = None
    asset: ReferencedAsset | None = None
    annotation: ReferencedAnnotation | None = None
    conversation_message: ReferencedConversationMessage | None = Field(
        default=None, alias="conversationMessage"
    )


class StreamedIdentifiers(WireModel):
    iterable: list[StreamedIdentifier]
