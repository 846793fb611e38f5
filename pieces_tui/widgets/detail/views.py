"""What the detail pane shows, as plain data (the detail loader builds it from the client's
models; the pane never sees those)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["ConversationView", "MessageFetcher", "MessageView"]


@dataclass(frozen=True)
class MessageView:
    id: str
    role: str
    text: str
    created: datetime | None = None


@dataclass(frozen=True)
class ConversationView:
    """What the pane shows of one conversation."""

    id: str
    name: str | None
    type: str
    created: datetime
    updated: datetime
    model: str | None = None
    annotations: Sequence[tuple[str, str]] = ()
    assets: Sequence[str] = ()
    websites: Sequence[str] = ()
    messages: Sequence[MessageView] = field(default_factory=tuple)
    """Some of the messages (usually the first few, or all); the pane fetches the others by id
    as the reader scrolls to them."""
    message_ids: Sequence[str] = ()
    """Every message id in conversation order (when empty: the ids of `messages`)."""

    @property
    def all_message_ids(self) -> Sequence[str]:
        return self.message_ids or [m.id for m in self.messages]


MessageFetcher = Callable[[Sequence[str]], Awaitable[Sequence[MessageView]]]
"""Fetches messages by id (any order; ids the server no longer has are left out)."""
