"""The search endpoints, in the shapes of the official SDK (`pieces_os_client` 5.0.1):

- `POST /conversations/search?transferables=` (`SearchInput` -> `SearchedConversations`),
- `POST /conversation/{conversation}/search?transferables=` (-> `SearchedConversationMessages`),
- `POST /messages/search?transferables=` (-> `SearchedConversationMessages`).

Only the `full_text` engine is served (a `SearchEngine` with a `query` and no other engine is
taken as full text); `embeddings`, `temporal`, `workstream` and nested `operations` answer 400.
`transferables` defaults to false here: the SDK documents the nested conversation, message and
annotation as "only provided if transferables are set to true".

Each searched message and annotation carries one key the SDK does not model (its generated
`from_dict` keeps only the keys it knows, so the SDK is unaffected): `snippet`, `{"text": ...,
"matches": [[start, end], ...]}`, the stored text around the first match and the character offsets
of the matching words in it. The server computes it because only the server knows how the index
cut and folded the words (prefixes, diacritics). `?limit=` bounds the number of results (default
100, at most 1,000), best first.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pieces_tui.server import search, wire
from pieces_tui.server.errors import ApiError, not_found
from pieces_tui.server.inputs import _Body
from pieces_tui.server.records import ID_CHUNK, Row
from pieces_tui.server.routes import Api, flag, json_response, parse

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
OTHER_ENGINES = ("embeddings", "temporal", "workstream", "operations")


class FullTextOptions(_Body):
    exact: bool | None = None
    similarity: float | None = Field(default=None, ge=0, le=1)


class Engine(_Body):
    query: str | None = None
    full_text: FullTextOptions | None = None
    embeddings: Any = None
    temporal: Any = None
    workstream: Any = None
    operations: Any = None


class Engines(_Body):
    iterable: list[Engine]


class SearchBody(_Body):
    """`SearchInput`."""

    engines: Engines


def _query_of(body: SearchBody) -> tuple[search.Query, float]:
    """The one full-text query of a SearchInput and its minimum similarity, or ApiError(400)."""
    engines = body.engines.iterable
    if len(engines) != 1:
        raise ApiError(
            400, f"engines.iterable: exactly one full_text engine is served (got {len(engines)})"
        )
    engine = engines[0]
    for name in OTHER_ENGINES:
        if getattr(engine, name) is not None:
            raise ApiError(
                400,
                f"engines.iterable.0.{name}: this engine is not served here (only full_text)",
            )
    if engine.query is None or not engine.query.strip():
        raise ApiError(400, "engines.iterable.0.query: a query is required")
    options = engine.full_text or FullTextOptions()
    try:
        query = search.Query.parse(engine.query, exact=bool(options.exact))
    except search.QueryError as exc:
        raise ApiError(400, f"engines.iterable.0.query: {exc}") from exc
    return query, options.similarity or 0.0


def _limit(request: Request) -> int:
    value = request.query_params.get("limit")
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ApiError(400, f"limit: expected a whole number from 1 to {MAX_LIMIT}, got {value!r}")
    return int(value)


def _rows_by_id(read: search.Read, table: str, ids: list[str]) -> dict[str, Row]:
    if table not in {"messages", "annotations"}:
        raise ValueError(f"unexpected table: {table!r}")
    out: dict[str, Row] = {}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        marks = ",".join("?" * len(chunk))
        for row in read(f"SELECT * FROM {table} WHERE id IN ({marks})", chunk):
            out[row["id"]] = dict(row)
    return out


class SearchApi:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.db = api.db

    # -- building answers (in a worker thread) ---------------------------------------------------

    def _searched(
        self, hit: search.Hit, row: Row | None, query: search.Query, transferables: bool
    ) -> wire.JSON:
        out: wire.JSON = {
            "identifier": hit.item_id,
            "exact": hit.exact,
            "similarity": hit.similarity,
        }
        if row is not None:
            text = row["raw"] if hit.kind == search.KIND_MESSAGE else row["text"]
            out["snippet"] = search.snippet(text, query).to_json()
            if transferables:
                key = "message" if hit.kind == search.KIND_MESSAGE else "annotation"
                maker = wire.message if hit.kind == search.KIND_MESSAGE else wire.annotation
                out[key] = maker(row)
        return out

    def _conversations(
        self, query: search.Query, minimum: float, limit: int, transferables: bool
    ) -> wire.JSON:
        kinds = (search.KIND_NAME, search.KIND_ANNOTATION, search.KIND_MESSAGE)
        with self.db.reading() as read:
            hits = [h for h in search.find(read, query, kinds) if h.similarity >= minimum]
            groups = search.by_conversation(hits)[:limit]
            messages = _rows_by_id(
                read, "messages", [h.item_id for g in groups for h in g.messages]
            )
            notes = _rows_by_id(
                read, "annotations", [h.item_id for g in groups for h in g.annotations]
            )
        out = []
        for group in groups:
            item: wire.JSON = {
                "identifier": group.conversation_id,
                "exact": group.best.exact,
                "similarity": group.best.similarity,
            }
            if group.messages:
                item["messages"] = {
                    "iterable": [
                        self._searched(h, messages.get(h.item_id), query, transferables)
                        for h in group.messages
                    ]
                }
            if group.annotations:
                item["annotations"] = {
                    "iterable": [
                        self._searched(h, notes.get(h.item_id), query, transferables)
                        for h in group.annotations
                    ]
                }
            if transferables:
                try:
                    item["conversation"] = self.api._conversation_json(group.conversation_id)
                except ApiError:  # deleted since the search read the index: not a result
                    continue
            out.append(item)
        return {"iterable": out}

    def _messages(
        self,
        query: search.Query,
        minimum: float,
        limit: int,
        transferables: bool,
        conversation_id: str | None,
    ) -> wire.JSON:
        with self.db.reading() as read:
            if conversation_id is not None and not read(
                "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
            ):
                raise not_found("conversation", conversation_id)
            # One conversation: look at every matching message of it, not only recent ones.
            wanted = MAX_LIMIT if conversation_id is not None else max(limit, search.CANDIDATES)
            hits = search.find(
                read,
                query,
                (search.KIND_MESSAGE,),
                conversation_id=conversation_id,
                candidates=wanted,
            )
            hits = [h for h in hits if h.similarity >= minimum][:limit]
            rows = _rows_by_id(read, "messages", [h.item_id for h in hits])
        return {
            "iterable": [
                self._searched(h, rows.get(h.item_id), query, transferables)
                for h in hits
                if h.item_id in rows
            ]
        }

    # -- endpoints -------------------------------------------------------------------------------

    async def search_conversations(self, request: Request) -> Response:
        limit = _limit(request)
        query, minimum = _query_of(await parse(request, SearchBody))
        transferables = flag(request, "transferables", default=False)
        body = await self.api.run(self._conversations, query, minimum, limit, transferables)
        return json_response(body)

    async def search_conversation(self, request: Request) -> Response:
        cid = request.path_params["conversation"]
        limit = _limit(request)
        query, minimum = _query_of(await parse(request, SearchBody))
        transferables = flag(request, "transferables", default=False)
        body = await self.api.run(self._messages, query, minimum, limit, transferables, cid)
        return json_response(body)

    async def search_messages(self, request: Request) -> Response:
        limit = _limit(request)
        query, minimum = _query_of(await parse(request, SearchBody))
        transferables = flag(request, "transferables", default=False)
        body = await self.api.run(self._messages, query, minimum, limit, transferables, None)
        return json_response(body)

    def routes(self) -> list[Route]:
        post = ["POST"]
        return [
            Route("/conversations/search", self.search_conversations, methods=post),
            Route("/conversation/{conversation}/search", self.search_conversation, methods=post),
            Route("/messages/search", self.search_messages, methods=post),
        ]
