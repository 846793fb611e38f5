"""Marks, bulk delete and the undo window, driven with the Pilot over real sockets."""

from __future__ import annotations

from pathlib import Path

from pilot_wait import Notices, wait_until
from textual.pilot import Pilot
from textual.widgets import Button

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.config import Settings
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen

from .conftest import loaded

SIZE = (120, 40)


async def seed(url: str, count: int) -> list[str]:
    async with PiecesClient(url) as client:
        return [(await client.create_conversation(f"Conversation {i:03}")).id for i in range(count)]


async def server_ids(url: str) -> set[str]:
    async with PiecesClient(url) as client:
        return {c.id for c in await client.conversations()}


def settings(tmp_path: Path, undo_seconds: float) -> Settings:
    return Settings(path=tmp_path / "config.json", undo_seconds=undo_seconds)


def listed(app: PiecesApp) -> list[str]:
    return list(app.main_screen.conversation_list.visible_ids())


async def confirm_delete(pilot: Pilot[None], app: PiecesApp) -> ConfirmDeleteScreen:
    app.screen.set_focus(app.main_screen.conversation_list)
    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen), what="dialog")
    dialog = app.screen
    assert isinstance(dialog, ConfirmDeleteScreen)
    assert dialog.focused is not None and dialog.focused.id == "cancel"  # Cancel is the default
    dialog.query_one("#delete", Button).press()
    await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDeleteScreen))
    return dialog


async def test_marks_follow_ids_across_live_inserts_and_deletes(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot, PiecesClient(demo_server.url) as other:
        await wait_until(pilot, loaded(app))
        screen = app.main_screen
        rows = listed(app)
        await pilot.press("space", "space")  # one write: the second acts on the next row
        await wait_until(pilot, lambda: screen.marked == 2)
        assert set(screen.bulk.marks) == {rows[0], rows[1]}
        assert screen.conversation_list.highlighted_id == rows[2]
        assert screen.status.marked == 2  # bound, not assigned

        created = await other.create_conversation(name="Arrived meanwhile")  # lands on top
        await wait_until(pilot, lambda: listed(app)[0] == created.id)
        assert set(screen.bulk.marks) == {rows[0], rows[1]}
        # The range runs from the anchor (rows[1], the last toggled) to where the cursor goes
        # (from rows[2] down two rows: the insert above moved nothing under the cursor).
        await pilot.press("shift+down", "shift+down")
        await wait_until(pilot, lambda: screen.marked == 5)
        assert set(screen.bulk.marks) == set(rows[:5])
        await pilot.press("shift+up")  # back towards the anchor: the range shrinks
        await wait_until(pilot, lambda: screen.marked == 4)
        assert rows[4] not in screen.bulk.marks

        await other.rename_conversation(rows[0], "Renamed elsewhere")
        await other.delete_conversation(rows[1])
        await wait_until(pilot, lambda: rows[1] not in listed(app))
        await wait_until(pilot, lambda: screen.marked == 3)
        assert set(screen.bulk.marks) == {rows[0], rows[2], rows[3]}

        screen.bulk.mark_all()
        await wait_until(pilot, lambda: screen.marked == len(listed(app)))
        screen.bulk.clear()
        await wait_until(pilot, lambda: screen.marked == 0)


async def test_bulk_delete_of_200_ends_equal_to_the_server(server, make_app, tmp_path) -> None:
    await seed(server.url, 205)
    notices = Notices()
    app = make_app(server.url, settings=settings(tmp_path, undo_seconds=0.5))
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await wait_until(pilot, loaded(app), within=30)
        rows = listed(app)
        app.main_screen.bulk.marks.mark_all(rows[:200])
        await confirm_delete(pilot, app)
        assert listed(app) == rows[200:]  # out of the list at once
        await wait_until(pilot, lambda: not app.main_screen.bulk.pending_count(), within=60)
        assert await server_ids(server.url) == set(rows[200:]) == set(app.store.ids())
        await wait_until(pilot, lambda: "Deleted: Deleted 200 conversations." in notices.texts())
        assert "Deleted: Deleted 200 — u to undo" in notices.texts()
        assert not [t for t in pilot.app.screen.query("Toast") if "u to undo" in str(t.render())]
        assert app.main_screen.marked == 0


async def test_undo_brings_back_50_rows_in_place(server, make_app, tmp_path) -> None:
    await seed(server.url, 80)
    app = make_app(server.url, settings=settings(tmp_path, undo_seconds=120))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app), within=30)
        rows = listed(app)
        targets = rows[10:60]
        app.main_screen.bulk.marks.mark_all(targets)
        await confirm_delete(pilot, app)
        assert listed(app) == rows[:10] + rows[60:]
        await pilot.press("u")
        await wait_until(pilot, lambda: listed(app) == rows)
        assert set(app.main_screen.bulk.marks) == set(targets)  # marked again
        assert app.main_screen.bulk.pending_count() == 0
        assert await server_ids(server.url) == set(rows)


async def test_single_delete_goes_through_the_window_too(demo_server, make_app, tmp_path) -> None:
    app = make_app(demo_server.url, settings=settings(tmp_path, undo_seconds=120))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        rows = listed(app)
        dialog = await confirm_delete(pilot, app)
        assert "cannot be undone" not in " ".join(str(w.render()) for w in dialog.query("Label"))
        assert rows[0] not in listed(app)
        assert app.main_screen.bulk.pending_count() == 1
        assert rows[0] in await server_ids(demo_server.url)  # nothing sent yet
        # The pane follows the highlight to the neighbour, and comes back with the row.
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == rows[1])
        await pilot.press("u")
        await wait_until(pilot, lambda: listed(app) == rows)
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == rows[0])


async def test_quit_during_the_window_sends_the_deletes(server, make_app, tmp_path) -> None:
    await seed(server.url, 12)
    notices = Notices()
    app = make_app(server.url, settings=settings(tmp_path, undo_seconds=600))
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await wait_until(pilot, loaded(app))
        rows = listed(app)
        await pilot.press("space", "space", "space", "space", "space")
        await wait_until(pilot, lambda: app.main_screen.marked == 5)
        await confirm_delete(pilot, app)
        assert await server_ids(server.url) == set(rows)  # still in the window
        await pilot.press("q")
        await wait_until(pilot, lambda: app.return_code is not None, within=30)
    assert "Quitting: Sending 5 pending deletes before quitting…" in notices.texts()
    assert await server_ids(server.url) == set(rows[5:])


async def test_undo_seconds_comes_from_the_config_file(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"theme": "nord", "undo_seconds": 0}', encoding="utf-8")
    assert Settings.load(path).undo_seconds == 0
    path.write_text('{"undo_seconds": "soon"}', encoding="utf-8")
    assert Settings.load(path).undo_seconds == 5.0


async def test_keys_typed_ahead_mark_before_d_asks(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        rows = listed(app)
        await pilot.press("space", "space", "space", "d")  # one burst, as a fast typist sends it
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen))
        assert app.main_screen.bulk.targets() == rows[:3]
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDeleteScreen))
        assert listed(app) == rows  # cancelled: nothing left the list
