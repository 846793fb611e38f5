"""Everything an export holds of one conversation, and how it is fetched page by page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from pieces_tui.client import NotFound
from pieces_tui.client.assets import Annotation, Asset, Website
from pieces_tui.client.models import Conversation, ConversationMessage

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient

__all__ = ["BULK_MESSAGES", "PAGE_SIZE", "ExportDocument", "Progress", "fetch_document"]

PAGE_SIZE = 100
"""Messages fetched per page of a long conversation: progress is reported after each one."""

BULK_MESSAGES = 5_000
"""Up to this many messages come in one request (`GET /conversation/{id}/messages`): an export
needs every message, and one request is far cheaper than one per message (a 2,000-message
conversation by CLI: 19 s page by page, 3.3 s in one request, medians of 3 on a loaded
2-core box, `python -m benchmarks.export`). Only a
longer conversation is read page by page (`messages_by_ids`), so no answer grows without bound."""

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` with message counts: once before the first page (0, total)
and after each page. It runs in the exporting task, so it must not block."""

_T = TypeVar("_T")


@dataclass(frozen=True)
class ExportDocument:
    """One conversation with its messages (in order), annotations, linked assets and websites.

    Messages, annotations, assets and websites deleted while the export ran are left out."""

    conversation: Conversation
    messages: Sequence[ConversationMessage]
    annotations: Sequence[Annotation]
    assets: Sequence[Asset]
    websites: Sequence[Website]


async def fetch_document(
    client: PiecesClient,
    conversation_id: str,
    *,
    progress: Progress | None = None,
    page_size: int = PAGE_SIZE,
    bulk_limit: int = BULK_MESSAGES,
) -> ExportDocument:
    """Fetch one conversation whole. A conversation of more than `bulk_limit` messages comes
    `page_size` messages at a time through `PiecesClient.messages_by_ids`, so it is never one
    huge answer and `progress` can follow it; a shorter one in one request. Raises `NotFound`
    when the conversation does not exist and the client's other `PiecesError`s; cancelling the
    task stops it between two requests."""
    conversation = await client.conversation(conversation_id)
    annotations, assets, websites = await asyncio.gather(
        client.annotations(conversation.annotation_ids),
        _existing(client.asset, conversation.asset_ids),
        _existing(client.website, conversation.website_ids),
    )
    ids = conversation.message_ids()
    messages: list[ConversationMessage] = []
    if progress is not None:
        progress(0, len(ids))
    if len(ids) <= bulk_limit:
        messages = await client.messages(conversation_id)
        if progress is not None:
            progress(len(ids), len(ids))
        return ExportDocument(conversation, messages, annotations, assets, websites)
    for start in range(0, len(ids), max(1, page_size)):
        page = await client.messages_by_ids(ids[start : start + page_size])
        messages += [m for m in page.values() if m is not None and m.deleted is None]
        if progress is not None:
            progress(min(start + page_size, len(ids)), len(ids))
    return ExportDocument(conversation, messages, annotations, assets, websites)


async def _existing(fetch: Callable[[str], Awaitable[_T]], ids: Sequence[str]) -> list[_T]:
    async def one(item_id: str) -> _T | None:
        try:
            return await fetch(item_id)
        except NotFound:
            return None

    found = await asyncio.gather(*(one(i) for i in ids))
    return [item for item in found if item is not None]
