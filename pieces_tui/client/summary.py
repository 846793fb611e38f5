"""What the sidebar needs of a conversation, `ConversationSummary`, and the one sort key.

This module is what the first frame needs of the client layer (the list snapshot builds these
rows, the store orders them), so it imports neither the network stack (httpx, websockets) nor
pydantic: the app paints the saved list before any of those are loaded. The parsers that build
summaries from the wire live in `pieces_tui.client.summaries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar, dataclass_transform

if TYPE_CHECKING:
    from pieces_tui.client.models import Conversation

__all__ = ["ConversationSummary", "SortKey", "sort_key"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

SortKey = tuple[int, str]
"""(-updated in microseconds since the epoch, id): ascending order = newest first, then by id."""


def sort_key(updated: datetime, conversation_id: str) -> SortKey:
    """The one display order of conversations, as an ascending key (exact to the µs)."""
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return (-((updated - _EPOCH) // _MICROSECOND), conversation_id)


_T = TypeVar("_T")


@dataclass_transform(frozen_default=True)
def _immutable(cls: type[_T]) -> type[_T]:
    """A slots dataclass that type checkers treat as frozen (mypy rejects any assignment to a
    field) but that is not frozen at run time: a frozen dataclass's `__init__` sets each field
    through `object.__setattr__`: building 50,000 summaries took 0.52 s frozen vs 0.28 s like
    this (medians, loaded machine), and a 50,000-row snapshot load 1.34 s vs 1.02 s. Hash and
    equality stay those of a frozen one.
    Nothing assigns to a summary's fields: mypy checks it (and a test checks that it does)."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


@_immutable
class ConversationSummary:
    """What the sidebar shows of one conversation (re-exported by `pieces_tui.state.store`)."""

    id: str
    name: str | None
    created: datetime
    updated: datetime
    message_count: int
    type: str
    favorited: bool = False

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationSummary:
        return cls(
            id=conversation.id,
            name=conversation.name,
            created=conversation.created.value,
            updated=conversation.updated.value,
            message_count=conversation.message_count,
            type=conversation.type.value,
            favorited=bool(conversation.favorited),
        )

    @property
    def sort_key(self) -> SortKey:
        return sort_key(self.updated, self.id)
