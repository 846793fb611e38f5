"""Issue 17, "feels right in the first minute": typeahead, name limits, confirmations, dialogs."""

from __future__ import annotations

import httpx
from pilot_wait import Notices, wait_until
from textual._xterm_parser import XTermParser
from textual.widgets import Input, Label, OptionList, RadioButton

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.labels import NAME_MAX_LENGTH
from pieces_tui.screens.new_conversation import NewConversationScreen
from pieces_tui.screens.rename import RenameScreen

from .conftest import loaded

SIZE = (100, 30)


def type_in_one_read(app: PiecesApp, data: str) -> None:
    """Deliver `data` as one terminal read does: the real parser turns it into key events, all
    handed to the driver at once, before the app has handled the first. (`_driver` is the only
    way in to the path a terminal takes; `pilot.press` waits for idle between keys.)"""
    driver = app._driver
    assert driver is not None
    for event in XTermParser().feed(data):
        driver.process_message(event)


def label_text(label: Label) -> str:
    return str(label.render())


async def test_slash_then_keys_in_one_read_land_in_the_filter(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        filter_input = app.main_screen.filter_input
        type_in_one_read(app, "/go")
        await wait_until(pilot, lambda: filter_input.value == "go", what=filter_input.value)
        assert app.focused is filter_input


async def test_keys_typed_while_the_app_starts_are_kept(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        # Straight away, before the list has loaded: `/` is the filter key, not filter text.
        type_in_one_read(app, "/go")
        filter_input = app.main_screen.filter_input
        await wait_until(pilot, lambda: filter_input.value == "go", what=filter_input.value)


async def test_n_then_a_name_in_one_read_opens_the_dialog_with_it(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        type_in_one_read(app, "nQuick name")
        await wait_until(pilot, lambda: isinstance(app.screen, NewConversationScreen))
        field = app.screen.query_one("#name", Input)
        await wait_until(pilot, lambda: field.value == "Quick name", what=field.value)
        # Nothing typed leaked to the main screen's bindings (`r` would have opened Rename).
        assert isinstance(app.screen, NewConversationScreen)


async def test_name_and_enter_in_one_read_create_it(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        type_in_one_read(app, "nRead ahead\r")
        await wait_until(pilot, lambda: app.store.ordered()[0].name == "Read ahead")
        await wait_until(pilot, lambda: app.screen is app.main_screen)


async def test_r_then_a_name_in_one_read_replaces_the_name(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        type_in_one_read(app, "rBetter")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        field = app.screen.query_one("#name", Input)
        await wait_until(pilot, lambda: field.value == "Better", what=field.value)


async def test_the_server_and_the_dialogs_agree_on_the_name_limit(demo_server, make_app) -> None:
    longest = "x" * NAME_MAX_LENGTH
    async with PiecesClient(demo_server.url) as client:
        created = await client.create_conversation(name=longest)
        assert created.name == longest
    async with httpx.AsyncClient(base_url=demo_server.url) as raw:
        answer = await raw.post(
            "/conversation/update", json={"id": created.id, "name": longest + "x"}
        )
        assert answer.status_code == 422  # the server's answer to any invalid body
        assert "name" in answer.text and str(NAME_MAX_LENGTH) in answer.text
        answer = await raw.post("/conversations/create", json={"name": longest + "x"})
        assert answer.status_code == 422  # the server's answer to any invalid body
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        field = app.screen.query_one("#name", Input)
        field.value = ""
        await pilot.press(*("y" * (NAME_MAX_LENGTH + 5)))
        assert len(field.value) == NAME_MAX_LENGTH  # the dialog takes no more than the server


async def test_create_rename_delete_confirm_with_a_toast(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await wait_until(pilot, loaded(app))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NewConversationScreen))
        await pilot.press(*"Toasted", "enter")
        await wait_until(pilot, lambda: any("Created “Toasted”" in t for t in notices.texts()))
        await wait_until(pilot, lambda: app.screen is app.main_screen)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        await pilot.press(*"Roasted", "enter")
        await wait_until(pilot, lambda: any("Renamed to “Roasted”" in t for t in notices.texts()))
        await wait_until(pilot, lambda: app.screen is app.main_screen)
        await pilot.press("d")
        await wait_until(pilot, lambda: app.screen is not app.main_screen)
        await pilot.press("tab", "enter")  # Cancel is the default; tab goes to Delete
        await wait_until(pilot, lambda: any("Deleted “Roasted”" in t for t in notices.texts()))


async def test_a_new_conversation_hidden_by_the_filter_says_so(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await wait_until(pilot, loaded(app))
        await pilot.press("slash", *"zzzz", "enter")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NewConversationScreen))
        await pilot.press(*"Hidden", "enter")
        await wait_until(pilot, lambda: any("the filter hides it" in t for t in notices.texts()))


async def test_from_an_asset_needs_a_pick_and_a_failure_keeps_the_dialog(
    demo_server, make_app
) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        before = len(app.store)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NewConversationScreen))
        dialog = app.screen
        await pilot.press(*"Kept")
        dialog.query_one("#from-asset", RadioButton).value = True
        options = dialog.query_one("#assets", OptionList)
        await wait_until(pilot, lambda: options.option_count > 0, 60)
        dialog.query_one("#name", Input).focus()
        await pilot.press("enter")  # nothing picked: no conversation from the first asset
        error = dialog.query_one("#error", Label)
        await wait_until(pilot, lambda: "Choose an asset" in label_text(error))
        assert app.screen is dialog and len(app.store) == before
        # Pick one, then stop the server: the create fails for real (no answer).
        options.highlighted = 0
        demo_server.stop()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Could not create" in label_text(error), 30)
        assert dialog in app.screen_stack
        assert dialog.query_one("#name", Input).value == "Kept"


async def test_ctrl_c_quits(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.is_running)


async def test_the_palette_has_one_keys_entry_and_names_our_keys(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        commands = list(app.get_system_commands(app.main_screen))
        titles = [command.title for command in commands]
        assert "Keys" not in titles and "Show keys" in titles
        ours = {c.title: c.help for c in commands if "conversation" in c.title.lower()}
        assert ours["New conversation"].endswith("· n")


async def test_b_pages_up_in_the_pane(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, loaded(app))
        detail = app.main_screen.detail
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.focused is detail)
        await pilot.press("G")
        await wait_until(pilot, lambda: detail.scroll_y > 0)
        bottom = detail.scroll_y
        await pilot.press("b")
        await wait_until(pilot, lambda: detail.scroll_y < bottom)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: detail.scroll_y == bottom)
