"""Snapshot tests for every screen and dialog (fixed clock, fixed demo ids and dates)."""

from __future__ import annotations

from pilot_wait import wait_until
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, RadioButton

from pieces_tui.app import PiecesApp
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen
from pieces_tui.screens.connect import ConnectScreen
from pieces_tui.screens.new_conversation import NewConversationScreen
from pieces_tui.screens.rename import RenameScreen

from .conftest import loaded

# The embedded server listens on a random free port; the status bar shows a fixed address instead
# so that snapshots do not change from run to run.
SHOWN_URL = "http://127.0.0.1:39300"
# Nothing listens on the discard port of the loopback interface.
NO_SERVER_URL = "http://127.0.0.1:9"


async def still(pilot: Pilot[None]) -> None:
    """Stop every input's cursor blinking (shown steadily), so a snapshot never catches it
    mid-blink."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def settle(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, PiecesApp)
    await wait_until(pilot, loaded(app))
    await wait_until(pilot, lambda: app.main_screen.connection_state == "live")
    app.main_screen.source = SHOWN_URL
    await pilot.pause()


async def open_rename(pilot: Pilot[None]) -> None:
    """The rename dialog over the loaded demo, its cursor steady (`test_snapshots_small` too)."""
    await settle(pilot)
    await pilot.press("r")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RenameScreen))
    await pilot.pause()
    await still(pilot)


async def open_from_asset(pilot: Pilot[None]) -> NewConversationScreen:
    """The new-conversation dialog switched to "from an asset", its assets listed."""
    await settle(pilot)
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, NewConversationScreen))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, NewConversationScreen)
    screen.query_one("#from-asset", RadioButton).value = True
    options = screen.query_one("#assets", OptionList)
    await wait_until(pilot, lambda: options.option_count > 0 and not options.loading)
    return screen


def test_main_screen(snap_compare, demo_server, make_app) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=(120, 40), run_before=settle)


def test_narrow_terminal(snap_compare, demo_server, make_app) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=(80, 24), run_before=settle)


def test_wide_terminal(snap_compare, demo_server, make_app) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=(200, 60), run_before=settle)


def test_empty_state(snap_compare, server, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, PiecesApp)
        await wait_until(pilot, lambda: app.main_screen.status.state == "live")
        app.main_screen.source = SHOWN_URL
        await pilot.pause()

    assert snap_compare(make_app(server.url), terminal_size=(100, 30), run_before=run_before)


def test_no_server(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConnectScreen))
        await pilot.pause()

    assert snap_compare(make_app(NO_SERVER_URL), terminal_size=(100, 30), run_before=run_before)


def test_filter(snap_compare, demo_server, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"rust")
        await pilot.pause()
        await still(pilot)

    assert snap_compare(make_app(demo_server.url), terminal_size=(120, 40), run_before=run_before)


def test_long_conversation(snap_compare, demo_server, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, PiecesApp)
        await settle(pilot)
        longest = max(app.store.ordered(), key=lambda row: row.message_count)
        app.main_screen.conversation_list.highlight(longest.id)
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == longest.id)
        await wait_until(pilot, lambda: not app.main_screen.detail.loading)
        await pilot.press("enter", "G")
        await pilot.pause()

    assert snap_compare(make_app(demo_server.url), terminal_size=(120, 40), run_before=run_before)


def test_new_conversation_dialog(snap_compare, demo_server, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, NewConversationScreen))
        await pilot.press(*"Sprint notes")
        await pilot.pause()
        await still(pilot)

    assert snap_compare(make_app(demo_server.url), terminal_size=(120, 40), run_before=run_before)


def test_new_conversation_from_asset_dialog(snap_compare, demo_server, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_from_asset(pilot)
        await pilot.pause()
        await still(pilot)

    assert snap_compare(make_app(demo_server.url), terminal_size=(120, 40), run_before=run_before)


def test_rename_dialog(snap_compare, demo_server, make_app) -> None:
    assert snap_compare(make_app(demo_server.url), terminal_size=(120, 40), run_before=open_rename)


def test_delete_dialog(snap_compare, demo_server, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDeleteScreen))
        await pilot.pause()

    assert snap_compare(make_app(demo_server.url), terminal_size=(120, 40), run_before=run_before)


def test_help_screen(snap_compare, demo_server, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(demo_server.url), terminal_size=(120, 40), run_before=run_before)


def test_filter_field_typed_past_its_width(snap_compare, demo_server, make_app) -> None:
    # The filter field sets its virtual size without a relayout (widgets/filter_field.py): text
    # longer than the field still scrolls with the cursor, at the narrow and a wide size.
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"no such conversation about anything at all here")
        await pilot.pause()
        await still(pilot)

    assert snap_compare(make_app(demo_server.url), terminal_size=(80, 24), run_before=run_before)


def test_filter_field_wide(snap_compare, demo_server, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"rust", "backspace", "s")
        await pilot.pause()
        await still(pilot)

    assert snap_compare(make_app(demo_server.url), terminal_size=(200, 60), run_before=run_before)
