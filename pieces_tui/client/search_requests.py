"""The search requests of `PiecesClient`: conversations, one conversation's messages, all messages.

The three differ only in the path and the answer's model; each goes through `_search`, the one
place that builds the request (options, `?limit=`, the body) and parses the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from pieces_tui.client.transport import NO_TRANSFERABLES, TRANSFERABLES, HttpCore, parse, seg

# The answers' pydantic models are imported by the requests, not here: the client is built for
# the start's requests, which need none of them (see `pieces_tui.client.http`).
if TYPE_CHECKING:
    from pieces_tui.client.search import (
        SearchedConversation,
        SearchedConversationMessage,
        SearchedConversationMessages,
        SearchedConversations,
    )

__all__ = ["SearchRequests"]

_Found = TypeVar("_Found", "SearchedConversations", "SearchedConversationMessages")


class SearchRequests(HttpCore):
    """`exact`: the words as one phrase. `similarity`: the lowest similarity kept (0-1).
    `transferables`: include each conversation and matching message in full. `limit`: at most
    this many results (the embedded server's `?limit=`, default 100)."""

    async def search_conversations(
        self,
        query: str,
        *,
        exact: bool = False,
        similarity: float | None = None,
        transferables: bool = False,
        limit: int | None = None,
    ) -> list[SearchedConversation]:
        """Conversations whose name, annotations or messages match `query`, best first."""
        from pieces_tui.client.search import SearchedConversations

        found = await self._search(
            "/conversations/search",
            SearchedConversations,
            query,
            exact=exact,
            similarity=similarity,
            transferables=transferables,
            limit=limit,
        )
        return found.iterable

    async def search_conversation_messages(
        self,
        conversation_id: str,
        query: str,
        *,
        exact: bool = False,
        similarity: float | None = None,
        transferables: bool = False,
        limit: int | None = None,
    ) -> list[SearchedConversationMessage]:
        """The messages of one conversation that match `query`, best first (`NotFound` if the
        conversation does not exist)."""
        from pieces_tui.client.search import SearchedConversationMessages

        found = await self._search(
            f"/conversation/{seg(conversation_id)}/search",
            SearchedConversationMessages,
            query,
            exact=exact,
            similarity=similarity,
            transferables=transferables,
            limit=limit,
        )
        return found.iterable

    async def search_messages(
        self,
        query: str,
        *,
        exact: bool = False,
        similarity: float | None = None,
        transferables: bool = False,
        limit: int | None = None,
    ) -> list[SearchedConversationMessage]:
        """Messages of any conversation that match `query`, best first."""
        from pieces_tui.client.search import SearchedConversationMessages

        found = await self._search(
            "/messages/search",
            SearchedConversationMessages,
            query,
            exact=exact,
            similarity=similarity,
            transferables=transferables,
            limit=limit,
        )
        return found.iterable

    async def _search(
        self,
        path: str,
        answer: type[_Found],
        query: str,
        *,
        exact: bool,
        similarity: float | None,
        transferables: bool,
        limit: int | None,
    ) -> _Found:
        from pieces_tui.client.search import search_input

        params = dict(TRANSFERABLES if transferables else NO_TRANSFERABLES)
        if limit is not None:
            params["limit"] = str(limit)
        body = search_input(query, exact=exact, similarity=similarity)
        return parse(await self._request("POST", path, params=params, body=body), answer)
