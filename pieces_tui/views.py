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
from pieces_tui.widgets.detail import ConversationView, MessageView


def message_views(messages: Sequence[ConversationMessage]) -> list[MessageView]:
    return [
        MessageView(id=m.id, role=str(m.role), text=m.text, created=m.created.value)
        for m in messages
    ]


def conversation_view(
    conversation: Conversation,
    messages: Sequence[ConversationMessage],
    annotations: Sequence[Annotation],
    assets: Sequence[Asset],
    websites: Sequence[Website] = (),
) -> ConversationView:
    return ConversationView(
        id=conversation.id,
        name=conversation.name,
        type=str(conversation.type),
        created=conversation.created.value,
        updated=conversation.updated.value,
        model=conversation.model.id if conversation.model is not None else None,
        annotations=[(str(a.type), a.text) for a in annotations if a.text],
        assets=[a.name or a.id for a in assets],
        websites=[w.url or w.name or w.id for w in websites],
        messages=message_views(messages),
    )
