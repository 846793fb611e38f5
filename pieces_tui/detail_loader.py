"""What the detail pane shows of a conversation, and how it is fetched.

The policy lives here, and only here: a conversation of up to `BULK_MESSAGES` messages comes
whole in one request; of a longer one only a first batch (or, on a refresh, the last new ones);
the pane fetches the rest by id as the reader scrolls (`message_fetcher`). When the synchronizer
has just fetched the conversation (the store keeps that model), it is reused instead of asked
for a second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TYPE_CHECKING, TypeVar

from pieces_tui.client import NotFound, PiecesError
from pieces_tui.sanitize import clean_name
from pieces_tui.state.problems import human_error, log_detail
from pieces_tui.widgets.detail import FETCH_BATCH, ConversationView, MessageFetcher, MessageView

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient
    from pieces_tui.client.assets import Annotation, Asset, Website
    from pieces_tui.client.models import Conversation, ConversationMessage

__all__ = ["BULK_MESSAGES", "conversation_view", "failure_text", "load_detail", "message_fetcher"]

_T = TypeVar("_T")

# Up to this many messages, one GET /conversation/{id}/messages is cheaper than a request per
# message shown (embedded server, 2 cores: all of 200 messages in 31 ms; 12 one by one in 93 ms).
BULK_MESSAGES = 400


def failure_text(error: PiecesError, url: str) -> str:
    """What the pane says when a conversation failed to load (the detail goes to the log); it
    reloads by itself once the connection is live again."""
    what = "Could not load this conversation"
    log_detail(what, error, url)
    return f"{human_error(what, error)} It reloads once Pieces OS is back."


async def load_detail(
    client: PiecesClient,
    conversation_id: str,
    *,
    known: Collection[str] = (),
    conversation: Conversation | None = None,
    message_count: int | None = None,
) -> ConversationView:
    """Everything the pane shows first of one conversation, fetched concurrently.

    `known`: the message ids the pane already has (a refresh then fetches only the last new
    ones of a long conversation). `conversation`: the model, when it was just fetched (the
    store's copy after a stream event); otherwise it is asked for. `message_count`: how many
    messages the list says it has; when that is few enough to come whole, they are asked for
    together with the conversation rather than after it (one round trip less)."""
    bulk: list[ConversationMessage] | None = None
    if conversation is None and message_count is not None and message_count <= BULK_MESSAGES:
        fetched, bulk = await asyncio.gather(
            client.conversation(conversation_id), client.messages(conversation_id)
        )
        conversation = fetched
    elif conversation is None:
        conversation = await client.conversation(conversation_id)
    ids = conversation.message_ids()
    messages, annotations, (assets, websites) = await asyncio.gather(
        _first_messages(client, conversation_id, ids, known, bulk),
        client.annotations(conversation.annotation_ids),
        _linked(client, conversation),
    )
    return conversation_view(conversation, messages, annotations, assets, websites, ids)


def message_fetcher(client: PiecesClient) -> MessageFetcher:
    """What the pane calls to fetch the messages the reader scrolls to."""

    async def fetch(message_ids: Sequence[str]) -> list[MessageView]:
        found = await client.messages_by_ids(message_ids)
        return message_views([m for m in found.values() if m is not None])

    return fetch


async def _first_messages(
    client: PiecesClient,
    conversation_id: str,
    ids: Sequence[str],
    known: Collection[str],
    bulk: list[ConversationMessage] | None = None,
) -> list[ConversationMessage]:
    if bulk is not None:  # already asked for, with the conversation
        return bulk
    if len(ids) <= BULK_MESSAGES:
        return await client.messages(conversation_id)
    if known:
        have = set(known)
        wanted = [i for i in ids if i not in have][-FETCH_BATCH:]
    else:
        wanted = list(ids[:FETCH_BATCH])
    found = await client.messages_by_ids(wanted)
    return [m for m in found.values() if m is not None]


async def _linked(
    client: PiecesClient, conversation: Conversation
) -> tuple[list[Asset], list[Website]]:
    """The linked assets and websites that still exist (a conversation may outlive them)."""

    async def one(fetch: Callable[[str], Awaitable[_T]], item_id: str) -> _T | None:
        try:
            return await fetch(item_id)
        except NotFound:
            return None

    assets, websites = await asyncio.gather(
        asyncio.gather(*(one(client.asset, i) for i in conversation.asset_ids)),
        asyncio.gather(*(one(client.website, i) for i in conversation.website_ids)),
    )
    return [a for a in assets if a is not None], [w for w in websites if w is not None]


# -- models to views ------------------------------------------------------------------------------


def message_view(message: ConversationMessage) -> MessageView:
    # A very long text is kept whole here; `safe_markdown.markdown_blocks` shows a bounded part.
    return MessageView(
        id=message.id, role=str(message.role), text=message.text, created=message.created.value
    )


def message_views(messages: Sequence[ConversationMessage]) -> list[MessageView]:
    return [message_view(m) for m in messages]


def conversation_view(
    conversation: Conversation,
    messages: Sequence[ConversationMessage],
    annotations: Sequence[Annotation],
    assets: Sequence[Asset],
    websites: Sequence[Website] = (),
    message_ids: Sequence[str] | None = None,
) -> ConversationView:
    """`message_ids` is the conversation's full message order (default: `messages`' ids);
    `messages` may be any part of it, the rest is fetched by the pane as the reader scrolls."""
    views = message_views(messages)
    return ConversationView(
        id=conversation.id,
        # Bounded: a 100 KB name would be a thousand-line header (the sidebar crops its own).
        name=clean_name(conversation.name) if conversation.name is not None else None,
        type=str(conversation.type),
        created=conversation.created.value,
        updated=conversation.updated.value,
        model=conversation.model.id if conversation.model is not None else None,
        annotations=[(str(a.type), a.text) for a in annotations if a.text],
        assets=[a.name or a.id for a in assets],
        websites=[w.url or w.name or w.id for w in websites],
        messages=views,
        message_ids=list(message_ids) if message_ids is not None else [m.id for m in views],
    )
