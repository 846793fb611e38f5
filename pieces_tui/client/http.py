"""The async HTTP client for Pieces OS (or the embedded server)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from pieces_tui.client.compat import VersionCheck, check_version
from pieces_tui.client.errors import (
    BadRequest,
    NotFound,
    PiecesUnavailable,
    ProtocolError,
    ServerError,
    SignedOut,
    UpdateRequired,
)
from pieces_tui.client.models import (
    Annotation,
    Asset,
    Assets,
    Conversation,
    ConversationMessage,
    ConversationMessages,
    Conversations,
    ConversationsCreateFromAssetOutput,
    ConversationType,
    FlattenedConversations,
    MessageRole,
    SeededConversation,
    SeededConversationMessage,
    Website,
)
from pieces_tui.client.summaries import ConversationSummary, conversation_summaries_json

__all__ = ["DEFAULT_TIMEOUT", "PiecesClient"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
"""Seconds allowed for any single call (connect, write, read and pool wait each)."""

KEEPALIVE_EXPIRY = 2.0
"""Seconds an idle pooled connection is kept for reuse."""

# What a reused keep-alive connection closed by the server raises before any response came.
_STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)

UPDATE_REQUIRED = 593
"""The status Pieces OS answers when it must be updated first (raised as `UpdateRequired`)."""

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")
_NO_TRANSFERABLES = {"transferables": "false"}
_TRANSFERABLES = {"transferables": "true"}


class PiecesClient:
    """Typed async access to the Pieces OS endpoints pieces-tui uses.

    Use as an async context manager (or call `aclose()`): one connection pool per client.
    Every method raises only `PiecesError` subclasses.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = 8,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        # One semaphore per client bounds the fan-out of the bulk helpers (annotations(),
        # conversations_by_ids()) however many of them run at once.
        self._fanout = asyncio.Semaphore(max_concurrency)
        self._http = httpx.AsyncClient(
            base_url=self._base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            # Pieces OS is local: never route it through a proxy from the environment.
            trust_env=False,
            # Idle connections are dropped before the server's own keep-alive timeout would close
            # them (uvicorn's is 5 s, httpx's default expiry too): fewer reuse races.
            limits=httpx.Limits(
                max_connections=max(16, max_concurrency * 2), keepalive_expiry=KEEPALIVE_EXPIRY
            ),
            # Certificate checks only matter for https. Redirects are not followed, so a plain
            # http:// client never opens a TLS connection: skip loading the CA bundle, which
            # costs ~50 ms of start-up on a small machine.
            verify=not self._base_url.startswith("http://"),
        )

    @property
    def base_url(self) -> str:
        return self._base_url

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing ---------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
    ) -> httpx.Response:
        try:
            try:
                response = await self._http.request(method, path, params=params, json=body)
            except _STALE_CONNECTION as exc:
                # A pooled keep-alive connection the server closed just as we reused it (its
                # idle timer and our request crossed): nothing was answered. A read is safe to
                # send again, once, on a fresh connection; a write is not retried.
                if method != "GET":
                    raise
                log.debug("%s %s: %s on a reused connection; retrying once", method, path, exc)
                response = await self._http.request(method, path, params=params, json=body)
        except httpx.TimeoutException as exc:
            raise PiecesUnavailable(
                f"Pieces OS at {self._base_url} did not answer {method} {path} "
                f"within {self._timeout:g} s"
            ) from exc
        except httpx.TransportError as exc:
            raise PiecesUnavailable(
                f"cannot reach Pieces OS at {self._base_url}: {type(exc).__name__} {exc}".strip()
            ) from exc
        except httpx.HTTPError as exc:  # anything else httpx may raise (e.g. an invalid URL)
            raise PiecesUnavailable(f"request to {self._base_url}{path} failed: {exc}") from exc
        if response.is_success:
            return response
        text = _safe_text(response)
        url = str(response.request.url)
        if response.status_code == 404:
            raise NotFound(404, text, url=url)
        if response.status_code == 401:
            raise SignedOut(401, text, url=url)
        if response.status_code == UPDATE_REQUIRED:
            raise UpdateRequired(UPDATE_REQUIRED, text, url=url)
        if 400 <= response.status_code < 500:
            raise BadRequest(response.status_code, text, url=url)
        raise ServerError(response.status_code, text, url=url)

    async def _get_model(
        self, path: str, model: type[_M], *, params: dict[str, str] | None = None
    ) -> _M:
        response = await self._request("GET", path, params=params)
        return _parse(response, model)

    async def _get_json(self, path: str, *, params: dict[str, str] | None = None) -> Any:
        response = await self._request("GET", path, params=params)
        return _json(response)

    async def _bounded(self, call: Callable[[], Awaitable[_T]]) -> _T:
        async with self._fanout:
            return await call()

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
        result = await self._get_model("/conversations", Conversations, params=_NO_TRANSFERABLES)
        return result.iterable

    async def conversation_summaries(self) -> list[ConversationSummary]:
        """What the sidebar needs of every conversation (bulk snapshot), in the server's order.

        Same request as `conversations()`, but the body is read straight into summaries instead
        of full models: the cost of the initial load at tens of thousands of conversations."""
        response = await self._request("GET", "/conversations", params=_NO_TRANSFERABLES)
        try:
            return conversation_summaries_json(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            preview = _safe_text(response)[:200]
            raise ProtocolError(
                "GET /conversations did not answer JSON", detail=f"{exc}; body starts {preview!r}"
            ) from exc
        except (ValidationError, ValueError) as exc:
            raise ProtocolError(
                "GET /conversations answered an invalid Conversations", detail=str(exc)
            ) from exc

    async def conversation_ids(self) -> list[str]:
        result = await self._get_model("/conversations/identifiers", FlattenedConversations)
        return result.ids()

    async def conversation(self, conversation_id: str) -> Conversation:
        return await self._get_model(
            f"/conversation/{_seg(conversation_id)}", Conversation, params=_NO_TRANSFERABLES
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

        results = await _gather_all([fetch(i) for i in unique])
        return dict(zip(unique, results, strict=True))

    async def messages(self, conversation_id: str) -> list[ConversationMessage]:
        """The conversation's messages in order (by `indices`), deleted ones left out."""
        result = await self._get_model(
            f"/conversation/{_seg(conversation_id)}/messages", ConversationMessages
        )
        return result.ordered()

    async def message(self, message_id: str) -> ConversationMessage:
        # The text is transferable data: ask for it.
        return await self._get_model(
            f"/message/{_seg(message_id)}", ConversationMessage, params=_TRANSFERABLES
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

        results = await _gather_all([fetch(i) for i in unique])
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
        seeded = [
            m if isinstance(m, SeededConversationMessage) else SeededConversationMessage.of_text(*m)
            for m in messages
        ]
        body = SeededConversation(
            type=type, name=name, messages=seeded or None, favorited=favorited
        ).to_wire()
        response = await self._request(
            "POST", "/conversations/create", params=_NO_TRANSFERABLES, body=body
        )
        return _parse(response, Conversation)

    async def create_from_asset(self, asset_id: str, name: str | None = None) -> Conversation:
        """Create a conversation grounded on a saved asset; rename it when `name` is given."""
        response = await self._request("POST", f"/conversations/create/from_asset/{_seg(asset_id)}")
        created = _parse(response, ConversationsCreateFromAssetOutput)
        if name is not None:
            return await self.rename_conversation(created.conversation.id, name)
        return await self.conversation(created.conversation.id)

    async def delete_conversation(self, conversation_id: str) -> None:
        await self._request("POST", f"/conversations/{_seg(conversation_id)}/delete")

    async def rename_conversation(self, conversation_id: str, name: str) -> Conversation:
        """Rename: GET the conversation, POST it back to /conversation/update with the new name.

        The body is the server's own JSON with only `name` changed (not our model's dump), so
        fields this client does not model (grounding, pipeline, ...) are not wiped on the way.
        """
        raw = await self._get_json(
            f"/conversation/{_seg(conversation_id)}", params=_NO_TRANSFERABLES
        )
        if not isinstance(raw, dict):
            raise ProtocolError("conversation is not a JSON object", detail=type(raw).__name__)
        raw["name"] = name
        response = await self._request(
            "POST", "/conversation/update", params=_NO_TRANSFERABLES, body=raw
        )
        return _parse(response, Conversation)

    async def add_message(
        self, conversation_id: str, role: MessageRole | str, text: str
    ) -> ConversationMessage:
        body = SeededConversationMessage.of_text(
            role, text, conversation_id=conversation_id
        ).to_wire()
        response = await self._request(
            "POST", "/messages/create", params=_NO_TRANSFERABLES, body=body
        )
        return _parse(response, ConversationMessage)

    # -- assets and annotations -------------------------------------------------------------------

    async def assets(self, *, transferables: bool = False) -> list[Asset]:
        """Every saved asset. Without `transferables` the content (`Asset.text`) may be absent;
        ask for it only when previews of all assets are needed."""
        params = _TRANSFERABLES if transferables else _NO_TRANSFERABLES
        result = await self._get_model("/assets", Assets, params=params)
        return result.iterable

    async def asset(self, asset_id: str, *, transferables: bool = True) -> Asset:
        """One asset, with its content (`text`, `language`) unless `transferables=False`."""
        params = _TRANSFERABLES if transferables else _NO_TRANSFERABLES
        return await self._get_model(f"/asset/{_seg(asset_id)}", Asset, params=params)

    async def website(self, website_id: str) -> Website:
        return await self._get_model(f"/website/{_seg(website_id)}", Website)

    async def annotation(self, annotation_id: str) -> Annotation:
        return await self._get_model(f"/annotation/{_seg(annotation_id)}", Annotation)

    async def annotations(self, annotation_ids: Iterable[str]) -> list[Annotation]:
        """Fetch several annotations (bounded concurrency), in the order given, duplicates once;
        annotations the server no longer has (404) are left out."""
        unique = list(dict.fromkeys(annotation_ids))

        async def fetch(annotation_id: str) -> Annotation | None:
            try:
                return await self._bounded(lambda: self.annotation(annotation_id))
            except NotFound:
                return None

        results = await _gather_all([fetch(i) for i in unique])
        return [a for a in results if a is not None]


# -- helpers --------------------------------------------------------------------------------------


def _seg(value: str) -> str:
    """Quote an id for use as one path segment."""
    return quote(value, safe="")


def _safe_text(response: httpx.Response) -> str:
    try:
        return response.text
    except (UnicodeDecodeError, LookupError):
        return response.content.decode("utf-8", "replace")


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        preview = _safe_text(response)[:200]
        raise ProtocolError(
            f"{response.request.method} {response.request.url.path} did not answer JSON",
            detail=f"{exc}; body starts {preview!r}",
        ) from exc


def _parse(response: httpx.Response, model: type[_M]) -> _M:
    # Validating straight from bytes skips building Python dicts first: about 30 % faster on
    # the 10,000-conversation snapshot than json.loads + model_validate.
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        where = f"{response.request.method} {response.request.url.path}"
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            preview = _safe_text(response)[:200]
            raise ProtocolError(
                f"{where} did not answer JSON", detail=f"{exc}; body starts {preview!r}"
            ) from exc
        raise ProtocolError(
            f"{where} answered an invalid {model.__name__}", detail=str(exc)
        ) from exc


async def _gather_all(calls: Sequence[Awaitable[_T]]) -> list[_T]:
    """Run all calls; if one fails, cancel the others and raise its error."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
