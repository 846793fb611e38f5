"""The shapes rows take between the routes and the database: what a write is given (`New*`),
what a bulk read of references returns, and the one timestamp format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ID_CHUNK",
    "ConversationRefs",
    "NewAnnotation",
    "NewConversation",
    "NewMessage",
    "Row",
    "iso",
]

Row = dict[str, Any]
ID_CHUNK = 500  # ids per `IN (?, ...)` query


def iso(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC text, e.g. `2026-11-20T09:00:00.000000Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class NewMessage:
    id: str
    role: str
    raw: str
    created: str
    model_id: str | None = None


@dataclass
class NewAnnotation:
    id: str
    type: str
    text: str


@dataclass
class NewConversation:
    id: str
    created: str
    name: str | None = None
    type: str = "COPILOT"
    favorited: bool = False
    demo: bool = False
    model_id: str | None = None
    updated: str | None = None
    messages: list[NewMessage] = field(default_factory=list)
    annotations: list[NewAnnotation] = field(default_factory=list)
    asset_ids: list[str] = field(default_factory=list)
    website_ids: list[str] = field(default_factory=list)


@dataclass
class ConversationRefs:
    """The flattened references of a set of conversations, fetched in bulk (one query per kind)."""

    messages: dict[str, list[str]]
    annotations: dict[str, list[str]]
    assets: dict[str, list[str]]
    websites: dict[str, list[str]]
