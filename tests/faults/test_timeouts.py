"""(e) Responses slower than the client's timeout: the proxy holds every byte (requests and the
live stream) for longer than the app's request timeout (shortened to 0.5 s for the test)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.server import EmbeddedServer

from .conftest import (
    SIZE,
    assert_in_step,
    assert_responsive,
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

TIMEOUT = 0.5


async def test_stalled_responses_time_out_and_the_app_recovers(
    server: EmbeddedServer, proxy: FaultProxy, make_app: Callable[..., PiecesApp]
) -> None:
    ids = await seed(server.url, 4)
    proxy.set_upstream(server.port)
    app = make_app(proxy.url, request_timeout=TIMEOUT)
    loop = asyncio.get_running_loop()
    async with (
        app.run_test(size=SIZE, message_hook=recorder(app)) as pilot,
        PiecesClient(server.url) as other,
    ):
        await started(pilot, app, 4)
        target = app.main_screen.conversation_list.highlighted_id
        name = app.store.get(target).name

        proxy.stall(True)
        begun = loop.time()
        await rename_via_ui(pilot, app, "Lost in the stall")
        await wait_until(
            pilot, has_notice(app, "Could not rename", "did not answer", f"within {TIMEOUT:g} s")
        )
        assert loop.time() - begun < TIMEOUT + 30  # the stall is endless: the timeout ended it
        assert app.store.get(target).name == name

        # Keys are handled during the stall; opening another conversation times out and says so.
        await assert_responsive(pilot, app)
        opened = app.main_screen.conversation_list.highlighted_id
        await wait_until(pilot, lambda: "did not answer" in detail_text(app), what="pane error")
        assert "Could not load this conversation" in detail_text(app)
        assert app.main_screen.detail.conversation_id == opened
        await assert_responsive(pilot, app)

        # The server changes meanwhile; the app only hears of it once the stall ends.
        await other.rename_conversation(ids[0], "Renamed during the stall")
        proxy.stall(False)

        await assert_responsive(pilot, app)
        now_open = app.main_screen.conversation_list.highlighted_id
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == now_open)
        await wait_until(
            pilot, lambda: not app.main_screen.detail.loading and "did not" not in detail_text(app)
        )
        assert (app.store.get(now_open).name or "") in detail_text(app)
        await rename_via_ui(pilot, app, "Saved after the stall")
        renamed = app.main_screen.conversation_list.highlighted_id
        await wait_until(
            pilot,
            lambda: (
                app.main_screen.conversation_list.get_row(renamed).name == "Saved after the stall"
            ),
        )
        assert "● live" in status_text(app)
        await assert_in_step(pilot, app, server.url)
        assert app.store.get(ids[0]).name == "Renamed during the stall"
        assert "Lost in the stall" not in {row.name for row in app.store.ordered()}
        assert len(errors(app)) == 1, errors(app)  # the rename; the pane told of the open
