"""HTTP and WebSocket endpoints of the embedded Pieces-OS-compatible server.

Database work (and JSON encoding of big answers) runs in worker threads, so the event loop stays
free for the streams. A write commits before its response is sent and before its id is announced.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from pieces_tui.server import wire
from pieces_tui.server.db import Database
from pieces_tui.server.errors import ApiError, not_found
from pieces_tui.server.inputs import (
    ConversationUpdate,
    SeededConversation,
    SeededMessage,
    check_name,
    describe,
)
from pieces_tui.server.records import NewAnnotation, NewConversation, NewMessage, Row, iso
from pieces_tui.server.rowcache import ConversationsCache
from pieces_tui.server.storage_errors import StorageError
from pieces_tui.server.stream import Hub, Subscription
from pieces_tui.server.version import SERVER_VERSION
from pieces_tui.server.wsprotocol import FANOUT

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]
B = TypeVar("B", bound=BaseModel)
T = TypeVar("T")

HEALTH_INTERVAL = 1.0
# Threads for database work: each keeps its own reader connection (db.py). Writes queue on the
# one writer connection whatever the count; more threads only help reads that wait on I/O.
DB_THREADS = 16


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(wire.dumps(payload), status_code=status, media_type="application/json")


def flag(request: Request, name: str, default: bool = True) -> bool:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    return value.lower() not in {"false", "0", "no"}


# Bodies bigger than this are decoded in a worker thread, so the streams keep flowing meanwhile.
BIG_BODY = 256 * 1024
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def decode_json(raw: bytes) -> Any:
    """The JSON value of a body, or ApiError(400) saying what is wrong with it."""
    try:
        data = json.loads(raw)
        if _SURROGATE_ESCAPE.search(raw):  # `\ud800` decodes to text SQLite cannot store
            json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise ApiError(400, "malformed JSON body: unpaired UTF-16 surrogate escape") from exc
    except RecursionError as exc:
        raise ApiError(400, "malformed JSON body: nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, a number too long to read
        raise ApiError(400, f"malformed JSON body: {exc}") from exc
    return data


async def parse(request: Request, model: type[B], *, optional: bool = False) -> B:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return model()
        raise ApiError(400, "missing JSON body")
    data = await run_in_threadpool(decode_json, raw) if len(raw) > BIG_BODY else decode_json(raw)
    if data is None and optional:
        return model()
    if not isinstance(data, dict):
        raise ApiError(422, "invalid body\nbody: expected a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, describe(exc)) from exc


class Api:
    def __init__(self, db: Database, hub: Hub, clock: Clock, id_factory: IdFactory) -> None:
        self.db = db
        self.snapshot = ConversationsCache(db)  # GET /conversations, rebuilt where rows changed
        self.hub = hub
        self.health_hub = Hub(queue_size=1)  # nothing is published: used to close at shutdown
        self.message_hub = Hub()  # /messages/stream/identifiers (routes_os.py)
        self.annotation_hub = Hub()  # /annotations/stream/identifiers (routes_os.py)
        self.clock = clock
        self.new_id = id_factory
        self.pool = ThreadPoolExecutor(DB_THREADS, thread_name_prefix="pieces-tui-db")

    def now(self) -> str:
        return iso(self.clock())

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """`func(*args)` in one of the database threads. A plain executor: under 200 clients
        anyio's `to_thread` (what `run_in_threadpool` uses) cost about as much loop time per
        request as the rest of the route."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, func, *args)

    def close(self) -> None:
        """Let the database threads finish what they run (before the database is closed)."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    # -- conversations ---------------------------------------------------------------------------

    def _conversation_json(self, conversation_id: str) -> wire.JSON:
        rows = self.db.conversations(conversation_id)
        if not rows:
            raise not_found("conversation", conversation_id)
        return wire.conversation(rows[0], self.db.refs(conversation_id))

    async def conversations(self, request: Request) -> Response:
        body = await self.run(self.snapshot.body)
        return Response(body, media_type="application/json")

    async def conversation_identifiers(self, request: Request) -> Response:
        body = await self.run(self.snapshot.identifiers_body)
        return Response(body, media_type="application/json")

    async def conversation(self, request: Request) -> Response:
        cid = request.path_params["conversation"]
        return json_response(await self.run(self._conversation_json, cid))

    async def conversation_messages(self, request: Request) -> Response:
        cid = request.path_params["conversation"]

        def load() -> wire.JSON:
            if self.db.one("conversations", cid) is None:
                raise not_found("conversation", cid)
            return wire.messages(self.db.messages(cid))

        return json_response(await self.run(load))

    def _seed_message(self, seed: SeededMessage, default_created: str) -> NewMessage:
        created = iso(seed.created.value) if seed.created else default_created
        model_id = seed.model.id if seed.model else None
        return NewMessage(self.new_id(), seed.role, seed.fragment.text, created, model_id)

    def _create(self, seed: SeededConversation) -> wire.JSON:
        asset_ids = [ref.id for ref in seed.assets.iterable] if seed.assets else []
        website_ids = [ref.id for ref in seed.websites.iterable] if seed.websites else []
        for table, ids in (("assets", asset_ids), ("websites", website_ids)):
            found = self.db.existing(table, ids)
            missing = [i for i in ids if i not in found]
            if missing:
                raise ApiError(422, f"invalid body\n{table}.iterable: unknown id {missing[0]}")
        now = self.now()
        conv = NewConversation(
            id=self.new_id(),
            created=now,
            updated=now,
            name=seed.name,
            type=seed.type,
            favorited=seed.favorited,
            demo=seed.demo,
            model_id=seed.model.id if seed.model else None,
            messages=[self._seed_message(m, now) for m in seed.messages],
            annotations=[NewAnnotation(self.new_id(), a.type, a.text) for a in seed.annotations],
            asset_ids=asset_ids,
            website_ids=website_ids,
        )
        self.db.insert_conversations([conv])
        return self._conversation_json(conv.id)

    async def create(self, request: Request) -> Response:
        seed = await parse(request, SeededConversation, optional=True)
        check_name(seed.name)
        created = await self.run(self._create, seed)
        self.hub.publish(wire.streamed_ids([created["id"]]))
        return json_response(created)

    def _create_from_asset(self, asset_id: str) -> str:
        row = self.db.one("assets", asset_id)
        if row is None:
            raise not_found("asset", asset_id)
        now = self.now()
        conv = NewConversation(
            id=self.new_id(),
            created=now,
            updated=now,
            name=row["name"],
            messages=[NewMessage(self.new_id(), "ASSISTANT", asset_summary(row), now)],
            asset_ids=[asset_id],
        )
        self.db.insert_conversations([conv])
        return conv.id

    async def create_from_asset(self, request: Request) -> Response:
        cid = await self.run(self._create_from_asset, request.path_params["asset"])
        self.hub.publish(wire.streamed_ids([cid]))
        return json_response({"conversation": {"id": cid}})

    async def delete(self, request: Request) -> Response:
        cid = request.path_params["conversation"]
        if not await self.run(self.db.delete_conversation, cid):
            raise not_found("conversation", cid)
        self.hub.publish(wire.streamed_ids([cid], deleted=True))
        return Response(status_code=204)

    def _update(self, body: ConversationUpdate) -> wire.JSON:
        changes: dict[str, Any] = {}
        fields = body.model_fields_set
        if "name" in fields:
            check_name(body.name, stored=lambda: self._stored_name(body.id))
            changes["name"] = body.name
        if "favorited" in fields and body.favorited is not None:
            changes["favorited"] = int(body.favorited)
        if "model" in fields:
            changes["model_id"] = body.model.id if body.model else None
        if not self.db.update_conversation(body.id, changes, self.now()):
            raise not_found("conversation", body.id)
        return self._conversation_json(body.id)

    def _stored_name(self, conversation_id: str) -> str | None:
        row = self.db.one("conversations", conversation_id)
        return None if row is None else row["name"]

    async def update(self, request: Request) -> Response:
        body = await parse(request, ConversationUpdate)
        updated = await self.run(self._update, body)
        self.hub.publish(wire.streamed_ids([body.id]))
        return json_response(updated)

    # -- messages, annotations, assets -----------------------------------------------------------

    def _one(self, table: str, kind: str, item_id: str) -> Row:
        row = self.db.one(table, item_id)
        if row is None:
            raise not_found(kind, item_id)
        return row

    async def message(self, request: Request) -> Response:
        row = await self.run(self._one, "messages", "message", request.path_params["message"])
        return json_response(wire.message(row))

    def _create_message(self, seed: SeededMessage) -> Row:
        assert seed.conversation is not None
        now = self.now()
        msg = self._seed_message(seed, now)
        if not self.db.append_message(seed.conversation.id, msg, now):
            raise not_found("conversation", seed.conversation.id)
        return self._one("messages", "message", msg.id)

    async def create_message(self, request: Request) -> Response:
        seed = await parse(request, SeededMessage)
        if seed.conversation is None:
            raise ApiError(422, "invalid body\nconversation: Field required")
        row = await self.run(self._create_message, seed)
        self.hub.publish(wire.streamed_ids([seed.conversation.id]))
        self.message_hub.publish(
            json.dumps({"iterable": [{"conversationMessage": {"id": row["id"]}, "deleted": False}]})
        )
        return json_response(wire.message(row))

    async def annotation(self, request: Request) -> Response:
        aid = request.path_params["annotation"]
        row = await self.run(self._one, "annotations", "annotation", aid)
        return json_response(wire.annotation(row))

    async def website(self, request: Request) -> Response:
        wid = request.path_params["website"]
        row = await self.run(self._one, "websites", "website", wid)
        return json_response(wire.website(row))

    async def asset_identifiers(self, request: Request) -> Response:
        rows = await self.run(self.db.assets)
        return json_response(wire.flattened([row["id"] for row in rows]))

    async def assets(self, request: Request) -> Response:
        rows = await self.run(self.db.assets)
        return json_response(wire.assets(rows, flag(request, "transferables")))

    async def asset(self, request: Request) -> Response:
        row = await self.run(self._one, "assets", "asset", request.path_params["asset"])
        return json_response(wire.asset(row, flag(request, "transferables")))

    # -- well-known ------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        if self.db.broken is not None:  # the file is damaged: say so rather than "ok"
            return PlainTextResponse(self.db.broken.reason, status_code=503)
        return PlainTextResponse("ok")

    async def version(self, request: Request) -> Response:
        return PlainTextResponse(SERVER_VERSION)

    # -- websockets ------------------------------------------------------------------------------

    async def identifier_stream(self, websocket: WebSocket) -> None:
        await websocket.accept()
        # Subscribe before reading the snapshot: a change made meanwhile is queued (and at worst
        # sent twice), never lost in the gap.
        subscription = self.hub.subscribe()
        try:
            ids = await self.run(self.snapshot.ids)
            await websocket.send_text(wire.streamed_ids(ids))
            sink = websocket.scope.get("extensions", {}).get(FANOUT, {}).get("sink")
            if sink is not None:  # later frames go straight to the socket (stream.py)
                subscription.attach(sink)
            await _pump(websocket, subscription)
        except WebSocketDisconnect:
            pass
        except StorageError as error:  # 1011: the server cannot serve this now (reason <= 123 B)
            reason = error.reason.encode()[:123].decode(errors="ignore")
            await websocket.close(code=1011, reason=reason)
        finally:
            self.hub.unsubscribe(subscription)

    async def health_stream(self, websocket: WebSocket) -> None:
        await websocket.accept()
        subscription = self.health_hub.subscribe()

        async def beat() -> None:
            with contextlib.suppress(WebSocketDisconnect):  # the pump sees it too, and returns
                while True:
                    await websocket.send_text("ok")
                    await asyncio.sleep(HEALTH_INTERVAL)

        task = asyncio.create_task(beat())
        try:
            await _pump(websocket, subscription)
        except WebSocketDisconnect:
            pass
        finally:
            task.cancel()
            self.health_hub.unsubscribe(subscription)

    def close_streams(self) -> None:
        self.hub.close_all()
        self.health_hub.close_all()
        self.message_hub.close_all()
        self.annotation_hub.close_all()

    def routes(self) -> list[Route | WebSocketRoute]:
        from pieces_tui.server.search_routes import SearchApi  # (it imports this module)

        get = ["GET"]
        post = ["POST"]
        return [
            *SearchApi(self).routes(),  # search: POST /conversations/search and two more
            Route("/conversations", self.conversations, methods=get),
            Route("/conversations/identifiers", self.conversation_identifiers, methods=get),
            Route("/conversations/create", self.create, methods=post),
            Route("/conversations/create/from_asset/{asset}", self.create_from_asset, methods=post),
            Route("/conversations/{conversation}/delete", self.delete, methods=post),
            WebSocketRoute("/conversations/stream/identifiers", self.identifier_stream),
            Route("/conversation/update", self.update, methods=post),
            Route("/conversation/{conversation}", self.conversation, methods=get),
            Route("/conversation/{conversation}/messages", self.conversation_messages, methods=get),
            Route("/message/{message}", self.message, methods=get),
            Route("/messages/create", self.create_message, methods=post),
            Route("/annotation/{annotation}", self.annotation, methods=get),
            Route("/website/{website}", self.website, methods=get),
            Route("/assets/identifiers", self.asset_identifiers, methods=get),
            Route("/assets", self.assets, methods=get),
            Route("/assets/{asset}", self.asset, methods=get),
            Route("/asset/{asset}", self.asset, methods=get),
            Route("/.well-known/health", self.health, methods=["GET", "HEAD"]),
            Route("/.well-known/version", self.version, methods=get),
            WebSocketRoute("/.well-known/stream/health", self.health_stream),
        ]


async def _pump(websocket: WebSocket, subscription: Subscription) -> None:
    """Forward queued frames until the hub drops us (close 1013) or the client goes away."""
    receiver = asyncio.ensure_future(websocket.receive())
    try:
        while True:
            getter = asyncio.ensure_future(subscription.queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                getter.cancel()
                message = receiver.result()
                if message["type"] == "websocket.disconnect":
                    return
                receiver = asyncio.ensure_future(websocket.receive())  # clients send nothing
                if getter.cancelled() or not getter.done():
                    continue
            frame = getter.result()
            if frame is None:
                await websocket.close(code=1013, reason="dropped: reconnect to resynchronise")
                return
            await websocket.send_text(frame)
    finally:
        receiver.cancel()


def asset_summary(row: Row) -> str:
    """The first ASSISTANT message of a conversation created from an asset."""
    code: str = row["raw"]
    lines = code.splitlines()
    language = wire.LANGUAGES.get(row["ext"], row["ext"])
    head = "\n".join(lines[:12])
    more = f"\n\n…and {len(lines) - 12} more lines." if len(lines) > 12 else ""
    size = wire.human_bytes(len(code.encode()))
    return (
        f"This conversation is about **{row['name']}**, a {language} snippet "
        f"({len(lines)} lines, {size}).\n\n"
        f"It begins:\n\n```{row['ext']}\n{head}\n```{more}\n\n"
        "Ask me to explain it, review it, write tests for it, or port it to another language."
    )
