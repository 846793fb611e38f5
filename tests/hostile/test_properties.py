"""Property tests: random names and message texts through the real widgets.

Each test runs one app; Hypothesis runs in a worker thread and drives the app on its loop through
`ThreadDriver`, so an example costs a render, not an app start. CI runs the `ci` profile (30
examples each); the fuzz run is

    HYPOTHESIS_PROFILE=fuzz python -m pytest tests/hostile -m property

(2,000 examples per property).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input

from pieces_tui.client.summaries import sort_key
from pieces_tui.sanitize import clean_text
from pieces_tui.screens.rename import RenameScreen
from pieces_tui.server import EmbeddedServer
from pieces_tui.widgets.conversation_list import ConversationList
from pieces_tui.widgets.detail import ConversationDetail, ConversationView, MessageView
from pieces_tui.widgets.safe_markdown import SafeMarkdown

from .conftest import FORBIDDEN, HOSTILE, ThreadDriver, assert_harmless, screen_text

pytestmark = pytest.mark.property

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# Any text at all (controls, format characters, private use, unassigned), but no surrogates.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
WORD = st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True)
# Hostile fragments mixed with words and random text.
HOSTILE_TEXT = st.lists(
    st.one_of(st.sampled_from(HOSTILE), WORD, st.text(max_size=6)), max_size=10
).map("".join)
TEXT = st.one_of(ANY_TEXT, HOSTILE_TEXT)


def visible_characters(text: str) -> list[str]:
    """The characters a reader must see, in order: printable, not whitespace, not a character
    the policy removes."""
    # The width policy removes or replaces more (sanitize.py, section 3; its own tests are in
    # test_width.py): what it keeps is what must be seen.
    kept = clean_text(text)
    return [c for c in kept if c.isprintable() and not c.isspace() and not FORBIDDEN.match(c)]


def is_subsequence(needed: list[str], shown: str) -> bool:
    position = 0
    for char in needed:
        position = shown.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def checkable(text: str, cells: int) -> bool:
    """Short enough to be shown whole, and free of escape-sequence introducers (ESC, C1 CSI, OSC,
    DCS, ...): the characters after an introducer are the sequence's parameters, removed with it,
    so for such text only "nothing leaks" is checked (and `test_words_in_hostile_messages_...`
    checks that the text around escape sequences survives)."""
    if "\x1b" in text or any("\x80" <= c <= "\x9f" for c in text):
        return False
    return cell_len("".join(visible_characters(text))) + text.count(" ") < cells


@dataclass(frozen=True)
class Row:
    id: str
    name: str | None
    updated: datetime
    message_count: int = 1
    favorited: bool = False

    @property
    def sort_key(self) -> tuple[int, str]:
        return sort_key(self.updated, self.id)


class Host(App[None]):
    """The real sidebar and detail pane side by side, as in the app."""

    CSS = """
    ConversationList { width: 40; }
    ConversationDetail { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ConversationList(now=lambda: NOW)
            yield ConversationDetail(now=lambda: NOW)


async def run_property(test: Callable[[], None]) -> None:
    """Run a Hypothesis test (synchronous, driving the app through `ThreadDriver`) in a thread."""
    await asyncio.to_thread(test)


async def pause(app: App[Any]) -> None:
    """Let pending messages and a repaint through (what `Pilot.pause()` does)."""
    from textual._wait import wait_for_idle

    await wait_for_idle(0)
    await app._animator.wait_until_complete()
    await wait_for_idle(0)


async def test_names_in_the_sidebar() -> None:
    app = Host()
    async with app.run_test(size=(120, 10)):
        drive = ThreadDriver(asyncio.get_running_loop())
        listing = app.query_one(ConversationList)

        async def show(name: str) -> str:
            listing.set_rows([Row("c1", name, NOW)])
            await pause(app)
            assert_harmless(app)
            return listing.render_line(0).text

        @given(name=TEXT)
        def check(name: str) -> None:
            row = drive(show(name))
            assert not FORBIDDEN.search(row)
            if checkable(name, 30):
                assert is_subsequence(visible_characters(name), row), (name, row)

        await run_property(check)


async def test_names_and_messages_in_the_detail_pane() -> None:
    app = Host()
    async with app.run_test(size=(100, 60)):
        drive = ThreadDriver(asyncio.get_running_loop())
        detail = app.query_one(ConversationDetail)
        counter = iter(range(1_000_000))

        async def show(name: str, text: str) -> str:
            n = next(counter)
            view = ConversationView(
                id=f"c{n}",
                name=name,
                type="COPILOT",
                created=NOW,
                updated=NOW,
                annotations=[("SUMMARY", text)],
                assets=[name],
                websites=[text],
                messages=[MessageView(id=f"m{n}", role="USER", text=text, created=NOW)],
            )
            detail.show_conversation(view)
            await pause(app)
            deadline = asyncio.get_running_loop().time() + 10
            # Every Markdown widget has parsed and mounted its blocks.
            while any(md.source.strip() and not md.children for md in detail.query(SafeMarkdown)):
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.005)
            await pause(app)
            assert_harmless(app)
            return str(detail.query_one("#detail-title").visual)

        @given(name=TEXT, text=TEXT)
        def check(name: str, text: str) -> None:
            title = drive(show(name, text))
            assert not FORBIDDEN.search(title)
            if name.strip() and checkable(name, 60):
                assert is_subsequence(visible_characters(name), title), (name, title)

        await run_property(check)


async def test_words_in_hostile_messages_stay_visible() -> None:
    app = Host()
    async with app.run_test(size=(120, 80)):
        drive = ThreadDriver(asyncio.get_running_loop())
        detail = app.query_one(ConversationDetail)
        counter = iter(range(1_000_000))

        async def show(text: str) -> str:
            n = next(counter)
            view = ConversationView(
                id=f"c{n}",
                name="n",
                type="COPILOT",
                created=NOW,
                updated=NOW,
                messages=[MessageView(id=f"m{n}", role="USER", text=text, created=NOW)],
            )
            detail.show_conversation(view)
            await pause(app)
            deadline = asyncio.get_running_loop().time() + 10
            while any(md.source.strip() and not md.children for md in detail.query(SafeMarkdown)):
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.005)
            await pause(app)
            assert_harmless(app)
            return screen_text(app)

        @given(
            parts=st.lists(
                st.tuples(st.sampled_from(HOSTILE), WORD.map(lambda w: f"w{w}")), max_size=6
            )
        )
        def check(parts: list[tuple[str, str]]) -> None:
            # Each paragraph starts with its word: a word straight after "```" would be the code
            # block's info string (its language), which Markdown does not show.
            text = "\n\n".join(f"{word} {fragment}" for fragment, word in parts)
            shown = drive(show(text))
            for _, word in parts:
                assert word in shown, (text, word)

        await run_property(check)


async def test_names_in_the_rename_dialog() -> None:
    app = Host()
    async with app.run_test(size=(120, 30)):
        drive = ThreadDriver(asyncio.get_running_loop())

        async def rename(name: str) -> None:
            return None

        async def show(name: str) -> str:
            screen = RenameScreen(name, rename)
            await app.push_screen(screen)
            await pause(app)
            assert_harmless(app)
            value = screen.query_one("#name", Input).value
            shown = screen_text(app)
            screen.dismiss(None)
            await pause(app)
            assert not FORBIDDEN.search(value)
            return shown

        @given(name=TEXT)
        def check(name: str) -> None:
            shown = drive(show(name))
            if checkable(name, 60):
                assert is_subsequence(visible_characters(name), shown), (name, shown)

        await run_property(check)


async def test_error_texts_in_notifications(server: EmbeddedServer, make_app) -> None:
    app = make_app(server.url)
    async with app.run_test(size=(120, 30), notifications=True):
        drive = ThreadDriver(asyncio.get_running_loop())

        async def show(text: str) -> str:
            # The real path: PiecesApp.notify cleans the text, Textual mounts a toast, and the
            # whole screen is composed (toast layer included) and checked.
            app.notify(f"Could not rename: {text}", severity="error", markup=False)
            deadline = asyncio.get_running_loop().time() + 10
            while not app.screen.query("Toast"):
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.005)
            await pause(app)
            assert_harmless(app)
            shown = screen_text(app)
            # Dismiss it now rather than wait out its timeout. Textual (8.2) removes a cleared
            # toast but not the ToastHolder wrapping it: left there, one empty holder per example
            # piles up in the rack and every render costs more than the last (the fuzz run did
            # not finish in 23 minutes). So the holders go too: each example starts with an
            # empty rack.
            app.clear_notifications()
            while app.screen.query("Toast"):
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.005)
            await app.screen.query("ToastHolder").remove()
            assert not app.screen.query("ToastRack > *"), "the toast rack is not empty"
            return shown

        @given(text=TEXT)
        def check(text: str) -> None:
            shown = drive(show(text))
            assert "Could not rename" in shown
            if checkable(text, 20):
                assert is_subsequence(visible_characters(text), shown), (text, shown)

        await run_property(check)
