"""(b) The server is killed mid-session; while it is down another client creates, renames and
deletes conversations (through a second server on the same database, which the app cannot
reach); the server comes back on another port behind the same address."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.server import EmbeddedServer

from .conftest import (
    SIZE,
    LaterIds,
    StatusLog,
    assert_in_step,
    assert_responsive,
    count_fault,
    detail_text,
    errors,
    has_notice,
    later_clock,
    recorder,
    rename_via_ui,
    seed,
    started,
    status_text,
    wait_until,
)
from .proxy import FaultProxy


async def test_killed_and_restarted_with_changes_while_down(
    make_server: Callable[..., EmbeddedServer],
    proxy: FaultProxy,
    make_app: Callable[..., PiecesApp],
    tmp_path: Path,
) -> None:
    first = make_server(tmp_path / "pieces.db")
    ids = await seed(first.url, 6)
    proxy.set_upstream(first.port)
    app = make_app(proxy.url)
    async with app.run_test(size=SIZE, message_hook=recorder(app)) as pilot:
        log = StatusLog(app)
        await started(pilot, app, 6)
        open_id = app.main_screen.detail.conversation_id
        assert open_id == ids[-1]  # newest first

        mark = log.mark()
        await asyncio.to_thread(first.stop)
        count_fault("server killed")
        await wait_until(pilot, lambda: app.main_screen.status.state in ("reconnecting", "offline"))
        await assert_responsive(pilot, app, move=False)

        # A rename while it is down fails, and says why.
        await rename_via_ui(pilot, app, "Never saved")
        await wait_until(pilot, has_notice(app, "Could not rename", "cannot reach Pieces OS"))

        # Meanwhile the database changes behind a server the app cannot reach.
        second = make_server(
            first.db_path,
            id_factory=LaterIds(1000),
            clock=later_clock(datetime(2027, 1, 1, tzinfo=UTC)),
        )
        async with PiecesClient(second.url) as other:
            created = await other.create_conversation("Created while down")
            await other.rename_conversation(ids[0], "Renamed while down")
            await other.delete_conversation(ids[1])
            await other.delete_conversation(open_id)  # the one on screen

        assert app.main_screen.status.state != "live"
        proxy.set_upstream(second.port)  # back, on the same address
        await wait_until(pilot, lambda: app.main_screen.status.state == "live", what="live again")
        await assert_in_step(pilot, app, second.url)
        assert app.store.ids()[:2] == [ids[0], created.id]  # renamed last, so newest
        assert "Never saved" not in {row.name for row in app.store.ordered()}
        await wait_until(pilot, lambda: "deleted" in detail_text(app), what="open one deleted")

        texts = log.since(mark)
        down = [t for t in texts if "reconnecting" in t or "offline" in t]
        assert down and "● live" in texts[-1] and "● live" in status_text(app), texts
        assert errors(app) == [e for e in errors(app) if "Could not rename" in e], errors(
            app
        )  # the one failed action, nothing else
        await assert_responsive(pilot, app)
