"""What real Pieces OS does that a happy path never shows: nobody signed in (401), an update
required (593), a version outside the tested range, roles and annotation types newer than ours."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pieces_tui.client import (
    IdentifierStream,
    PiecesClient,
    ServerError,
    SignedOut,
    Snapshot,
    StreamState,
    UpdateRequired,
    check_version,
)
from pieces_tui.client.models import (
    AnnotationType,
    MessageRole,
    is_known_annotation_type,
    is_known_role,
)
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.db import Database
from pieces_tui.server.records import NewAnnotation, NewConversation, NewMessage
from pieces_tui.server.routes_os import SIGNED_OUT
from tests.faults.proxy import FaultProxy

from .helpers import next_event


async def test_signed_out_is_a_typed_error_and_recovers_once_signed_in(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server(demo=True, signed_out=True)
    async with PiecesClient(server.url) as client:
        assert (await client.health()).startswith("ok")  # health and version stay open
        assert (await client.check_version()).supported
        with pytest.raises(SignedOut) as caught:
            await client.conversation_summaries()
        assert caught.value.status == 401 and caught.value.text == SIGNED_OUT
        assert "sign in from the Pieces desktop app" in caught.value.notice
        assert isinstance(caught.value, ServerError)  # callers catching ServerError still do
        server.signed_out = False
        assert await client.conversation_summaries()


async def test_stream_reports_401_and_goes_live_once_signed_in(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server(demo=True, signed_out=True)
    stream = IdentifierStream(server.url, base_delay=0.05, max_delay=0.2)
    try:
        refused = await next_event(
            stream, StreamState, skip_states=False, within=20
        )  # "connecting" first
        while not (isinstance(refused, StreamState) and refused.status == 401):
            refused = await next_event(stream, StreamState, skip_states=False, within=20)
        assert refused.state in {"reconnecting", "offline"}
        server.signed_out = False
        snapshot = await next_event(stream, Snapshot, within=30)
        assert isinstance(snapshot, Snapshot) and snapshot.ids
    finally:
        await stream.aclose()


async def test_update_required_593(server: EmbeddedServer) -> None:
    # The embedded server never answers 593 (it needs no update): the fault proxy (a real
    # socket in front of the real server) answers it, as Pieces OS does when it must update.
    async with FaultProxy(upstream_port=server.port) as proxy:
        proxy.fail("GET", "/conversations.*", status=593, body="PiecesOS update required")
        async with PiecesClient(proxy.url) as client:
            assert await client.health()
            with pytest.raises(UpdateRequired) as caught:
                await client.conversation_summaries()
    assert caught.value.status == 593 and "update" in caught.value.notice


@pytest.mark.parametrize(
    ("version", "supported", "says"),
    [
        ("12.0.0", True, ""),
        ("12.6.1", True, ""),
        ("12.3.0-pieces-tui-embedded.0.1.0", True, ""),
        ("12.99.0+build.7", True, ""),
        ("11.9.9", False, "older"),
        ("13.0.0", False, "newer"),
        ("13.0.0-beta.1", False, "newer"),
        ("debug", False, "cannot read"),
        ("", False, "cannot read"),
    ],
)
def test_version_check_names_both_versions(version: str, supported: bool, says: str) -> None:
    check = check_version(version)
    assert check.supported is supported
    if supported:
        assert check.notice == ""
    else:
        assert says in check.notice and "12.0.0 <= version < 13.0.0" in check.notice
        assert "still try" in check.notice


async def test_newer_roles_and_annotation_types_keep_their_raw_names(tmp_path: Path) -> None:
    # The server's API accepts only today's roles, so the newer ones are written to its
    # database directly, as a newer Pieces OS would hold them; the real server then serves them.
    path = tmp_path / "newer.db"
    db = Database(path)
    created = "2026-12-01T00:00:00.000000Z"
    db.insert_conversations(
        [
            NewConversation(
                id="c1",
                created=created,
                name="newer",
                messages=[
                    NewMessage("m1", "USER", "run the tool", created),
                    NewMessage("m2", "TOOL", "tool output", created),
                    NewMessage("m3", "\x1b[31mEVIL", "escape as a role", created),
                ],
                annotations=[
                    NewAnnotation("a1", "COMPACTION", "compacted"),
                    NewAnnotation("a2", "SUMMARY", "a summary"),
                ],
            )
        ]
    )
    db.close()
    with EmbeddedServer(path) as server:
        async with PiecesClient(server.url) as client:
            messages = await client.messages("c1")
            notes = await client.annotations(["a1", "a2"])
    roles = [message.role for message in messages]
    assert roles == [MessageRole.USER, "TOOL", MessageRole.UNKNOWN]
    assert [str(role) for role in roles] == ["USER", "TOOL", "UNKNOWN"]
    assert [is_known_role(role) for role in roles] == [True, False, True]
    kinds = [note.type for note in notes]
    assert kinds == ["COMPACTION", AnnotationType.SUMMARY]
    assert [is_known_annotation_type(kind) for kind in kinds] == [False, True]
