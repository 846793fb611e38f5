"""(d) The server answers 500 with a plain-text reason to rename, delete, create and opening a
conversation (and to the live sync's own fetches meanwhile).

A healthy embedded server cannot be made to fail like this, so the proxy answers those requests
in its place (on real sockets; the request never reaches the server), the way a crashing Pieces
OS would: status 500, body text/plain.
"""

from __future__ import annotations

from collections.abc import Callable

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.server import EmbeddedServer

from .conftest import (
    SIZE,
    assert_in_step,
    assert_responsive,
    create_via_ui,
    delete_via_ui,
    detail_text,
    errors,
    has_notice,
    recorder,
    rename_via_ui,
    seed,
    started,
    status_text,
    wait_until,
)
from .proxy import FaultProxy

REASON = "database is locked (injected by the test proxy)"
ONE = r"/conversation/[^/]+"


async def test_server_errors_are_shown_and_nothing_is_lost(
    server: EmbeddedServer, proxy: FaultProxy, make_app: Callable[..., PiecesApp]
) -> None:
    ids = await seed(server.url, 4)
    proxy.set_upstream(server.port)
    app = make_app(proxy.url)
    async with (
        app.run_test(size=SIZE, message_hook=recorder(app)) as pilot,
        PiecesClient(server.url) as other,
    ):
        await started(pilot, app, 4)
        target = app.main_screen.conversation_list.highlighted_id
        assert target == ids[-1]
        name = app.store.get(target).name

        proxy.fail("POST", "/conversation/update", body=REASON)
        await rename_via_ui(pilot, app, "Not saved")
        await wait_until(pilot, has_notice(app, "Could not rename", "answered 500", REASON))
        assert app.store.get(target).name == name
        await assert_responsive(pilot, app)
        app.main_screen.conversation_list.highlight(target)

        proxy.fail("POST", r"/conversations/[^/]+/delete", body=REASON)
        await delete_via_ui(pilot, app)
        await wait_until(pilot, has_notice(app, "Could not delete", "answered 500", REASON))
        assert target in app.store and app.main_screen.conversation_list.get_row(target) is not None

        proxy.fail("POST", "/conversations/create", body=REASON)
        await create_via_ui(pilot, app, "Not created")
        await wait_until(pilot, has_notice(app, "Could not create", "answered 500", REASON))
        assert len(app.store) == 4
        assert len(errors(app)) == 3, errors(app)

        # Opening a conversation: the pane says why. The live sync's own fetch of a conversation
        # changed elsewhere fails the same way meanwhile.
        proxy.fail("GET", ONE, body=REASON)
        await other.rename_conversation(ids[0], "Renamed while the server fails")
        await assert_responsive(pilot, app)  # moves the highlight: a detail load
        opened = app.main_screen.conversation_list.highlighted_id
        await wait_until(pilot, lambda: REASON in detail_text(app), what="pane shows the reason")
        assert "Could not load this conversation" in detail_text(app)
        assert app.main_screen.detail.conversation_id == opened
        await wait_until(
            pilot,
            lambda: proxy.requests.count(("GET", f"/conversation/{ids[0]}")) >= 1,
            what="the sync tried to fetch the renamed conversation",
        )

        # The server recovers: every action works again and nothing was lost.
        proxy.clear_failures()
        # Enter on the conversation that failed to open tries it again, where it is.
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: not app.main_screen.detail.failed and not app.main_screen.detail.loading,
            what="the pane loaded on Enter",
        )
        assert app.main_screen.detail.conversation_id == opened
        assert REASON not in detail_text(app)
        assert (app.store.get(opened).name or "") in detail_text(app)
        await pilot.press("escape")
        await assert_responsive(pilot, app)
        now_open = app.main_screen.conversation_list.highlighted_id
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == now_open)
        await wait_until(
            pilot, lambda: not app.main_screen.detail.loading and REASON not in detail_text(app)
        )
        assert (app.store.get(now_open).name or "") in detail_text(app)
        await rename_via_ui(pilot, app, "Saved at last")
        renamed = app.main_screen.conversation_list.highlighted_id
        await wait_until(
            pilot,
            lambda: app.main_screen.conversation_list.get_row(renamed).name == "Saved at last",
        )
        assert "● live" in status_text(app)
        await assert_in_step(pilot, app, server.url)
        assert app.store.get(ids[0]).name == "Renamed while the server fails"
        assert len(errors(app)) == 3, errors(app)
