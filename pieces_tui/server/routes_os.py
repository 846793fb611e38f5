"""The OS-level endpoints official Pieces clients call around the conversations.

The `pieces` CLI (and its TUI) checks the version, reads `/user`, `/models` and `/applications`
and calls `POST /connect` before anything else; they also open a few identifier streams. This
module answers those in the shapes of the `pieces_os_client` 5.0.1 models, plus the local
`rename` and `summarize` of a conversation and the (modelless) QGPT endpoints.

- Signed in or out: `Session.signed_out` makes the server behave as Pieces OS does with nobody
  signed in (session.py): `/user` answers `{"user": null}` and data reads answer 401. It may be
  flipped while the server runs (`EmbeddedServer.signed_out`); `/user/stream` says so.
- Rename and summarize call no model. The name is made from the first USER message and the
  summary from the whole conversation, both deterministically (local_text.py).
- QGPT: there is no language model here. `/qgpt/stream` answers every question with a
  `QGPTStreamOutput` of status FAILED and an `errorMessage` saying so; `/qgpt/question` answers
  503 (the SDK's "engine unavailable") with the same text, so clients report it and never hang.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from pieces_tui.server import wire
from pieces_tui.server.db import Database
from pieces_tui.server.errors import ApiError, not_found
from pieces_tui.server.inputs import (
    MessageUpdate,
    SeededConnection,
    SummarizeInput,
)
from pieces_tui.server.local_text import local_name, local_summary
from pieces_tui.server.records import NewAnnotation, Row
from pieces_tui.server.routes import Api, _pump, json_response, parse
from pieces_tui.server.session import LOCAL_USER, SIGNED_OUT, Session
from pieces_tui.server.stream import Hub
from pieces_tui.server.version import SERVER_VERSION

__all__ = ["NO_MODEL", "SIGNED_OUT", "OsApi", "local_name", "model_uuid"]  # tests import these

OS_ID = "00000000-0000-4000-8000-0000000e3b3d"  # stable: there is one OS per server
NO_MODEL = (
    "the pieces-tui embedded server has no language model: it can browse, rename and summarize "
    "conversations, but cannot answer questions; use Pieces OS for the Copilot"
)

# A small list like Pieces OS's. Pieces OS identifies models by UUID and names the weights in
# `unique`; the demo's messages refer to models by that slug (`gpt-4o`), so `/model/{id}` takes
# either. pieces-cli needs two of them by name: `gemini-2.0-flash-lite-001` (its auto-commit
# default: it will not start without it) and "GPT-3.5-turbo Chat Model" (its chat default).
MODEL_NAMESPACE = uuid.UUID("3b9d7c1e-5f0a-4e8b-9c2d-6a1f0e7b4c58")
MODEL_DETAILS: dict[str, dict[str, Any]] = {
    "gpt-4o": {"provider": "OPENAI", "maxTokens": {"total": 128000}},
    "claude-3-5-sonnet": {"provider": "ANTHROPIC", "maxTokens": {"total": 200000}},
    "gemini-1-5-pro": {"provider": "GOOGLE"},
    "gemini-2.0-flash-lite-001": {"provider": "GOOGLE", "name": "Gemini 2.0 Flash Lite"},
    "llama-3-8b-local": {"provider": "META", "downloaded": True, "parameters": 8},
    "gpt-3.5-turbo": {"provider": "OPENAI", "name": "GPT-3.5-turbo Chat Model"},
}


def model_uuid(unique: str) -> str:
    return str(uuid.uuid5(MODEL_NAMESPACE, unique))


MODELS: dict[str, wire.JSON] = {
    model_uuid(unique): {**wire.model(unique), "id": model_uuid(unique), "unique": unique, **extra}
    for unique, extra in MODEL_DETAILS.items()
}
MODELS_BY_UNIQUE = {model["unique"]: model for model in MODELS.values()}


# -- the endpoints --------------------------------------------------------------------------------


class OsApi:
    def __init__(self, api: Api, session: Session, *, installation_path: Path) -> None:
        self.api = api
        self.session = session
        self.installation_path = installation_path
        self.assets_hub = Hub(queue_size=4)  # assets never change here: closes at shutdown
        self.qgpt_hub = Hub(queue_size=4)
        self.applications: dict[str, wire.JSON] = {
            wire.SERVER_APPLICATION["id"]: dict(wire.SERVER_APPLICATION)
        }

    @property
    def db(self) -> Database:
        return self.api.db

    # -- well-known, user, context --------------------------------------------------------------

    async def installation_path_(self, request: Request) -> Response:
        return PlainTextResponse(str(self.installation_path))

    async def user(self, request: Request) -> Response:
        return json_response(self.session.returned_user())

    def _health(self) -> wire.JSON:
        return {"os": {"id": OS_ID, "version": SERVER_VERSION}}

    async def connect(self, request: Request) -> Response:
        body = await parse(request, SeededConnection)
        seed = body.application
        app_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"pieces-tui/{seed.name}/{seed.platform}"))
        application: wire.JSON = {
            "id": app_id,
            "name": seed.name,
            "version": seed.version,
            "platform": seed.platform,
            "onboarded": True,
            "privacy": seed.privacy or "OPEN",
            "mechanism": "MANUAL",
        }
        self.applications[app_id] = application
        context: wire.JSON = {"application": application, "health": self._health(), "os": OS_ID}
        if not self.session.signed_out:
            context["user"] = LOCAL_USER
        return json_response(context)

    async def applications_(self, request: Request) -> Response:
        return json_response({"iterable": list(self.applications.values())})

    # -- models ---------------------------------------------------------------------------------

    async def models(self, request: Request) -> Response:
        return json_response({"iterable": list(MODELS.values())})

    async def model(self, request: Request) -> Response:
        model_id = request.path_params["model"]
        found = MODELS.get(model_id) or MODELS_BY_UNIQUE.get(model_id)
        if found is None:
            raise not_found("model", model_id)
        return json_response(found)

    # -- rename and summarize -------------------------------------------------------------------

    def _rename(self, cid: str) -> wire.JSON:
        row = self.db.one("conversations", cid)
        if row is None:
            raise not_found("conversation", cid)
        name = local_name(self.db.messages(cid), row["created"])
        self.db.update_conversation(cid, {"name": name}, self.api.now())
        return self.api._conversation_json(cid)

    async def rename(self, request: Request) -> Response:
        cid = request.path_params["conversation"]
        renamed = await self.api.run(self._rename, cid)
        self.api.hub.publish(wire.streamed_ids([cid]))
        return json_response(renamed)

    def _summarize(self, cid: str, only: list[str] | None) -> str:
        row = self.db.one("conversations", cid)
        if row is None:
            raise not_found("conversation", cid)
        messages = self.db.messages(cid)
        if only:
            known = {m["id"] for m in messages}
            unknown = [mid for mid in only if mid not in known]
            if unknown:
                raise ApiError(
                    422, f"invalid body\nmessages.iterable: not in this conversation: {unknown[0]}"
                )
            wanted = set(only)
            messages = [m for m in messages if m["id"] in wanted]
        note = NewAnnotation(self.api.new_id(), "SUMMARY", local_summary(row["name"], messages))
        if not self.db.add_annotation(cid, note, self.api.now()):
            raise not_found("conversation", cid)
        return note.id

    async def summarize(self, request: Request) -> Response:
        cid = request.path_params["conversation"]
        body = await parse(request, SummarizeInput, optional=True)
        only = [ref.id for ref in body.messages.iterable] if body.messages else None
        annotation_id = await self.api.run(self._summarize, cid, only)
        self.api.hub.publish(wire.streamed_ids([cid]))
        self.api.annotation_hub.publish(streamed("annotation", [annotation_id]))
        return json_response({"annotation": {"id": annotation_id}, "conversation": {"id": cid}})

    # -- messages and annotations ---------------------------------------------------------------

    async def all_messages(self, request: Request) -> Response:
        rows = await self.api.run(self.db.all_messages)
        return json_response(wire.messages(rows))

    async def delete_message(self, request: Request) -> Response:
        mid = request.path_params["message"]
        cid = await self.api.run(self.db.delete_message, mid, self.api.now())
        if cid is None:
            raise not_found("message", mid)
        self.api.hub.publish(wire.streamed_ids([cid]))
        self.api.message_hub.publish(streamed("conversationMessage", [mid], deleted=True))
        return Response(status_code=204)

    def _update_message(self, body: MessageUpdate) -> Row:
        changes: dict[str, Any] = {}
        if body.fragment is not None and body.fragment.string is not None:
            changes["raw"] = body.fragment.text
        if "role" in body.model_fields_set and body.role is not None:
            changes["role"] = body.role
        if self.db.update_message(body.id, changes, self.api.now()) is None:
            raise not_found("message", body.id)
        row = self.db.one("messages", body.id)
        if row is None:  # deleted meanwhile
            raise not_found("message", body.id)
        return row

    async def update_message(self, request: Request) -> Response:
        body = await parse(request, MessageUpdate)
        row = await self.api.run(self._update_message, body)
        self.api.hub.publish(wire.streamed_ids([row["conversation_id"]]))
        self.api.message_hub.publish(streamed("conversationMessage", [row["id"]]))
        return json_response(wire.message(row))

    async def annotations(self, request: Request) -> Response:
        wanted = request.query_params.get("annotation_type_filter") or None
        rows = await self.api.run(self.db.all_annotations, wanted)
        return json_response(
            {
                "iterable": [wire.annotation(row) for row in rows],
                "indices": {row["id"]: pos for pos, row in enumerate(rows)},
            }
        )

    # -- QGPT -----------------------------------------------------------------------------------

    async def question(self, request: Request) -> Response:
        await parse(request, _AnyBody, optional=True)  # a malformed body is still a 400
        return PlainTextResponse(NO_MODEL, status_code=503)

    async def qgpt_stream(self, websocket: WebSocket) -> None:
        """Answers each QGPTStreamInput frame with one QGPTStreamOutput (FAILED: no model)."""
        await websocket.accept()
        subscription = self.qgpt_hub.subscribe()
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect" or subscription.dropped:
                    return
                await websocket.send_text(json.dumps(qgpt_answer(message.get("text"))))
        except WebSocketDisconnect:
            pass
        finally:
            self.qgpt_hub.unsubscribe(subscription)

    # -- identifier streams ---------------------------------------------------------------------

    def _stream(
        self, hub: Callable[[], Hub], first: Callable[[], Awaitable[str]]
    ) -> Callable[[WebSocket], Awaitable[None]]:
        async def endpoint(websocket: WebSocket) -> None:
            await websocket.accept()
            subscription = hub().subscribe()
            try:
                await websocket.send_text(await first())
                await _pump(websocket, subscription)
            except WebSocketDisconnect:
                pass
            finally:
                hub().unsubscribe(subscription)

        return endpoint

    async def _user_frame(self) -> str:
        return json.dumps(self.session.returned_user())

    async def _asset_ids(self) -> str:
        rows = await self.api.run(self.db.assets)
        return streamed("asset", [row["id"] for row in rows])

    async def _message_ids(self) -> str:
        rows = await self.api.run(self.db.all_messages)
        return streamed("conversationMessage", [row["id"] for row in rows])

    async def _annotation_ids(self) -> str:
        rows = await self.api.run(self.db.all_annotations)
        return streamed("annotation", [row["id"] for row in rows])

    def close_streams(self) -> None:
        for hub in (self.session.hub, self.assets_hub, self.qgpt_hub):
            hub.close_all()

    def routes(self) -> list[BaseRoute]:
        get, post = ["GET"], ["POST"]
        api = self.api
        return [
            Route("/.well-known/installation/path", self.installation_path_, methods=get),
            Route("/user", self.user, methods=get),
            WebSocketRoute(
                "/user/stream", self._stream(lambda: self.session.hub, self._user_frame)
            ),
            Route("/connect", self.connect, methods=post),
            Route("/applications", self.applications_, methods=get),
            Route("/models", self.models, methods=get),
            Route("/model/{model}", self.model, methods=get),
            Route("/conversation/{conversation}/rename", self.rename, methods=post),
            Route("/conversation/{conversation}/summarize", self.summarize, methods=post),
            Route("/messages", self.all_messages, methods=get),
            Route("/messages/{message}/delete", self.delete_message, methods=post),
            Route("/message/update", self.update_message, methods=post),
            Route("/message/update/value", self.update_message, methods=post),
            Route("/annotations", self.annotations, methods=get),
            Route("/qgpt/question", self.question, methods=post),
            WebSocketRoute("/qgpt/stream", self.qgpt_stream),
            WebSocketRoute(
                "/assets/stream/identifiers", self._stream(lambda: self.assets_hub, self._asset_ids)
            ),
            WebSocketRoute(
                "/messages/stream/identifiers",
                self._stream(lambda: api.message_hub, self._message_ids),
            ),
            WebSocketRoute(
                "/annotations/stream/identifiers",
                self._stream(lambda: api.annotation_hub, self._annotation_ids),
            ),
        ]


class _AnyBody(BaseModel):
    pass


def streamed(kind: str, ids: list[str], deleted: bool = False) -> str:
    """A `StreamedIdentifiers` frame for ids of another kind than conversations (`asset`,
    `annotation`, `conversationMessage`)."""
    return json.dumps({"iterable": [{kind: {"id": i}, "deleted": deleted} for i in ids]})


def qgpt_answer(text: str | None) -> wire.JSON:
    """The QGPTStreamOutput answering one input frame."""
    try:
        data = json.loads(text or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return {
            "conversation": "",
            "status": "FAILED",
            "statusCode": 400,
            "errorMessage": "malformed QGPTStreamInput: expected a JSON object",
        }
    request_id = data.get("request")
    conversation = data.get("conversation")
    out: wire.JSON = {"conversation": conversation if isinstance(conversation, str) else ""}
    if isinstance(request_id, str):
        out["request"] = request_id
    if data.get("reset"):
        out.update(status="RESET", statusCode=200)
    elif data.get("stop"):
        out.update(status="STOPPED", statusCode=200)
    else:
        out.update(status="FAILED", statusCode=503, errorMessage=NO_MODEL)
    return out
