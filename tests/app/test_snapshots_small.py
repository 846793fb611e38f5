"""Every dialog fits at 80x24 (and works down to 60x20): snapshots at the small sizes (issue 17)."""

from __future__ import annotations

import pytest
from pilot_wait import wait_until
from textual.pilot import Pilot

from pieces_tui.client.http import PiecesClient
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen
from pieces_tui.screens.help import HelpScreen

from .test_snapshots import open_from_asset, open_rename, settle, still

SMALL = [(80, 24), (60, 20)]


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "60x20"])
def test_help_scrolls_and_shows_its_close_hint(snap_compare, demo_server, make_app, size) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.press("end")  # the body scrolls to its last section
        await pilot.pause()

    assert snap_compare(make_app(demo_server.url), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 25), (60, 20)], ids=["80x24", "100x25", "60x20"])
def test_from_an_asset_shows_its_buttons(snap_compare, demo_server, make_app, size) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        screen = await open_from_asset(pilot)
        screen.query_one("#name").focus()
        await pilot.press("enter")  # nothing picked: the error line shows
        await pilot.pause()
        await still(pilot)

    assert snap_compare(make_app(demo_server.url), terminal_size=size, run_before=run_before)


def test_rename_at_80x24(snap_compare, demo_server, make_app) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=(80, 24), run_before=open_rename)


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "60x20"])
def test_delete_a_long_name_keeps_the_buttons(snap_compare, demo_server, make_app, size) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        await settle(pilot)
        target = app.main_screen.conversation_list.highlighted_id
        async with PiecesClient(demo_server.url) as client:
            await client.rename_conversation(target, "A very long name " * 11)
        listing = app.main_screen.conversation_list
        await wait_until(pilot, lambda: listing.get_row(target).name.startswith("A very long"))
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen))
        await pilot.pause()

    assert snap_compare(make_app(demo_server.url), terminal_size=size, run_before=run_before)
