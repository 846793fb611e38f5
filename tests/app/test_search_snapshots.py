"""Snapshots of the search mode, an opened result and the favorites-only view (demo data, fixed
clock; the demo stars some conversations, so the main screen's snapshots show stars too)."""

from __future__ import annotations

import pytest
from pilot_wait import wait_until
from textual.pilot import Pilot

from pieces_tui.app import PiecesApp
from pieces_tui.widgets.detail import message_blocks
from pieces_tui.widgets.detail.blocks import settled

from .test_snapshots import settle, still

QUERY = "retry"


async def searched(pilot: Pilot[None]) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, PiecesApp)
    await pilot.press("s", *QUERY)
    panel = app.main_screen.search_panel
    await wait_until(pilot, lambda: panel.active_query == QUERY and bool(panel.results.results))
    await still(pilot)


async def opened(pilot: Pilot[None]) -> None:
    await searched(pilot)
    app = pilot.app
    assert isinstance(app, PiecesApp)
    await pilot.press("enter", "enter")
    detail = app.main_screen.detail
    await wait_until(pilot, lambda: bool(detail.matches) and not detail.loading)
    await wait_until(pilot, lambda: detail.matches.position == "1/" + str(len(detail.matches.ids)))
    # Every mounted message's Markdown in (its words are highlighted once it is).
    await wait_until(pilot, lambda: settled(message_blocks(detail)))
    await still(pilot)


async def favorites_only(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("F")
    app = pilot.app
    assert isinstance(app, PiecesApp)
    # The pane has opened the first favorite (the highlight moved to it) and is built.
    await wait_until(pilot, loaded_pane(app))
    await pilot.pause()


def loaded_pane(app: PiecesApp):
    listing, detail = app.main_screen.conversation_list, app.main_screen.detail
    return lambda: detail.conversation_id == listing.highlighted_id and not detail.loading


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_search_mode_with_results(snap_compare, demo_server, make_app, size) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=size, run_before=searched)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_an_opened_result_at_its_first_match(snap_compare, demo_server, make_app, size) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=size, run_before=opened)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_favorites_only(snap_compare, demo_server, make_app, size) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=size, run_before=favorites_only)
