"""Size extremes from the server: a 10,000-character name, a 5 MB message, Markdown nested 500
levels deep and a 10,000-line code block. The app stays up and responsive and shows something
sensible for each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pilot_wait import wait_until
from textual.widgets import Input

from pieces_tui.client import PiecesClient
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen
from pieces_tui.screens.help import HelpScreen
from pieces_tui.screens.rename import RenameScreen
from pieces_tui.server import EmbeddedServer
from pieces_tui.widgets.detail import message_blocks
from pieces_tui.widgets.safe_markdown import MAX_FENCE_LINES, SafeMarkdown

from .conftest import assert_harmless, conversation, loaded, screen_text, seed_database

SIZE = (120, 40)
KEY_BOUND = 30.0
"""Seconds a keypress may take to be handled while a huge message loads before the app counts as
frozen: a bound on a wait, not a latency budget (CI is shared and slow; how fast a keypress is
handled is measured in `benchmarks/`, well under half a second locally)."""

LONG_NAME = "".join(f"word{n:04d} " for n in range(1_000))[:10_000]


async def test_ten_thousand_character_name(
    make_server: Callable[..., EmbeddedServer], make_app, tmp_path: Path
) -> None:
    seed_database(
        tmp_path / "long.db",
        [conversation("c-long", LONG_NAME, [("USER", "hello")])],
    )
    server = make_server(tmp_path / "long.db")
    app = make_app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app, 1))
        row = app.main_screen.conversation_list.render_line(0).text.rstrip()
        assert row.startswith(" word0000 word0001") and row.endswith("…")
        on_screen = next(line for line in screen_text(app).splitlines() if "word0000" in line)
        assert "…" in on_screen[:40]  # the ellipsis is inside the sidebar, not clipped
        title = app.main_screen.detail.query_one("#detail-title")
        # Loaded is not yet laid out: wait for the title's layout. The name is bounded
        # (`sanitize.clean_name`): a few lines that end with an ellipsis, not the whole name.
        await wait_until(pilot, lambda: "word0000" in str(title.visual))
        await wait_until(pilot, lambda: 1 < title.size.height <= 6)
        shown = str(title.visual)
        assert shown.endswith("\u2026") and "word0999" not in shown
        assert_harmless(app)

        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        assert app.screen.query_one("#name", Input).value == LONG_NAME
        await pilot.pause()
        assert_harmless(app)
        await pilot.press("escape")

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen))
        await pilot.pause()
        assert "word0000" in screen_text(app)
        assert_harmless(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDeleteScreen))


async def assert_keypress_handled(app, pilot) -> None:
    """Pressing ? brings the help screen up (within `KEY_BOUND`), escape closes it."""
    await pilot.press("question_mark")
    await wait_until(
        pilot, lambda: isinstance(app.screen, HelpScreen), within=KEY_BOUND, what="? handled"
    )
    await pilot.press("escape")


async def test_five_megabyte_message_stays_responsive(
    make_server: Callable[..., EmbeddedServer], make_app, tmp_path: Path
) -> None:
    paragraph = "Lorem ipsum **dolor** sit amet, `consectetur` adipiscing elit. " * 8 + "\n\n"
    huge = (paragraph * (5_000_000 // len(paragraph) + 1))[:5_000_000]
    seed_database(tmp_path / "huge.db", [conversation("c-small", "Small", [("USER", "hi")])])
    server = make_server(tmp_path / "huge.db")
    async with PiecesClient(server.url) as client:  # 5 MB through the real HTTP API
        created = await client.create_conversation(name="Huge")
        await client.add_message(created.id, "ASSISTANT", huge)
    app = make_app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app, 2), within=30)
        if app.main_screen.detail.conversation_id != created.id:
            app.main_screen.conversation_list.highlight(created.id)
        # Keys are handled while the message is fetched, parsed and mounted.
        await assert_keypress_handled(app, pilot)
        await wait_until(
            pilot, lambda: app.main_screen.detail.conversation_id == created.id, within=30
        )
        await wait_until(pilot, lambda: len(message_blocks(app.main_screen.detail)) == 1, within=30)
        await assert_keypress_handled(app, pilot)
        block = message_blocks(app.main_screen.detail)[0]
        # Shown cut, with a note saying so.
        await wait_until(pilot, lambda: "truncated" in str(block.query("Label").last().visual))
        shown = block.query_one(SafeMarkdown).source
        assert 0 < len(shown) < 100_000
        await pilot.pause()
        assert_harmless(app)


async def test_deeply_nested_markdown_and_a_ten_thousand_line_fence(
    make_server: Callable[..., EmbeddedServer], make_app, tmp_path: Path
) -> None:
    nested_list = "\n".join("  " * depth + f"- level {depth}" for depth in range(500))
    nested_quote = "> " * 500 + "deep quote"
    fence = "```python\n" + "\n".join(f"x_{n} = {n}  # line {n}" for n in range(10_000)) + "\n```"
    seed_database(
        tmp_path / "deep.db",
        [
            conversation(
                "c-deep",
                "Deep",
                [("USER", nested_list), ("ASSISTANT", nested_quote), ("USER", fence)],
            )
        ],
    )
    server = make_server(tmp_path / "deep.db")
    app = make_app(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app, 1), within=30)
        await wait_until(pilot, lambda: len(message_blocks(app.main_screen.detail)) == 3, within=30)
        await assert_keypress_handled(app, pilot)
        await pilot.press("enter", "G")
        # The 267 kB fence is cut to 50,000 characters, then to MAX_FENCE_LINES lines.
        await wait_until(pilot, lambda: "more lines not shown" in screen_text(app), 30)
        text = screen_text(app)
        assert f"line {MAX_FENCE_LINES - 1}" in text and f"line {MAX_FENCE_LINES}" not in text
        assert "Message truncated" in text
        assert "level 0" in "".join(
            str(block.query_one(SafeMarkdown).source)
            for block in message_blocks(app.main_screen.detail)
        )
        assert app.is_running
        assert_harmless(app)
