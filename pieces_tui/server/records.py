"""The shapes rows take between the routes and the database: what a write is given (`New*`),
what a bulk read of references returns, and the one timestamp format."""

from __future__ import annotations

from collections.abc import Sequence
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
    "TableRows",
    "iso",
    "table_rows",
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


@dataclass
class TableRows:
    """New conversations as the rows of each table, in the column order of db.py's INSERTs."""

    conversations: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    annotations: list[tuple[Any, ...]] = field(default_factory=list)
    assets: list[tuple[str, str, int]] = field(default_factory=list)
    websites: list[tuple[str, str, int]] = field(default_factory=list)


def table_rows(conversations: Sequence[NewConversation]) -> TableRows:
    """The rows of `conversations`: `updated` defaults to the later of the creation and the last
    message; a linked asset or website named twice is linked once, at its first position."""
    out = TableRows()
    for conv in conversations:
        last = conv.messages[-1].created if conv.messages else conv.created
        updated = conv.updated or max(conv.created, last)
        out.conversations.append(
            (conv.id, conv.name, conv.type, int(conv.favorited), int(conv.demo), conv.model_id,
             conv.created, updated)
        )  # fmt: skip
        for pos, msg in enumerate(conv.messages):
            out.messages.append(
                (msg.id, conv.id, pos, msg.role, msg.raw, msg.model_id, msg.created, msg.created)
            )
        for note in conv.annotations:
            out.annotations.append(
                (note.id, conv.id, note.type, note.text, conv.created, conv.created)
            )
        out.assets += [(conv.id, a, pos) for pos, a in enumerate(dict.fromkeys(conv.asset_ids))]
        out.websites += [(conv.id, w, pos) for pos, w in enumerate(dict.fromkeys(conv.website_ids))]
    return out
