"""The app driven by the Pilot against the embedded server over real sockets."""

from __future__ import annotations

from pilot_wait import Notices, wait_until
from textual import events
from textual.widgets import Button, Input, Markdown, OptionList, RadioButton, Static

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.sanitize import clean_line
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen
from pieces_tui.screens.connect import ConnectScreen
from pieces_tui.screens.help import HelpScreen
from pieces_tui.screens.new_conversation import NewConversationScreen
from pieces_tui.screens.rename import RenameScreen
from pieces_tui.widgets.detail import message_blocks

from .conftest import loaded

SIZE = (120, 40)


def connect_screen_ready(app: PiecesApp) -> bool:
    """The no-server screen is up and takes keys (its Retry button has focus)."""
    return isinstance(app.screen, ConnectScreen) and app.screen.focused is not None


def detail_title(app: PiecesApp) -> str:
    return str(app.main_screen.detail.query_one("#detail-title", Static).visual)


async def test_startup_lists_every_conversation_newest_first(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        async with PiecesClient(demo_server.url) as client:
            expected = await client.conversations()
        expected.sort(key=lambda c: (-c.updated.value.timestamp(), c.id))
        assert [row.id for row in app.store.ordered()] == [c.id for c in expected]
        assert app.main_screen.conversation_list.highlighted_id == expected[0].id
        assert app.main_screen.status.count == len(expected)
        assert app.main_screen.status.state == "live"
        assert expected[0].name in detail_title(app)


async def test_moving_the_highlight_loads_that_conversation(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        second = app.store.ordered()[1]
        await pilot.press("j")
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == second.id)
        await wait_until(pilot, lambda: not app.main_screen.detail.loading)
        assert (second.name or "") in detail_title(app)
        assert message_blocks(app.main_screen.detail)
        await pilot.press("k")
        await wait_until(
            pilot, lambda: app.main_screen.detail.conversation_id == app.store.ordered()[0].id
        )


async def test_enter_focuses_the_detail_pane_and_escape_returns(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        await pilot.press("enter")
        assert app.focused is app.main_screen.detail
        await pilot.press("escape")
        assert app.focused is app.main_screen.conversation_list


async def test_changes_made_elsewhere_appear_without_a_keypress(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot, PiecesClient(demo_server.url) as other:
        await wait_until(pilot, loaded(app))
        count = len(app.store)
        created = await other.create_conversation(name="Made in another terminal")
        await wait_until(
            pilot, lambda: app.main_screen.conversation_list.get_row(created.id) is not None
        )
        assert app.main_screen.conversation_list.row_count == count + 1
        # Newest first: the new conversation is at the top, the highlight stayed where it was.
        assert app.store.ordered()[0].id == created.id

        await other.rename_conversation(created.id, "Renamed elsewhere")
        await wait_until(
            pilot,
            lambda: (
                app.main_screen.conversation_list.get_row(created.id).name == "Renamed elsewhere"
            ),
        )

        await other.delete_conversation(created.id)
        await wait_until(
            pilot, lambda: app.main_screen.conversation_list.get_row(created.id) is None
        )
        assert app.main_screen.conversation_list.row_count == count


async def test_open_conversation_deleted_elsewhere_says_so(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot, PiecesClient(demo_server.url) as other:
        await wait_until(pilot, loaded(app))
        open_id = app.main_screen.detail.conversation_id
        await other.delete_conversation(open_id)
        await wait_until(pilot, lambda: "deleted" in detail_title(app))
        assert app.main_screen.conversation_list.highlighted_id != open_id
        # The pane stays on the deleted conversation until the user moves on (pause() lets the
        # list's pending Highlighted message be handled).
        await pilot.pause()
        assert app.main_screen.detail.conversation_id == open_id and "deleted" in detail_title(app)
        await pilot.press("j")
        await wait_until(
            pilot, lambda: app.main_screen.detail.conversation_id not in (None, open_id)
        )
        await wait_until(pilot, lambda: "deleted" not in detail_title(app))


async def test_new_message_elsewhere_appears_in_the_open_conversation(
    demo_server, make_app
) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot, PiecesClient(demo_server.url) as other:
        await wait_until(pilot, loaded(app))
        open_id = app.main_screen.detail.conversation_id
        # Show every message first so the new one is appended, not queued.
        app.main_screen.detail.action_jump_to_end()
        await pilot.pause()
        before = len(message_blocks(app.main_screen.detail))
        await other.add_message(open_id, "USER", "A question typed in the desktop app")
        await wait_until(pilot, lambda: len(message_blocks(app.main_screen.detail)) == before + 1)
        assert (
            message_blocks(app.main_screen.detail)[-1].message.text
            == "A question typed in the desktop app"
        )
        assert app.main_screen.detail.conversation_id == open_id


async def test_create_blank_conversation(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NewConversationScreen))
        await pilot.press(*"Release notes")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.store.ordered()[0].name == "Release notes")
        new_id = app.store.ordered()[0].id
        await wait_until(pilot, lambda: app.main_screen.conversation_list.highlighted_id == new_id)


async def test_create_from_asset_with_search(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        async with PiecesClient(demo_server.url) as client:
            assets = await client.assets()
        target = assets[-1]
        await pilot.press("n")
        await wait_until(
            pilot, lambda: isinstance(app.screen, NewConversationScreen) and app.screen.is_mounted
        )
        screen = app.screen
        screen.query_one("#from-asset", RadioButton).value = True
        options = screen.query_one("#assets", OptionList)
        # Every asset with its text is one large answer: generous on a loaded machine (this
        # waited more than 10 s once, beside five other test runs on 2 cores).
        await wait_until(pilot, lambda: options.option_count == len(assets), 60)
        search = screen.query_one("#asset-search", Input)
        search.value = (target.name or "")[:6]
        await wait_until(pilot, lambda: options.option_count >= 1)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index(target.id)
        screen.query_one("#create", Button).press()
        await wait_until(pilot, lambda: app.store.ordered()[0].name == target.name)
        created = app.store.ordered()[0]
        assert created.message_count >= 1


async def test_rename_with_prefilled_name(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        target = app.store.ordered()[0]
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        field = app.screen.query_one("#name", Input)
        assert field.value == target.name
        field.value = "A better name"
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: app.main_screen.conversation_list.get_row(target.id).name == "A better name",
        )
        await wait_until(pilot, lambda: "A better name" in detail_title(app))


async def test_delete_cancel_then_confirm(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        target = app.store.ordered()[0]
        count = len(app.store)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen))
        assert app.screen.focused.id == "cancel"  # Cancel is the default
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDeleteScreen))
        assert len(app.store) == count

        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen))
        app.screen.query_one("#delete", Button).press()
        await wait_until(
            pilot, lambda: app.main_screen.conversation_list.get_row(target.id) is None
        )
        assert len(app.store) == count - 1
        await wait_until(
            pilot, lambda: app.main_screen.conversation_list.highlighted_id is not None
        )


async def test_filter_narrows_the_list(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        name = app.store.ordered()[3].name
        needle = name.split()[0].lower()
        expected = sum(needle in (row.name or "").lower() for row in app.store.ordered())
        await pilot.press("slash")
        await pilot.press(*needle)
        await wait_until(pilot, lambda: app.main_screen.conversation_list.visible_count == expected)
        assert app.main_screen.status.filtered == expected
        await pilot.press("enter")
        assert app.focused is app.main_screen.conversation_list
        await pilot.press("escape")
        await wait_until(
            pilot, lambda: app.main_screen.conversation_list.visible_count == len(app.store)
        )


async def test_typing_in_the_filter_does_not_repaint_the_whole_screen(
    demo_server, make_app
) -> None:
    """Each key narrows the list (the status bar's count changes, the highlight and the pane
    move): the list, the status line and the pane repaint, not every widget of the screen, which
    is never asked to refresh itself whole (its public `refresh`, wrapped and called through).
    The screen's state was reactives, and each change of one did that."""
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        needle = app.store.ordered()[3].name.split()[0].lower()
        expected = sum(needle in (row.name or "").lower() for row in app.store.ordered())
        screen = app.main_screen
        await pilot.press("slash")
        await wait_until(pilot, lambda: app.focused is screen.filter_input)
        whole: list[object] = []
        refresh = screen.refresh

        def probe(*regions, **kwargs):  # type: ignore[no-untyped-def]
            if not regions:
                whole.append(kwargs)
            return refresh(*regions, **kwargs)

        screen.refresh = probe  # type: ignore[method-assign]
        await pilot.press(*needle)
        await wait_until(pilot, lambda: screen.status.filtered == expected)
        await pilot.pause()
        assert whole == []


async def test_keys_typed_faster_than_frames_end_on_the_final_text(demo_server, make_app) -> None:
    """Keys sent at once (no pause, no frame between them): the list ends filtered by the
    field's final text, and says how many match. (Letters only: Textual runs a binding such as
    backspace after the characters queued behind it, which is its order, not the filter's.)"""
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        name = app.store.ordered()[3].name
        word = "".join(char for char in name.split()[0].lower() if char.isalpha())[:5]
        assert len(word) >= 2, name
        rows = app.store.ordered()
        expected = [r.id for r in rows if r.name and word in clean_line(r.name).lower()]
        await pilot.press("slash")
        for key in word:  # straight into the queue, as a driver does: none is handled between
            event = events.Key(key, key)
            event.set_sender(app)
            app.post_message(event)
        listing = app.main_screen.conversation_list
        await wait_until(pilot, lambda: app.main_screen.filter_input.value == word)
        await wait_until(pilot, lambda: list(listing.visible_ids()) == expected)
        assert listing.filter_text == word
        assert app.main_screen.status.filtered == len(expected)
        await pilot.press("backspace")  # widening again lists what the shorter text matches
        shorter = [r.id for r in rows if r.name and word[:-1] in clean_line(r.name).lower()]
        await wait_until(pilot, lambda: list(listing.visible_ids()) == shorter)
        assert app.main_screen.status.filtered == len(shorter)


async def test_help_lists_the_bindings(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = " ".join(str(w.visual) for w in app.screen.query(Static))
        for description in ("New", "Rename", "Delete", "Filter", "Quit"):
            assert description in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_no_server_offers_retry_url_and_demo(unused_url, make_app) -> None:
    app = make_app(unused_url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connect_screen_ready(app))
        assert app.main_screen.status.state == "offline"
        reason = str(app.screen.query_one("#reason", Static).visual)
        assert "Cannot reach Pieces OS" in reason and unused_url not in reason


async def test_no_server_then_open_demo(unused_url, make_app) -> None:
    app = make_app(unused_url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: connect_screen_ready(app))
        await pilot.press("d")
        await wait_until(pilot, loaded(app), within=20)
        assert len(app.store) > 0


async def test_server_restart_mid_session(make_server, make_app, tmp_path) -> None:
    server = make_server(tmp_path / "restart.db", demo=True)
    app = make_app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        count = len(app.store)
        server.stop()
        await wait_until(pilot, lambda: app.main_screen.status.state in ("reconnecting", "offline"))
        server.start()
        await wait_until(pilot, lambda: app.main_screen.status.state == "live", within=20)
        async with PiecesClient(server.url) as other:
            created = await other.create_conversation(name="After the restart")
        await wait_until(
            pilot, lambda: app.main_screen.conversation_list.get_row(created.id) is not None
        )
        assert len(app.store) == count + 1


async def test_new_messages_below_hint_when_scrolled_up(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot, PiecesClient(demo_server.url) as other:
        await wait_until(pilot, loaded(app))
        longest = max(app.store.ordered(), key=lambda row: row.message_count)
        app.main_screen.conversation_list.highlight(longest.id)
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == longest.id)
        await wait_until(
            pilot,
            lambda: not app.main_screen.detail.loading and app.main_screen.detail.max_scroll_y > 0,
        )
        app.main_screen.detail.action_jump_to_end()
        await pilot.pause()
        app.main_screen.detail.scroll_home(animate=False)
        await pilot.pause()
        hint = app.main_screen.detail.query_one("#new-below", Static)
        await other.add_message(longest.id, "ASSISTANT", "Arrived while reading")
        # Whether the new message is mounted now depends on where the bounded window stands
        # after the jumps (60 messages, at most 60 mounted): the hint is what the reader sees.
        await wait_until(pilot, lambda: hint.display)
        assert "1 new message below" in str(hint.visual)
        assert app.main_screen.detail.scroll_y == 0  # the reading position is kept
        app.main_screen.detail.focus()
        await pilot.press("G")
        await wait_until(pilot, lambda: not hint.display)
        # At the end now: the last block is the message that arrived (the window may have
        # dropped some at its top to stay bounded, so count nothing).
        await wait_until(
            pilot,
            lambda: (
                message_blocks(app.main_screen.detail)[-1].message.text == "Arrived while reading"
            ),
        )


async def test_failures_reach_the_user_with_the_server_reason(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await wait_until(pilot, loaded(app))
        target = app.main_screen.conversation_list.highlighted_id
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        dialog = app.screen
        # Deleted elsewhere while the dialog is open: the rename then fails with the server's 404.
        async with PiecesClient(demo_server.url) as other:
            await other.delete_conversation(target)
        dialog.query_one("#name", Input).value = "Too late"
        await pilot.press("enter")
        # Nothing is left to rename: the dialog closes, the row goes, and the toast says why.
        await wait_until(pilot, lambda: app.screen is app.main_screen)
        await wait_until(pilot, lambda: target not in app.store)
        assert any("already deleted elsewhere" in text for text in notices.texts()), notices.texts()


async def test_theme_is_remembered(demo_server, make_app, tmp_path) -> None:
    from pieces_tui.config import Settings

    settings = Settings(path=tmp_path / "theme.json")
    app = make_app(demo_server.url, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        app.theme = "nord"
        await wait_until(pilot, lambda: (tmp_path / "theme.json").exists())
    assert Settings.load(tmp_path / "theme.json").theme == "nord"
    again = make_app(demo_server.url, settings=Settings.load(tmp_path / "theme.json"))
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(again))
        assert again.theme == "nord"


async def test_untrusted_text_is_shown_literally(demo_server, make_app) -> None:
    hostile = "[bold red]boom[/] $accent \x1b[31mred\x1b]0;title\x07"
    async with PiecesClient(demo_server.url) as other:
        created = await other.create_conversation(
            name=hostile, messages=[("USER", "[link=http://x]click[/link] \x1b[2J cleared?")]
        )
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        app.main_screen.conversation_list.highlight(created.id)
        await wait_until(pilot, lambda: app.main_screen.detail.conversation_id == created.id)
        await wait_until(pilot, lambda: not app.main_screen.detail.loading)
        title = detail_title(app)
        assert "[bold red]boom[/] $accent" in title
        assert "\x1b" not in title
        # "Loaded" is the pane's state; a block's Markdown mounts a moment later (it was queried
        # before that once, on a busy machine), and its `source` is "" until its own mount
        # handler has run (Textual sets it there): wait for both.
        blocks = lambda: message_blocks(app.main_screen.detail)  # noqa: E731
        await wait_until(
            pilot,
            lambda: bool(
                blocks() and blocks()[0].query(Markdown) and blocks()[0].query_one(Markdown).source
            ),
        )
        shown = blocks()[0].query_one(Markdown)
        assert "\x1b" not in shown.source
        assert "[link=http://x]click[/link]" in shown.source
