"""Snapshots of the sidebar (fixed clock). Regenerate with `pytest --snapshot-update` and review."""

from __future__ import annotations

from datetime import timedelta

from textual.pilot import Pilot

from .support import NOW, ListApp, Row

SIZE = (80, 16)

ROWS = [
    Row("c1", "Refactor the sync worker", NOW - timedelta(minutes=3), 12),
    Row(
        "c2",
        "A very long conversation name that cannot fit in the sidebar",
        NOW - timedelta(hours=2),
        1,
    ),
    Row("c3", None, NOW - timedelta(days=1), 0),
    Row("c4", "\x1b[31mnot red[/] [bold]not bold[/bold]", NOW - timedelta(days=3), 4),
    Row("c5", "Deploy checklist for the sync service", NOW - timedelta(days=8), 230),
    Row("c6", "Old notes", NOW - timedelta(days=400), 7),
]


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_conversation_list(snap_compare: object) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("down")
        await _settle(pilot)

    assert snap_compare(ListApp(ROWS), terminal_size=SIZE, run_before=run_before)  # type: ignore[operator]


def test_conversation_list_filtered(snap_compare: object) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("down")
        await _settle(pilot)

    app = ListApp(ROWS, filter_text="SYNC")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)  # type: ignore[operator]


def test_conversation_list_unfocused(snap_compare: object) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()  # let the app's initial focus() land first
        pilot.app.set_focus(None)
        await _settle(pilot)

    assert snap_compare(ListApp(ROWS), terminal_size=SIZE, run_before=run_before)  # type: ignore[operator]
