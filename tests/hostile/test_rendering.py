"""Hostile text served by the embedded server (real sockets) is shown literally and harmlessly
everywhere the real app shows it: sidebar, detail pane, dialogs and notifications."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pilot_wait import wait_until
from textual.widgets import Input, OptionList, RadioButton

from pieces_tui.client import PiecesClient
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen
from pieces_tui.screens.new_conversation import NewConversationScreen
from pieces_tui.screens.rename import RenameScreen
from pieces_tui.server import EmbeddedServer
from pieces_tui.widgets.detail import message_blocks

from .conftest import (
    HOSTILE,
    assert_harmless,
    conversation,
    loaded,
    screen_text,
    seed_database,
)

SIZE = (140, 45)

EVERYTHING = " ".join(HOSTILE)
NAME = "[bold]x[/] [@click=app.quit]quit[/] \x1b]52;c;aGVsbG8=\x07\u202eevil\u200b " + EVERYTHING
MESSAGE = "## Heading [bold]x[/]\n\n" + "\n\n".join(
    f"- item {n}: {f}" for n, f in enumerate(HOSTILE)
)
CODE = "```py\nprint('\x1b[2J')  # [bold]x[/] \u202e\n```\n" + EVERYTHING
ASSET_ID = "asset-hostile"
WEBSITE_ID = "website-hostile"


def seed(path: Path) -> None:
    seed_database(
        path,
        [
            conversation(
                "c-hostile",
                NAME,
                [("USER", MESSAGE), ("ASSISTANT", CODE), ("USER", EVERYTHING)],
                annotations=[("SUMMARY", "Summary " + EVERYTHING), ("DESCRIPTION", MESSAGE)],
                asset_ids=[ASSET_ID],
                website_ids=[WEBSITE_ID],
            ),
            conversation("c-plain", "A plain conversation", [("USER", "hello")], minutes_ago=5),
        ],
        assets=[(ASSET_ID, "[bold]asset[/] \x1b[31m" + EVERYTHING, "py\x1b[31m[red", CODE)],
        websites=[
            (
                WEBSITE_ID,
                "[link=https://evil.example]site[/link]",
                "https://ok.example/\x1b]8;;https://evil.example\x07[bold]x[/]\u202e",
            )
        ],
    )


async def test_sidebar_and_detail_pane_show_hostile_text_literally(
    make_server: Callable[..., EmbeddedServer], make_app, tmp_path: Path
) -> None:
    seed(tmp_path / "hostile.db")
    server = make_server(tmp_path / "hostile.db")
    app = make_app(server.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, loaded(app, 2))
        assert app.main_screen.detail.conversation_id == "c-hostile"
        await wait_until(pilot, lambda: len(message_blocks(app.main_screen.detail)) == 3)
        await pilot.pause()
        text = screen_text(app)
        # The sidebar row and the title show the markup as text (the row is cut with an ellipsis).
        row = app.main_screen.conversation_list.render_line(0).text
        assert row.startswith(" [bold]x[/] [@click=app.quit]quit[/") and row.rstrip()[-1] == "…"
        assert "[bold]x[/] [@click=app.quit]quit[/] evil [bold]x[/]" in text
        assert "evil" in text and "Summary [bold]x[/]" in text
        assert_harmless(app)

        # Linked assets and websites, further down.
        app.main_screen.detail.query_one("#detail-links").scroll_visible(
            animate=False, immediate=True
        )
        await pilot.pause()
        text = screen_text(app)
        assert "https://ok.example/[bold]x[/]" in text  # the website URL, its OSC 8 gone
        assert "[bold]asset[/]" in text
        assert_harmless(app)

        # Every message: jump to the end and look again.
        await pilot.press("enter", "G")
        await pilot.pause()
        text = screen_text(app)
        assert "[@click=app.quit]quit[/]" in text
        assert "<script>alert(1)</script>" in text  # raw HTML is shown, not interpreted
        assert_harmless(app)


async def test_clicks_and_dialogs_with_hostile_text(
    make_server: Callable[..., EmbeddedServer], make_app, tmp_path: Path
) -> None:
    seed(tmp_path / "hostile.db")
    server = make_server(tmp_path / "hostile.db")
    app = make_app(server.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, loaded(app, 2))
        # The detail pane opens the highlighted row after the list: wait for its title too.
        await wait_until(pilot, lambda: screen_text(app).count("[@click") >= 2)
        rows = screen_text(app).splitlines()
        # Click the "[@click=app.quit]" text in the detail title and in the sidebar row.
        hits = [(y, line.find("[@click")) for y, line in enumerate(rows) if "[@click" in line]
        assert len(hits) >= 2
        for y, x in hits:
            await pilot.click(offset=(x + 3, y))
            await pilot.pause()
            assert app.is_running
        assert_harmless(app)

        # The rename dialog prefills the cleaned name; the delete dialog names it literally.
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        await pilot.pause()
        field = app.screen.query_one("#name", Input)
        assert field.value.startswith("[bold]x[/] [@click=app.quit]quit[/] evil ")
        assert "\x1b" not in field.value and "\u202e" not in field.value
        assert "[bold]x[/]" in screen_text(app)
        assert_harmless(app)
        await pilot.press("escape")

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen))
        await pilot.pause()
        assert "“[bold]x[/] [@click=app.quit]quit[/]" in screen_text(app)
        assert_harmless(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDeleteScreen))
        assert app.main_screen.conversation_list.row_count == 2

        # The new-conversation dialog's asset picker and its preview.
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NewConversationScreen))
        screen = app.screen
        screen.query_one("#from-asset", RadioButton).value = True
        options = screen.query_one("#assets", OptionList)
        await wait_until(pilot, lambda: options.option_count == 1 and not options.loading)
        options.highlighted = 0  # the preview shows the picked asset; nothing is picked at first
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]asset[/]" in text
        # The asset's language, cleaned, literal (in the row, which is elided on screen).
        assert "py[red" in str(options.get_option_at_index(0).prompt)
        assert "print(" in text and "[bold]x[/]" in text  # the preview
        assert_harmless(app)
        await pilot.press("escape")


async def test_server_error_text_in_a_notification_is_shown_literally(
    make_server: Callable[..., EmbeddedServer], make_app, tmp_path: Path
) -> None:
    # The embedded server echoes the id in its 404 text; give a conversation a hostile id, then
    # delete it while the rename dialog is open so the rename fails with that text.
    # (No "/" in it: an id is one path segment.)
    hostile_id = "evil-[bold]x[@click=app.quit]-\x1b]52;c;aGVsbG8=\x07-\u202e-\x9b2J-\x1b[31m-end"
    seed_database(tmp_path / "ids.db", [conversation(hostile_id, "Doomed", [("USER", "hi")])])
    server = make_server(tmp_path / "ids.db")
    app = make_app(server.url)
    async with (
        app.run_test(size=SIZE, notifications=True) as pilot,
        PiecesClient(server.url) as other,
    ):
        await wait_until(pilot, loaded(app, 1))
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        await other.delete_conversation(hostile_id)
        await wait_until(
            pilot, lambda: app.main_screen.conversation_list.get_row(hostile_id) is None
        )
        app.screen.query_one("#name", Input).value = "New name"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Could not rename" in screen_text(app))
        text = screen_text(app)
        assert "evil-[bold]x[@click=app.quit]--" in text
        assert "-end" in text
        assert_harmless(app)


async def test_the_leak_check_catches_unsanitised_text() -> None:
    # The check itself must not be vacuous: raw escapes, bidi controls and zero-width characters
    # put on screen without `clean_text` are caught, in the segments and in the terminal output.
    from textual.app import App, ComposeResult
    from textual.content import Content
    from textual.widgets import Static

    class Leaky(App[None]):
        def __init__(self, raw: str) -> None:
            super().__init__()
            self.raw = raw

        def compose(self) -> ComposeResult:
            yield Static(Content(self.raw))

    for raw in ("a\x1b[2Jb", "a\x1b]52;c;aGVsbG8=\x07b", "a\u202eb", "a\u200bb", "a\x9bb"):
        app = Leaky(raw)
        async with app.run_test(size=(40, 5)) as pilot:
            await pilot.pause()
            with pytest.raises(AssertionError, match="carries"):
                assert_harmless(app)
