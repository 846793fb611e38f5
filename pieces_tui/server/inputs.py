"""Request bodies the server accepts, validated with pydantic (server-side, lenient on extras).

Only the fields the emulator acts on are declared; everything else a real client sends
(`schema`, `application`, `pipeline`...) is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pieces_tui.labels import NAME_MAX_LENGTH
from pieces_tui.server.errors import ApiError

Role = Literal["USER", "ASSISTANT", "SYSTEM", "SYSTEM_THINKING", "UNKNOWN"]
AnnotationType = Literal[
    "UNKNOWN",
    "DESCRIPTION",
    "COMMENT",
    "DOCUMENTATION",
    "SUMMARY",
    "EXPLANATION",
    "GIT_COMMIT",
    "KNOWLEDGE_GRAPH",
    "GENERIC_HIERARCHICAL_SUMMARY",
    "QUERY_DRIVEN_HIERARCHICAL_SUMMARY",
    "DEEP_STUDY_HIERARCHICAL_SUMMARY",
    "CONVERSATIONALLY_GENERATED_HIERARCHICAL_SUMMARY",
    "TEMPORAL_DAY_HIERARCHICAL_SUMMARY",
    "TEMPORAL_WEEK_HIERARCHICAL_SUMMARY",
    "TEMPORAL_MONTH_HIERARCHICAL_SUMMARY",
    "TEMPORAL_QUARTER_HIERARCHICAL_SUMMARY",
    "TEMPORAL_YEAR_HIERARCHICAL_SUMMARY",
    "SPECIFIC_HIERARCHICAL_SUMMARY",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Ref(_Body):
    id: str = Field(min_length=1)


class Flattened(_Body):
    iterable: list[Ref] = []


class Timestamp(_Body):
    value: datetime

    @field_validator("value")
    @classmethod
    def _in_utc_range(cls, value: datetime) -> datetime:
        """Stored in UTC: a time near year 1 or 9999 whose offset moves it out of range is
        refused here (422), not on the way into the database."""
        try:
            (value.replace(tzinfo=UTC) if value.tzinfo is None else value).astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("out of range once converted to UTC") from exc
        return value


class TransferableString(_Body):
    raw: str | None = None


class Fragment(_Body):
    string: TransferableString | None = None

    @property
    def text(self) -> str:
        return (self.string.raw or "") if self.string else ""


class SeededMessage(_Body):
    """`SeededConversationMessage`: a message to add (to a new or an existing conversation)."""

    role: Role
    fragment: Fragment
    conversation: Ref | None = None
    model: Ref | None = None
    created: Timestamp | None = None


class SeededAnnotation(_Body):
    type: AnnotationType
    text: str


class SeededConversation(_Body):
    type: Literal["COPILOT", "UNKNOWN"] = "COPILOT"
    name: str | None = None  # bounded by `check_name`
    favorited: bool = False
    demo: bool = False
    model: Ref | None = None
    messages: list[SeededMessage] = []
    annotations: list[SeededAnnotation] = []
    assets: Flattened | None = None
    websites: Flattened | None = None


class ConversationUpdate(_Body):
    """The `Conversation` body of POST /conversation/update. Only name, favorited, model apply."""

    id: str = Field(min_length=1)
    name: str | None = None  # bounded by `check_name`
    favorited: bool | None = None
    model: Ref | None = None


def check_name(name: str | None, stored: Callable[[], str | None] | None = None) -> None:
    """The one rule on conversation names, for create and update alike: at most NAME_MAX_LENGTH
    characters, or ApiError(422). Except the name the conversation already has (`stored()`,
    asked only for a name past the bound): clients send the whole conversation back with each
    update, so a longer name stored before the limit must not make every other update fail."""
    if name is None or len(name) <= NAME_MAX_LENGTH:
        return
    if stored is not None and stored() == name:
        return
    raise ApiError(
        422, f"invalid body\nname: at most {NAME_MAX_LENGTH} characters ({len(name)} sent)"
    )


def describe(error: ValidationError) -> str:
    """One line per problem, naming the field, e.g. `messages.0.role: Input should be 'USER'...`."""
    lines = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "body"
        lines.append(f"{where}: {item['msg']}")
    return "invalid body\n" + "\n".join(lines)


class SeededApplication(_Body):
    """`SeededTrackedApplication` of `POST /connect` (name and platform are SDK enums; any text
    is kept as sent)."""

    name: str = Field(min_length=1)
    platform: str = Field(min_length=1)
    version: str
    privacy: str | None = None


class SeededConnection(_Body):
    """`SeededConnectorConnection`, the body of `POST /connect`."""

    application: SeededApplication


class SummarizeInput(_Body):
    """`ConversationSummarizeInput`: optionally, the messages to summarize."""

    messages: Flattened | None = None


class MessageUpdate(_Body):
    """The `ConversationMessage` body of `POST /message/update`: its text and role apply."""

    id: str = Field(min_length=1)
    role: Role | None = None
    fragment: Fragment | None = None
