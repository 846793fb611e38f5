"""Snapshots of marked rows, the bulk delete dialog and the undo toast (80x24 and wide)."""

from __future__ import annotations

import pytest
from pilot_wait import wait_until
from textual.pilot import Pilot
from textual.widgets import Button

from pieces_tui.app import PiecesApp
from pieces_tui.config import Settings
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen

from .conftest import loaded
from .test_snapshots import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 60), id="200x60")]
LONG_NAME = "A very long conversation name " * 6


async def marked_rows(pilot: Pilot[None]) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, PiecesApp)
    await pilot.press("space", "space", "down", "space", "shift+down")
    await wait_until(pilot, lambda: app.main_screen.marked == 5)
    await wait_until(pilot, loaded(app))  # the pane shows the row the highlight moved to
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_marked_rows(snap_compare, demo_server, make_app, size) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=size, run_before=marked_rows)


@pytest.mark.parametrize("size", SIZES)
def test_bulk_delete_dialog(snap_compare, demo_server, make_app, tmp_path, size) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await marked_rows(pilot)
        app = pilot.app
        assert isinstance(app, PiecesApp)
        # The dialog as `d` builds it, with a long name first (a rename would stamp the row
        # with the server's wall clock, and the snapshot would change by the day).
        names = [LONG_NAME, *(app.store.get(cid).name for cid in app.main_screen.bulk.targets())]
        app.push_screen(ConfirmDeleteScreen(names, undo_seconds=5))
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDeleteScreen))
        await pilot.pause()

    app = make_app(demo_server.url, settings=Settings(path=tmp_path / "c.json", undo_seconds=5))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_undo_toast(snap_compare, demo_server, make_app, tmp_path, size) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await marked_rows(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDeleteScreen))
        pilot.app.screen.query_one("#delete", Button).press()
        app = pilot.app
        assert isinstance(app, PiecesApp)
        await wait_until(pilot, lambda: app.main_screen.bulk.pending_count() == 5)
        # The pane shows the row the highlight moved to (not only: is not loading).
        await wait_until(pilot, loaded(app))
        await pilot.pause()

    # A window far longer than the test: the toast is still up when the snapshot is taken.
    app = make_app(demo_server.url, settings=Settings(path=tmp_path / "c.json", undo_seconds=600))
    assert snap_compare(app, terminal_size=size, run_before=run_before)
