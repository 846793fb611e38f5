"""The OS-level endpoints (routes_os.py) through the official `pieces_os_client` 5.0.1 SDK.

Every answer goes through the SDK's generated models, so each test proves the shape (and the
required fields) is Pieces OS's. WebSocket frames are validated with the same models.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator

import httpx
import pytest
from pieces_os_client.api.annotations_api import AnnotationsApi
from pieces_os_client.api.applications_api import ApplicationsApi
from pieces_os_client.api.connector_api import ConnectorApi
from pieces_os_client.api.conversation_api import ConversationApi
from pieces_os_client.api.conversation_message_api import ConversationMessageApi
from pieces_os_client.api.conversation_messages_api import ConversationMessagesApi
from pieces_os_client.api.conversations_api import ConversationsApi
from pieces_os_client.api.model_api import ModelApi
from pieces_os_client.api.models_api import ModelsApi
from pieces_os_client.api.qgpt_api import QGPTApi
from pieces_os_client.api.user_api import UserApi
from pieces_os_client.api.well_known_api import WellKnownApi
from pieces_os_client.api_client import ApiClient
from pieces_os_client.configuration import Configuration
from pieces_os_client.exceptions import ApiException, NotFoundException, UnauthorizedException
from pieces_os_client.models.annotation_type_enum import AnnotationTypeEnum
from pieces_os_client.models.application_name_enum import ApplicationNameEnum
from pieces_os_client.models.conversation_message import ConversationMessage
from pieces_os_client.models.fragment_format import FragmentFormat
from pieces_os_client.models.platform_enum import PlatformEnum
from pieces_os_client.models.qgpt_question_input import QGPTQuestionInput
from pieces_os_client.models.qgpt_stream_enum import QGPTStreamEnum
from pieces_os_client.models.qgpt_stream_output import QGPTStreamOutput
from pieces_os_client.models.relevant_qgpt_seeds import RelevantQGPTSeeds
from pieces_os_client.models.returned_user_profile import ReturnedUserProfile
from pieces_os_client.models.seeded_connector_connection import SeededConnectorConnection
from pieces_os_client.models.seeded_tracked_application import SeededTrackedApplication
from pieces_os_client.models.streamed_identifiers import StreamedIdentifiers
from pieces_os_client.models.transferable_string import TransferableString
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from pieces_tui.client.compat import check_version
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.routes_os import NO_MODEL, SIGNED_OUT, local_name, model_uuid
from pieces_tui.server.runner import PIECES_PORTS

TIMEOUT = 10


def sdk_for(server: EmbeddedServer) -> ApiClient:
    return ApiClient(Configuration(host=server.url))


@pytest.fixture
def sdk(demo_server: EmbeddedServer) -> Iterator[ApiClient]:
    with sdk_for(demo_server) as client:
        yield client


def ws(server: EmbeddedServer, path: str) -> ClientConnection:
    return connect(server.url.replace("http://", "ws://") + path, open_timeout=TIMEOUT)


def recv_json(conn: ClientConnection) -> str:
    frame = conn.recv(timeout=TIMEOUT)
    assert isinstance(frame, str)
    return frame


def first_conversation(sdk: ApiClient) -> str:
    ids = ConversationsApi(sdk).conversations_identifiers_snapshot()
    return ids.iterable[0].id


# -- well-known, user, context, models, applications ----------------------------------------------


def test_version_is_12x_with_a_suffix_naming_this_server(sdk: ApiClient) -> None:
    version = WellKnownApi(sdk).get_well_known_version()
    assert version.startswith("12.")
    assert "-pieces-tui-embedded." in version
    assert check_version(version).supported
    path = WellKnownApi(sdk).get_installation_path()
    assert path and "pieces_tui" in path


def test_user_and_its_stream(demo_server: EmbeddedServer, sdk: ApiClient) -> None:
    user = UserApi(sdk).user_snapshot().user
    assert user is not None and user.id and user.aesthetics.theme.dark is True
    with ws(demo_server, "/user/stream") as conn:
        first = ReturnedUserProfile.from_json(recv_json(conn))
        assert first is not None and first.user == user
        demo_server.signed_out = True
        signed_out = ReturnedUserProfile.from_json(recv_json(conn))
        assert signed_out is not None and signed_out.user is None
        demo_server.signed_out = False
        again = ReturnedUserProfile.from_json(recv_json(conn))
        assert again is not None and again.user == user


def test_models_and_one_model(sdk: ApiClient) -> None:
    models = ModelsApi(sdk).models_snapshot().iterable
    uniques = {model.unique: model for model in models}
    # The two models pieces-cli looks up by name (it will not start or ask without them).
    assert "gemini-2.0-flash-lite-001" in uniques
    assert any(model.name == "GPT-3.5-turbo Chat Model" for model in models)
    gpt = uniques["gpt-4o"]
    assert gpt.id == model_uuid("gpt-4o") and gpt.cloud
    assert ModelApi(sdk).models_specific_model_snapshot(gpt.id) == gpt
    # Messages refer to models by their slug: that resolves too.
    assert ModelApi(sdk).models_specific_model_snapshot("gpt-4o") == gpt
    with pytest.raises(NotFoundException):
        ModelApi(sdk).models_specific_model_snapshot("no-such-model")


def test_connect_and_applications(sdk: ApiClient) -> None:
    seed = SeededConnectorConnection(
        application=SeededTrackedApplication(
            name=ApplicationNameEnum.PIECES_FOR_DEVELOPERS_CLI,
            platform=PlatformEnum.LINUX,
            version="1.20.1",
        )
    )
    context = ConnectorApi(sdk).connect(seeded_connector_connection=seed)
    assert context.application.name == ApplicationNameEnum.PIECES_FOR_DEVELOPERS_CLI
    assert context.health.os.version.startswith("12.")
    assert context.user is not None
    again = ConnectorApi(sdk).connect(seeded_connector_connection=seed)
    assert again.application.id == context.application.id  # stable per application
    apps = ApplicationsApi(sdk).applications_snapshot().iterable
    names = [app.name for app in apps]
    assert ApplicationNameEnum.OS_SERVER in names  # pieces-cli reads the OS id from it
    assert ApplicationNameEnum.PIECES_FOR_DEVELOPERS_CLI in names


# -- signed out -----------------------------------------------------------------------------------


def test_signed_out_gates_data_reads_but_not_health_and_version(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server(demo=True, signed_out=True)
    with sdk_for(server) as sdk:
        assert WellKnownApi(sdk).get_well_known_health().startswith("ok")
        assert WellKnownApi(sdk).get_well_known_version().startswith("12.")
        assert UserApi(sdk).user_snapshot().user is None
        with pytest.raises(UnauthorizedException) as caught:
            ConversationsApi(sdk).conversations_snapshot()
        assert caught.value.body == SIGNED_OUT
        with pytest.raises(UnauthorizedException):
            ModelsApi(sdk).models_snapshot()
    with pytest.raises(InvalidStatus) as refused, ws(server, "/conversations/stream/identifiers"):
        pass
    assert refused.value.response.status_code == 401
    server.signed_out = False  # someone signs in: the same server answers again
    with sdk_for(server) as sdk:
        assert ConversationsApi(sdk).conversations_snapshot().iterable


# -- rename, summarize, announced on the stream ---------------------------------------------------


def test_rename_makes_a_name_from_the_first_user_message(
    demo_server: EmbeddedServer, sdk: ApiClient
) -> None:
    cid = first_conversation(sdk)
    messages = ConversationApi(sdk).conversation_specific_conversation_messages(cid).iterable
    first_user = next(m for m in messages if m.role.value == "USER")
    assert first_user.fragment is not None and first_user.fragment.string is not None
    with ws(demo_server, "/conversations/stream/identifiers") as conn:
        recv_json(conn)  # the first frame: every id
        renamed = ConversationApi(sdk).conversation_specific_conversation_rename(cid)
        frame = StreamedIdentifiers.from_json(recv_json(conn))
    expected = local_name([{"role": "USER", "raw": first_user.fragment.string.raw}], "")
    assert renamed.name == expected
    assert frame is not None and frame.iterable[0].conversation is not None
    assert frame.iterable[0].conversation.id == cid
    again = ConversationApi(sdk).conversation_specific_conversation_rename(cid)
    assert again.name == expected  # deterministic


def test_local_name_rules() -> None:
    def name(text: str) -> str:
        return local_name([{"role": "ASSISTANT", "raw": "hi"}, {"role": "USER", "raw": text}], "")

    assert name("  **why** is `git` slow?  Then more.") == "Why is git slow"
    assert name("```py\nprint(1)\n```\nexplain this code please") == "Explain this code please"
    assert local_name([], "2026-12-01T00:00:00.000000Z") == "Conversation of 2026-12-01"
    long = name("word " * 30)
    assert long == " ".join(["Word"] + ["word"] * 7)


def test_summarize_adds_a_summary_annotation(demo_server: EmbeddedServer, sdk: ApiClient) -> None:
    cid = first_conversation(sdk)
    before = ConversationApi(sdk).conversation_get_specific_conversation(cid)
    assert before.annotations is not None
    with (
        ws(demo_server, "/conversations/stream/identifiers") as conversations,
        ws(demo_server, "/annotations/stream/identifiers") as annotations,
    ):
        recv_json(conversations)
        recv_json(annotations)
        out = ConversationApi(sdk).conversation_summarize(cid)
        changed = StreamedIdentifiers.from_json(recv_json(conversations))
        noted = StreamedIdentifiers.from_json(recv_json(annotations))
    assert out.conversation.id == cid
    assert changed is not None and changed.iterable[0].conversation is not None
    assert changed.iterable[0].conversation.id == cid
    assert noted is not None and noted.iterable[0].annotation is not None
    assert noted.iterable[0].annotation.id == out.annotation.id
    after = ConversationApi(sdk).conversation_get_specific_conversation(cid)
    assert after.annotations is not None
    assert len(after.annotations.iterable) == len(before.annotations.iterable) + 1
    summaries = AnnotationsApi(sdk).annotations_snapshot(annotation_type_filter="SUMMARY")
    made = next(a for a in summaries.iterable if a.id == out.annotation.id)
    assert made.type == AnnotationTypeEnum.SUMMARY
    assert "Summarized locally" in made.text and "messages" in made.text
    # Unknown conversation: 404 with a reason.
    with pytest.raises(NotFoundException):
        ConversationApi(sdk).conversation_summarize("no-such-conversation")


# -- messages and annotations ---------------------------------------------------------------------


def test_messages_snapshot_update_and_delete(server: EmbeddedServer) -> None:
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
        body = {
            "type": "COPILOT",
            "messages": [
                {"role": "USER", "fragment": {"string": {"raw": "one"}}},
                {"role": "ASSISTANT", "fragment": {"string": {"raw": "two"}}},
            ],
        }
        cid = http.post("/conversations/create", json=body).json()["id"]
    with sdk_for(server) as sdk, ws(server, "/messages/stream/identifiers") as conn:
        first = StreamedIdentifiers.from_json(recv_json(conn))
        listed = ConversationMessagesApi(sdk).messages_snapshot().iterable
        assert first is not None
        assert [i.conversation_message.id for i in first.iterable if i.conversation_message] == [
            m.id for m in listed
        ]
        one, two = listed
        one.fragment = FragmentFormat(string=TransferableString(raw="one, edited"))
        updated = ConversationMessageApi(sdk).message_specific_message_update(
            conversation_message=one
        )
        assert isinstance(updated, ConversationMessage)
        assert updated.fragment is not None and updated.fragment.string is not None
        assert updated.fragment.string.raw == "one, edited"
        edited = StreamedIdentifiers.from_json(recv_json(conn))
        assert edited is not None and edited.iterable[0].conversation_message is not None
        assert edited.iterable[0].conversation_message.id == one.id
        one.fragment = FragmentFormat(string=TransferableString(raw="one, again"))
        value = ConversationMessageApi(sdk).message_update_value(conversation_message=one)
        assert value.fragment is not None and value.fragment.string is not None
        assert value.fragment.string.raw == "one, again"
        recv_json(conn)
        ConversationMessagesApi(sdk).messages_delete_specific_message(two.id)
        gone = StreamedIdentifiers.from_json(recv_json(conn))
        assert gone is not None and gone.iterable[0].deleted is True
        left = ConversationApi(sdk).conversation_specific_conversation_messages(cid).iterable
        assert [m.id for m in left] == [one.id]
        with pytest.raises(NotFoundException):
            ConversationMessagesApi(sdk).messages_delete_specific_message(two.id)


def test_annotations_snapshot_and_filter(sdk: ApiClient) -> None:
    every = AnnotationsApi(sdk).annotations_snapshot().iterable
    assert every
    summaries = AnnotationsApi(sdk).annotations_snapshot(annotation_type_filter="SUMMARY")
    assert summaries.iterable and all(
        a.type == AnnotationTypeEnum.SUMMARY for a in summaries.iterable
    )


def test_asset_stream_first_frame(demo_server: EmbeddedServer, sdk: ApiClient) -> None:
    with ws(demo_server, "/assets/stream/identifiers") as conn:
        frame = StreamedIdentifiers.from_json(recv_json(conn))
    assert frame is not None
    from pieces_os_client.api.assets_api import AssetsApi

    ids = [ref.id for ref in AssetsApi(sdk).assets_identifiers_snapshot().iterable]
    assert [item.asset.id for item in frame.iterable if item.asset] == ids


# -- QGPT: no model, said in the protocol's own shape ---------------------------------------------


def test_question_answers_503_with_the_reason(sdk: ApiClient) -> None:
    question = QGPTQuestionInput(query="What is jitter?", relevant=RelevantQGPTSeeds(iterable=[]))
    with pytest.raises(ApiException) as caught:
        QGPTApi(sdk).question(qgpt_question_input=question)
    assert caught.value.status == 503
    assert caught.value.body == NO_MODEL


def test_qgpt_stream_answers_failed_with_the_reason(demo_server: EmbeddedServer) -> None:
    with ws(demo_server, "/qgpt/stream") as conn:
        conn.send(json.dumps({"request": "r1", "question": {"query": "hi", "relevant": {}}}))
        answer = QGPTStreamOutput.from_json(recv_json(conn))
        assert answer is not None
        assert answer.status == QGPTStreamEnum.FAILED
        assert answer.error_message == NO_MODEL and answer.request == "r1"
        conn.send("not json")
        bad = QGPTStreamOutput.from_json(recv_json(conn))
        assert bad is not None and bad.status == QGPTStreamEnum.FAILED
        assert bad.status_code == 400


# -- unknown paths, ports -------------------------------------------------------------------------


def test_unknown_paths_are_404_for_http_and_websocket(demo_server: EmbeddedServer) -> None:
    with httpx.Client(base_url=demo_server.url, timeout=TIMEOUT) as http:
        assert http.get("/no/such/path").status_code == 404
    with pytest.raises(InvalidStatus) as refused, ws(demo_server, "/no/such/stream"):
        pass
    assert refused.value.response.status_code == 404
    # An HTTP-only path asked for as a WebSocket is unknown as a WebSocket too.
    with pytest.raises(InvalidStatus) as http_only, ws(demo_server, "/conversations"):
        pass
    assert http_only.value.response.status_code == 404


# Binds in Pieces OS's own port range: one worker for all such tests (pyproject `--dist loadgroup`).
@pytest.mark.xdist_group("pieces-os-ports")
def test_a_taken_pieces_port_falls_back_to_the_next_free_one(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    # Hold the first port of the range that is free now (another program's socket), then ask
    # for it: the server takes a later port of the range and says which.
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        for port in PIECES_PORTS:
            try:
                holder.bind(("127.0.0.1", port))
                break
            except OSError:
                continue
        else:
            pytest.skip("every port of 39300-39333 is taken on this machine")
        holder.listen()
        server = make_server(port=port)
        assert server.requested_port == port
        assert server.port != port and server.port in PIECES_PORTS and server.port > port
        assert httpx.get(f"{server.url}/.well-known/health", timeout=TIMEOUT).text == "ok"
    finally:
        holder.close()
