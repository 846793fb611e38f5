"""Turn the client's models into what the detail pane shows."""

from __future__ import annotations

from collections.abc import Sequence

from pieces_tui.client.models import (
    Annotation,
    Asset,
    Conversation,
    ConversationMessage,
    Website,
)
from pieces_tui.sanitize import clean_name
from pieces_tui.widgets.detail import ConversationView, MessageView


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
