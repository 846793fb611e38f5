"""A live stream that goes silent without closing (a stalled proxy, a suspended Pieces OS): the
app notices through its keepalive pings, says so, and resynchronises when the stream returns."""

from __future__ import annotations

from collections.abc import Callable

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.server import EmbeddedServer

from .conftest import (
    SIZE,
    StatusLog,
    assert_in_step,
    assert_responsive,
    errors,
    recorder,
    seed,
    started,
    status_text,
    wait_until,
)
from .proxy import FaultProxy


async def test_a_silent_stream_is_noticed_and_recovered(
    server: EmbeddedServer, proxy: FaultProxy, make_app: Callable[..., PiecesApp]
) -> None:
    ids = await seed(server.url, 3)
    proxy.set_upstream(server.port)
    app = make_app(proxy.url, stream_keepalive=0.3)
    async with (
        app.run_test(size=SIZE, message_hook=recorder(app)) as pilot,
        PiecesClient(server.url) as other,
    ):
        log = StatusLog(app)
        await started(pilot, app, 3)
        mark = log.mark()

        proxy.stall(True, only="ws")  # HTTP keeps flowing; the stream's bytes are held
        await wait_until(
            pilot,
            lambda: log.saw("reconnecting", mark) or log.saw("offline", mark),
            within=15,
            what="the status bar says the stream is down",
        )
        await assert_responsive(pilot, app)
        await other.rename_conversation(ids[0], "Renamed while the stream was silent")
        created = await other.create_conversation(name="Created while the stream was silent")

        proxy.stall(False)
        await wait_until(pilot, lambda: "● live" in status_text(app), within=15, what="live")
        await wait_until(pilot, lambda: created.id in app.store, what="the resync")
        await assert_in_step(pilot, app, server.url)
        assert app.store.get(ids[0]).name == "Renamed while the stream was silent"
        assert not errors(app), errors(app)
