"""The detail pane follows the highlight: at once for one move, after a rest for a run of them."""

from __future__ import annotations

from pilot_wait import wait_until

from pieces_tui.app import PiecesApp
from pieces_tui.config import Timings
from pieces_tui.screens.main import Pane

from .conftest import loaded

SIZE = (120, 40)


def count_loads(app: PiecesApp) -> list[str]:
    """Record which conversations the pane opens (its public `pane` state turning `open`)."""
    started: list[str] = []

    def record(pane: Pane) -> None:
        if pane.mode == "open" and pane.conversation_id is not None:
            started.append(pane.conversation_id)

    app.main_screen.watch(app.main_screen, "pane", record, init=False)
    return started


async def test_a_run_of_moves_loads_only_where_the_highlight_rests(
    demo_server, make_app, monkeypatch
) -> None:
    # The app's clock decides whether a move follows another one closely; here it stands still
    # while the keys are pressed, so the run is a run however slowly the machine delivers them.
    clock = [1000.0]
    monkeypatch.setattr("pieces_tui.screens.main.monotonic", lambda: clock[0])
    # Real seconds before the deferred load; far longer than a keypress.
    app = make_app(demo_server.url, timings=Timings(detail_settle=3.0))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        rows = app.store.ordered()
        started = count_loads(app)
        clock[0] += 60  # a rest before the run
        await pilot.press("j", "j", "j", "j", "j")
        assert app.main_screen.conversation_list.highlighted_id == rows[5].id
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == rows[5].id)
        await wait_until(pilot, lambda: not app.main_screen.detail.loading)
        # The first move (after a rest) opened its conversation at once; the four that followed
        # it within the settle time were skipped over, and only the last one was loaded.
        assert started == [rows[1].id, rows[5].id]


async def test_enter_opens_at_once_and_cancels_the_pending_load(
    demo_server, make_app, monkeypatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("pieces_tui.screens.main.monotonic", lambda: clock[0])
    # The pending load would not fire within this test.
    app = make_app(demo_server.url, timings=Timings(detail_settle=30.0))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        rows = app.store.ordered()
        started = count_loads(app)
        clock[0] += 60
        await pilot.press("j", "j", "enter")
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == rows[2].id)
        await wait_until(pilot, lambda: not app.main_screen.detail.loading)
        assert started == [rows[1].id, rows[2].id]
        assert app.main_screen.pane == Pane("open", rows[2].id, app.main_screen.pane.moved_at)
        assert app.focused is app.main_screen.detail
