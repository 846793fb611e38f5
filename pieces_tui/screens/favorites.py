"""Starring a conversation: one request, then the store (the stream announces it too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pieces_tui.client import NotFound, PiecesError
from pieces_tui.state.store import ConversationStore

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient

__all__ = ["toggle_favorite"]


async def toggle_favorite(
    client: PiecesClient, store: ConversationStore, conversation_id: str
) -> str | None:
    """Flip the conversation's star on the server and put the server's answer in the store.

    Not optimistic: the star changes only when the server has said yes, so a failure leaves it
    as it was. Returns None on success, else what to tell the user (with the server's reason)."""
    summary = store.get(conversation_id)
    if summary is None:
        return "This conversation is not in the list any more."
    try:
        store.upsert(await client.set_favorited(conversation_id, not summary.favorited))
    except NotFound:
        return "This conversation was deleted."
    except PiecesError as error:
        verb = "unstar" if summary.favorited else "star"
        return f"Could not {verb} it: {error}"
    return None
