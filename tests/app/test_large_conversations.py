"""Opening very long conversations (2,000 and 100,000 messages) and a 5 MB message: the pane
shows the first screenful without fetching the rest, jumps to the latest, keeps a bounded window,
and the UI keeps answering keys meanwhile. Timing is measured by the benchmark, not here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pilot_wait import wait_until
from textual.widgets import Static

from pieces_tui.client import PiecesClient
from pieces_tui.config import Timings
from pieces_tui.screens.help import HelpScreen
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.db import Database
from pieces_tui.server.records import NewConversation, NewMessage, iso
from pieces_tui.widgets.detail import MAX_MOUNTED, message_blocks

from .conftest import loaded

# A 100,000-message conversation is a large answer: on a loaded 2-core CI box, fetching and
# reading it once took longer than the 10 s product default, the pane said so, and the test read
# the previous conversation's (hidden) blocks. These tests are about paging, not timeouts.
SLOW_MACHINE = Timings(request_timeout=120.0)

SIZE = (120, 40)
# The tests' server clock starts here (tests/conftest.py); these conversations are older.
CLOCK_START = datetime(2026, 12, 1, tzinfo=UTC)
HUGE = 100_000
LONG = 2_000
BIG_TEXT = ("A long line of a very large message, repeated many times. " * 20 + "\n\n") * 4_400


def conversation(
    key: str, count: int, at_minutes: int, text: Callable[[int], str]
) -> NewConversation:
    at = iso(CLOCK_START - timedelta(minutes=at_minutes))
    return NewConversation(
        id=f"conversation-{key}",
        created=at,
        updated=at,
        name=f"{key.title()} conversation",
        messages=[
            NewMessage(f"{key}-{k:06d}", "USER" if k % 2 == 0 else "ASSISTANT", text(k), at)
            for k in range(count)
        ],
    )


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database for the module (the 100,000 messages go straight in through the db layer)."""
    path = tmp_path_factory.mktemp("large") / "large.db"
    db = Database(path)
    db.insert_conversations(
        [
            conversation("latest", 2, 0, lambda k: f"Hello {k}"),
            conversation("huge", HUGE, 10, lambda k: f"Message {k} of the huge one."),
            conversation("long", LONG, 20, lambda k: f"Message {k} of the long one."),
            conversation("bulky", 3, 30, lambda k: BIG_TEXT if k == 1 else f"Around {k}"),
        ]
    )
    db.close()
    return path


@pytest.fixture
def big_server(big_db: Path, make_server: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return make_server(db_path=big_db)


def block_ids(app) -> list[str]:
    return [block.message.id for block in message_blocks(app.main_screen.detail)]


def detail_placeholder(app) -> str:
    return str(app.main_screen.detail.query_one("#detail-placeholder", Static).visual)


def later_line(app) -> Static:
    return app.main_screen.detail.query_one("#detail-later", Static)


async def test_a_100000_message_conversation_opens_at_its_first_messages_without_freezing(
    big_server, make_app
) -> None:
    app = make_app(big_server.url, timings=SLOW_MACHINE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app), 30)
        app.main_screen.conversation_list.highlight("conversation-huge")
        # Keys are handled while it loads: the help screen opens and closes.
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), 5)
        await wait_until(
            pilot,
            lambda: (
                app.main_screen.detail.conversation_id == "conversation-huge"
                and not app.main_screen.detail.loading
            ),
            120,
        )
        assert not app.main_screen.detail.failed, detail_placeholder(app)
        await wait_until(pilot, lambda: bool(block_ids(app)))
        ids = block_ids(app)
        assert ids[0] == "huge-000000"
        assert len(ids) <= MAX_MOUNTED
        assert "100,000" in str(app.main_screen.detail.query_one("#detail-meta", Static).visual)
        await wait_until(pilot, lambda: "more messages" in str(later_line(app).visual))

        # G: the latest messages, fetched on their own.
        app.main_screen.detail.focus()
        await pilot.press("G")
        await wait_until(pilot, lambda: block_ids(app)[-1:] == [f"huge-{HUGE - 1:06d}"], 10)
        ids = block_ids(app)
        assert len(ids) <= MAX_MOUNTED
        assert ids == [f"huge-{k:06d}" for k in range(int(ids[0][5:]), HUGE)]
        earlier = app.main_screen.detail.query_one("#detail-earlier", Static)
        assert earlier.display and "earlier messages" in str(earlier.visual)


async def test_a_2000_message_conversation_pages_and_takes_new_messages_at_the_end(
    big_server, make_app
) -> None:
    app = make_app(big_server.url, timings=SLOW_MACHINE)
    async with app.run_test(size=SIZE) as pilot, PiecesClient(big_server.url) as other:
        await wait_until(pilot, loaded(app), 30)
        app.main_screen.conversation_list.highlight("conversation-long")
        await wait_until(pilot, lambda: block_ids(app)[:1] == ["long-000000"], 10)
        # Scrolling down mounts the next ones, in order.
        shown = len(block_ids(app))
        app.main_screen.detail.scroll_end(animate=False)
        await wait_until(pilot, lambda: len(block_ids(app)) > shown, 10)
        ids = block_ids(app)
        assert ids == [f"long-{k:06d}" for k in range(len(ids))]

        app.main_screen.detail.focus()
        await pilot.press("G")
        await wait_until(pilot, lambda: block_ids(app)[-1:] == [f"long-{LONG - 1:06d}"], 10)
        await other.add_message("conversation-long", "USER", "Typed in the desktop app")
        await wait_until(
            pilot,
            lambda: (
                message_blocks(app.main_screen.detail)[-1].message.text
                == "Typed in the desktop app"
            ),
            10,
        )
        assert "2,001" in str(app.main_screen.detail.query_one("#detail-meta", Static).visual)


async def test_a_5_mb_message_does_not_freeze_the_ui(big_server, make_app) -> None:
    assert len(BIG_TEXT) > 5_000_000
    app = make_app(big_server.url, timings=SLOW_MACHINE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app), 30)
        app.main_screen.conversation_list.highlight("conversation-bulky")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), 5)
        await wait_until(pilot, lambda: len(block_ids(app)) == 3, 20)
        big = message_blocks(app.main_screen.detail)[1]
        assert big.message.id == "bulky-000001"
