"""Snapshots of the message cursor and the code block picker (80x24 and wide)."""

from __future__ import annotations

import pytest
from pilot_wait import wait_until
from textual.pilot import Pilot

from pieces_tui.app import PiecesApp
from pieces_tui.widgets.detail import CodePicker, message_blocks

from .test_snapshots import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 60), id="200x60")]


async def open_named(pilot: Pilot[None], name: str) -> None:
    """Open the demo conversation called `name` and put the focus in the pane."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, PiecesApp)
    target = next(row.id for row in app.store.ordered() if row.name == name)
    app.main_screen.conversation_list.highlight(target)
    detail = app.main_screen.detail
    await wait_until(
        pilot,
        lambda: (
            detail.conversation_id == target and not detail.loading and bool(message_blocks(detail))
        ),
    )
    await pilot.press("enter")
    await wait_until(pilot, lambda: detail.cursor_id is not None)


async def cursor_on_the_answer(pilot: Pilot[None]) -> None:
    await open_named(pilot, "Retry with exponential backoff in Python")
    detail = pilot.app.main_screen.detail  # type: ignore[attr-defined]
    for _ in range(3):  # the first J may only bring the first message on screen (80x24)
        if detail.cursor_id == detail.window.ids[1]:
            break
        await pilot.press("J")
    assert detail.cursor_id == detail.window.ids[1]
    await pilot.pause()


async def code_picker(pilot: Pilot[None]) -> None:
    await open_named(pilot, "Latest row per group in PostgreSQL")
    detail = pilot.app.main_screen.detail  # type: ignore[attr-defined]
    for _ in range(3):  # the first J may only bring the first message on screen (80x24)
        if detail.cursor_id == detail.window.ids[1]:
            break
        await pilot.press("J")
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CodePicker))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_message_cursor(snap_compare, demo_server, make_app, size) -> None:
    assert snap_compare(
        make_app(demo_server.url), terminal_size=size, run_before=cursor_on_the_answer
    )


@pytest.mark.parametrize("size", SIZES)
def test_code_block_picker(snap_compare, demo_server, make_app, size) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=size, run_before=code_picker)
