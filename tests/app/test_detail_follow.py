"""The detail pane follows the highlight: at once for one move, after a rest for a run of them."""

from __future__ import annotations

from pilot_wait import wait_until

from pieces_tui.app import PiecesApp

from .conftest import loaded

SIZE = (120, 40)


def count_loads(app: PiecesApp) -> list[str]:
    """Record which conversations the app starts loading into the detail pane."""
    started: list[str] = []
    load = app._load_detail

    def recording(conversation_id: str) -> object:
        started.append(conversation_id)
        return load(conversation_id)

    app._load_detail = recording  # type: ignore[method-assign]
    return started


async def test_a_run_of_moves_loads_only_where_the_highlight_rests(
    demo_server, make_app, monkeypatch
) -> None:
    # The app's clock decides whether a move follows another one closely; here it stands still
    # while the keys are pressed, so the run is a run however slowly the machine delivers them.
    clock = [1000.0]
    monkeypatch.setattr("pieces_tui.app.monotonic", lambda: clock[0])
    app = make_app(demo_server.url)
    app.detail_settle = 3.0  # real seconds before the deferred load; far longer than a keypress
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        rows = app.store.ordered()
        started = count_loads(app)
        clock[0] += 60  # a rest before the run
        await pilot.press("j", "j", "j", "j", "j")
        assert app.conversation_list.highlighted_id == rows[5].id
        await wait_until(pilot, lambda: app.detail.conversation_id == rows[5].id)
        await wait_until(pilot, lambda: not app.detail.loading)
        # The first move (after a rest) opened its conversation at once; the four that followed
        # it within the settle time were skipped over, and only the last one was loaded.
        assert started == [rows[1].id, rows[5].id]


async def test_enter_opens_at_once_and_cancels_the_pending_load(
    demo_server, make_app, monkeypatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("pieces_tui.app.monotonic", lambda: clock[0])
    app = make_app(demo_server.url)
    app.detail_settle = 30.0  # the pending load would not fire within this test
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        rows = app.store.ordered()
        started = count_loads(app)
        clock[0] += 60
        await pilot.press("j", "j", "enter")
        await wait_until(pilot, lambda: app.detail.conversation_id == rows[2].id)
        await wait_until(pilot, lambda: not app.detail.loading)
        assert started == [rows[1].id, rows[2].id]
        assert app._pending_detail is None
        assert app.focused is app.detail
