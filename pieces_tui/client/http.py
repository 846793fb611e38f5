"""The async HTTP client for Pieces OS (or the embedded server): its endpoints.

The plumbing (connection pool, errors, parsing) is `pieces_tui.client.transport`; the search
requests are `pieces_tui.client.search_requests`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pieces_tui.client.compat import VersionCheck, check_version
from pieces_tui.client.errors import NotFound, ProtocolError
from pieces_tui.client.search_requests import SearchRequests
from pieces_tui.client.summaries import ConversationSummary, Known, conversation_summaries_json
from pieces_tui.client.transport import (
    DEFAULT_TIMEOUT,
    NO_TRANSFERABLES,
    TRANSFERABLES,
    gather_all,
    parse,
    seg,
)
from pieces_tui.client.wire_values import ConversationType

# The pydantic models are imported by the methods that answer with them, not here: building the
# client and the start's requests (health, version, the bulk list read by the lean parser) need
# none of them, and pydantic with our models costs ~0.15 s to import, which the first list would
# wait for (RESULTS.md, "Start without a snapshot and live, second pass").
if TYPE_CHECKING:
    from pieces_tui.client.assets import Annotation, Asset, Website
    from pieces_tui.client.models import (
        Conversation,
        ConversationMessage,
        MessageRole,
        SeededConversationMessage,
    )

__all__ = ["DEFAULT_TIMEOUT", "PiecesClient"]


class PiecesClient(SearchRequests):
    """Typed async access to the Pieces OS endpoints pieces-tui uses.

    Use as an async context manager (or call `aclose()`): one connection pool per client.
    Every method raises only `PiecesError` subclasses.
    """

    # -- well-known -------------------------------------------------------------------------------

    async def health(self) -> str:
        """The health text (starts with "ok" when healthy). Raises `ProtocolError` otherwise."""
        response = await self._request("GET", "/.well-known/health")
        text = response.text
        if not text.strip().lower().startswith("ok"):
            raise ProtocolError("unexpected health answer", detail=text[:200])
        return text.strip()

    async def version(self) -> str:
        response = await self._request("GET", "/.well-known/version")
        return response.text.strip()

    async def check_version(self) -> VersionCheck:
        """The version, checked against the range pieces-tui was tested with (never raises for
        a version outside it: show `notice` and carry on)."""
        return check_version(await self.version())

    # -- conversations ----------------------------------------------------------------------------

    async def conversations(self) -> list[Conversation]:
        """Every conversation, in the order the server lists them (bulk snapshot)."""
        from pieces_tui.client.models import Conversations

        result = await self._get_model("/conversations", Conversations, params=NO_TRANSFERABLES)
        return result.iterable

    async def conversation_summaries(self, known: Known | None = None) -> list[ConversationSummary]:
        """What the sidebar needs of every conversation (bulk snapshot), in the server's order.

        Same request as `conversations()`, but the body is read straight into summaries instead
        of full models: the cost of the initial load at tens of thousands of conversations.
        `known`: see `conversation_summaries_json` (unchanged rows come back as the held ones)."""
        body = await self._get_buffer("/conversations", params=NO_TRANSFERABLES)
        try:
            return conversation_summaries_json(body, known)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            preview = bytes(body[:200]).decode("utf-8", "replace")
            raise ProtocolError(
                "GET /conversations did not answer JSON", detail=f"{exc}; body starts {preview!r}"
            ) from exc
        except ValueError as exc:  # pydantic's ValidationError is one too
            raise ProtocolError(
                "GET /conversations answered an invalid Conversations", detail=str(exc)
            ) from exc

    async def conversation_ids(self) -> list[str]:
        from pieces_tui.client.models import FlattenedConversations

        result = await self._get_model("/conversations/identifiers", FlattenedConversations)
        return result.ids()

    async def conversation(self, conversation_id: str) -> Conversation:
        from pieces_tui.client.models import Conversation

        return await self._get_model(
            f"/conversation/{seg(conversation_id)}", Conversation, params=NO_TRANSFERABLES
        )

    async def conversations_by_ids(
        self, conversation_ids: Iterable[str]
    ) -> dict[str, Conversation | None]:
        """Fetch several conversations, at most `max_concurrency` requests at a time.

        Duplicate ids are fetched once. The result maps each id to its conversation, or to `None`
        when the server says it does not exist (404). Other errors propagate.
        """
        unique = list(dict.fromkeys(conversation_ids))

        async def fetch(conversation_id: str) -> Conversation | None:
            try:
                return await self._bounded(lambda: self.conversation(conversation_id))
            except NotFound:
                return None

        results = await gather_all([fetch(i) for i in unique])
        return dict(zip(unique, results, strict=True))

    async def messages(self, conversation_id: str) -> list[ConversationMessage]:
        """The conversation's messages in order (by `indices`), deleted ones left out."""
        from pieces_tui.client.models import ConversationMessages

        result = await self._get_model(
            f"/conversation/{seg(conversation_id)}/messages", ConversationMessages
        )
        return result.ordered()

    async def message(self, message_id: str) -> ConversationMessage:
        from pieces_tui.client.models import ConversationMessage

        # The text is transferable data: ask for it.
        return await self._get_model(
            f"/message/{seg(message_id)}", ConversationMessage, params=TRANSFERABLES
        )

    async def messages_by_ids(
        self, message_ids: Iterable[str], *, concurrency: int = 3
    ) -> dict[str, ConversationMessage | None]:
        """Fetch some messages one by one, at most `concurrency` requests at a time (and never
        more than the client's `max_concurrency`): the way to read a window of a conversation
        too long for `messages()`.

        Duplicate ids are fetched once. The result maps each id, in the order given, to its
        message or to `None` when the server says it does not exist (404). Other errors
        propagate. A low `concurrency` is deliberate: on a small machine a local server answers
        a few requests at a time faster than many (12 messages: 93 ms one at a time, 133 ms
        eight at a time, measured against the embedded server on 2 cores).
        """
        unique = list(dict.fromkeys(message_ids))
        limit = asyncio.Semaphore(max(1, concurrency))

        async def fetch(message_id: str) -> ConversationMessage | None:
            async with limit:
                try:
                    return await self._bounded(lambda: self.message(message_id))
                except NotFound:
                    return None

        results = await gather_all([fetch(i) for i in unique])
        return dict(zip(unique, results, strict=True))

    async def create_conversation(
        self,
        name: str | None = None,
        messages: Sequence[SeededConversationMessage | tuple[MessageRole | str, str]] = (),
        *,
        type: ConversationType = ConversationType.COPILOT,
        favorited: bool | None = None,
    ) -> Conversation:
        """Create a conversation, optionally seeded with `(role, text)` messages."""
        from pieces_tui.client.models import (
            Conversation,
            SeededConversation,
            SeededConversationMessage,
        )

        seeded = [
            m if isinstance(m, SeededConversationMessage) else SeededConversationMessage.of_text(*m)
            for m in messages
        ]
        body = SeededConversation(
            type=type, name=name, messages=seeded or None, favorited=favorited
        ).to_wire()
        response = await self._request(
            "POST", "/conversations/create", params=NO_TRANSFERABLES, body=body
        )
        return parse(response, Conversation)

    async def create_from_asset(self, asset_id: str, name: str | None = None) -> Conversation:
        """Create a conversation grounded on a saved asset; rename it when `name` is given."""
        from pieces_tui.client.models import ConversationsCreateFromAssetOutput

        response = await self._request("POST", f"/conversations/create/from_asset/{seg(asset_id)}")
        created = parse(response, ConversationsCreateFromAssetOutput)
        if name is not None:
            return await self.rename_conversation(created.conversation.id, name)
        return await self.conversation(created.conversation.id)

    async def delete_conversation(self, conversation_id: str) -> None:
        await self._request("POST", f"/conversations/{seg(conversation_id)}/delete")

    async def rename_conversation(self, conversation_id: str, name: str) -> Conversation:
        """Rename: GET the conversation, POST it back to /conversation/update with the new name."""
        return await self._update_conversation(conversation_id, name=name)

    async def set_favorited(self, conversation_id: str, favorited: bool) -> Conversation:
        """Star or unstar: GET the conversation, POST it back with `favorited` changed. The
        server announces the change on the identifier stream like any other."""
        return await self._update_conversation(conversation_id, favorited=favorited)

    async def _update_conversation(self, conversation_id: str, **fields: Any) -> Conversation:
        """POST /conversation/update with the server's own JSON of the conversation and only
        `fields` changed (not our model's dump), so fields this client does not model
        (grounding, pipeline, ...) are not wiped on the way."""
        from pieces_tui.client.models import Conversation

        raw = await self._get_json(f"/conversation/{seg(conversation_id)}", params=NO_TRANSFERABLES)
        if not isinstance(raw, dict):
            raise ProtocolError("conversation is not a JSON object", detail=type(raw).__name__)
        raw.update(fields)
        response = await self._request(
            "POST", "/conversation/update", params=NO_TRANSFERABLES, body=raw
        )
        return parse(response, Conversation)

    async def add_message(
        self, conversation_id: str, role: MessageRole | str, text: str
    ) -> ConversationMessage:
        from pieces_tui.client.models import ConversationMessage, SeededConversationMessage

        body = SeededConversationMessage.of_text(
            role, text, conversation_id=conversation_id
        ).to_wire()
        response = await self._request(
            "POST", "/messages/create", params=NO_TRANSFERABLES, body=body
        )
        return parse(response, ConversationMessage)

    # -- assets and annotations -------------------------------------------------------------------

    async def assets(self, *, transferables: bool = False) -> list[Asset]:
        """Every saved asset. Without `transferables` the content (`Asset.text`) may be absent;
        ask for it only when previews of all assets are needed."""
        from pieces_tui.client.assets import Assets

        params = TRANSFERABLES if transferables else NO_TRANSFERABLES
        result = await self._get_model("/assets", Assets, params=params)
        return result.iterable

    async def asset(self, asset_id: str, *, transferables: bool = True) -> Asset:
        """One asset, with its content (`text`, `language`) unless `transferables=False`."""
        from pieces_tui.client.assets import Asset

        params = TRANSFERABLES if transferables else NO_TRANSFERABLES
        return await self._get_model(f"/asset/{seg(asset_id)}", Asset, params=params)

    async def website(self, website_id: str) -> Website:
        from pieces_tui.client.assets import Website

        return await self._get_model(f"/website/{seg(website_id)}", Website)

    async def annotation(self, annotation_id: str) -> Annotation:
        from pieces_tui.client.assets import Annotation

        return await self._get_model(f"/annotation/{seg(annotation_id)}", Annotation)

    async def annotations(self, annotation_ids: Iterable[str]) -> list[Annotation]:
        """Fetch several annotations (bounded concurrency), in the order given, duplicates once;
        annotations the server no longer has (404) are left out."""
        unique = list(dict.fromkeys(annotation_ids))

        async def fetch(annotation_id: str) -> Annotation | None:
            try:
                return await self._bounded(lambda: self.annotation(annotation_id))
            except NotFound:
                return None

        results = await gather_all([fetch(i) for i in unique])
        return [a for a in results if a is not None]
