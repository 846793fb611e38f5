"""The message cursor and copying (issue 15): `J` / `K` move a real cursor over every message of
a conversation (a long one pages), `y` copies the cursor's message as its Markdown source and `c`
one of its code blocks, through `App.copy_to_clipboard`, as one OSC 52 sequence.

What the terminal receives is read at the driver: under `run_test` the app runs Textual's
`HeadlessDriver`, whose `write` (public Driver API) throws the bytes away; the `osc52` fixture
records them instead (monkeypatching that class's method, since `run_test` offers no seam to pick
the driver). Everything else is the real app on the embedded server over loopback."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pilot_wait import Notices, wait_until
from textual.drivers.headless_driver import HeadlessDriver

from pieces_tui.server import EmbeddedServer
from pieces_tui.server.db import Database
from pieces_tui.server.records import NewConversation, NewMessage, iso
from pieces_tui.widgets.detail import MAX_MOUNTED, CodePicker, message_blocks

from .conftest import loaded

SIZE = (100, 30)
CLOCK_START = datetime(2026, 12, 1, tzinfo=UTC)
LONG = 500  # more than one request brings whole (400) and than the pane mounts (60)

QUESTION = "How do I retry with backoff?\n\nIn **Python**, please."
ANSWER = (
    "Use a loop:\n"
    "\n"
    "```python\n"
    "for attempt in range(5):\n"
    "    try:\n"
    "        return call()\n"
    "    except OSError:\n"
    "        time.sleep(2 ** attempt)\n"
    "```\n"
    "\n"
    "Then run it:\n"
    "\n"
    "```bash\n"
    "python retry.py  # trailing spaces kept   \n"
    "```\n"
    "\n"
    "- a list with a nested fence:\n"
    "\n"
    "  ~~~\n"
    "  indented inside the list\n"
    "  ~~~\n"
)
ONE_BLOCK = "Just this:\n\n```sql\nSELECT 1;\n```\n"
# A message that tries to drive the terminal through the copy path: an OSC 52 of its own (a
# second clipboard write), a BEL that would end ours early, a bracketed-paste end that would run
# what follows when pasted, a CSI colour, 8-bit C1 forms and a bidi override.
HOSTILE = (
    "before\x07\x1b]52;c;ZXZpbA==\x07 after\x1b\\ \x1b[201~rm -rf ~\n"
    "```sh\necho ok\x1b[31m red\x9b2J\x9d0;title\x9c \u202eevil\n```\n"
)


def conversation(key: str, at_minutes: int, texts: list[str]) -> NewConversation:
    at = iso(CLOCK_START - timedelta(minutes=at_minutes))
    return NewConversation(
        id=f"conversation-{key}",
        created=at,
        updated=at,
        name=f"{key.title()} conversation",
        messages=[
            NewMessage(f"{key}-{k:04d}", "USER" if k % 2 == 0 else "ASSISTANT", text, at)
            for k, text in enumerate(texts)
        ],
    )


def long_text(k: int) -> str:
    return f"Message {k} of the long one.\n\n```\ncode {k}\n```"


@pytest.fixture(scope="module")
def copy_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("copy") / "copy.db"
    db = Database(path)
    db.insert_conversations(
        [
            conversation("code", 0, [QUESTION, ANSWER, ONE_BLOCK]),
            conversation("hostile", 10, [HOSTILE]),
            conversation("long", 20, [long_text(k) for k in range(LONG)]),
        ]
    )
    db.close()
    return path


@pytest.fixture
def copy_server(copy_db: Path, make_server: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return make_server(db_path=copy_db)


class Written(list[str]):
    """What the driver wrote; `osc52`: the OSC 52 sequences among it, in order."""

    @property
    def osc52(self) -> list[str]:
        return [data for data in self if data.startswith("\x1b]52")]


@pytest.fixture
def driver_writes(monkeypatch: pytest.MonkeyPatch) -> Written:
    written = Written()

    def write(self: HeadlessDriver, data: str) -> None:
        written.append(data)

    monkeypatch.setattr(HeadlessDriver, "write", write)
    return written


def osc52_of(text: str) -> str:
    return "\x1b]52;c;" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\x07"


def cursor_id(app) -> str | None:
    return app.main_screen.detail.cursor_id


async def open_conversation(pilot, app, key: str) -> None:
    await wait_until(pilot, loaded(app))
    app.main_screen.conversation_list.highlight(f"conversation-{key}")
    detail = app.main_screen.detail
    await wait_until(
        pilot,
        lambda: (
            detail.conversation_id == f"conversation-{key}"
            and not detail.loading
            and bool(message_blocks(detail))
        ),
        what=f"{key} open",
    )
    await pilot.press("enter")
    assert app.focused is detail
    await wait_until(pilot, lambda: cursor_id(app) is not None, what="the cursor placed")


async def test_y_copies_the_message_markdown_source_exactly(copy_server, make_app, driver_writes):
    app = make_app(copy_server.url)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await open_conversation(pilot, app, "code")
        assert cursor_id(app) == "code-0000"
        await pilot.press("y")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 1)
        assert driver_writes.osc52[0] == osc52_of(QUESTION)
        await pilot.press("J", "y")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 2)
        assert cursor_id(app) == "code-0001"
        assert driver_writes.osc52[1] == osc52_of(ANSWER)
        assert (
            notices.texts()[-1] == "Copied: The message: “Use a loop:” (21 lines, 277 characters)"
        )


async def test_c_copies_one_code_block_content_only(copy_server, make_app, driver_writes):
    app = make_app(copy_server.url)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await open_conversation(pilot, app, "code")
        await pilot.press("G")  # the last message: one block, copied at once
        await wait_until(pilot, lambda: cursor_id(app) == "code-0002")
        await pilot.press("c")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 1)
        assert driver_writes.osc52[0] == osc52_of("SELECT 1;")
        await pilot.press("K", "c")  # three blocks: the picker
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press("2")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 2)
        assert driver_writes.osc52[1] == osc52_of("python retry.py  # trailing spaces kept   ")
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press("down", "down", "enter")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 3)
        assert driver_writes.osc52[2] == osc52_of("indented inside the list")
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press("escape")
        await pilot.pause()
        assert len(driver_writes.osc52) == 3
        python = (
            "for attempt in range(5):\n    try:\n        return call()\n"
            "    except OSError:\n        time.sleep(2 ** attempt)"
        )
        await pilot.press("c", "1")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 4)
        assert driver_writes.osc52[3] == osc52_of(python)
        assert notices.texts()[-1] == (
            "Copied: Code block 1 of 3: “for attempt in range(5):” (5 lines, 108 characters)"
        )


async def test_hostile_text_cannot_smuggle_an_escape_through_the_copy(
    copy_server, make_app, driver_writes
):
    app = make_app(copy_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await open_conversation(pilot, app, "hostile")
        await pilot.press("y", "c")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 2)
    for sequence in driver_writes.osc52:
        # One sequence, whole: introducer, base64, BEL, nothing else.
        assert re.fullmatch(r"\x1b\]52;c;[A-Za-z0-9+/]*={0,2}\x07", sequence), sequence
        copied = base64.b64decode(sequence[7:-1]).decode("utf-8")
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", copied)
    message, code = (base64.b64decode(s[7:-1]).decode() for s in driver_writes.osc52)
    assert message.startswith("before after rm -rf ~\n")
    assert "ZXZpbA" not in message  # the smuggled OSC 52 went with its payload
    assert code == "echo ok red evil"


async def test_the_cursor_reaches_every_message_across_pages(copy_server, make_app, driver_writes):
    """J past the mounted window (60) and the first request's batch: the window moves, the
    messages are fetched, and the cursor lands on each in turn; K comes back across it."""
    app = make_app(copy_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await open_conversation(pilot, app, "long")
        detail = app.main_screen.detail
        steps = MAX_MOUNTED + 15
        for k in range(1, steps + 1):
            await pilot.press("J")
            await wait_until(pilot, lambda k=k: cursor_id(app) == f"long-{k:04d}")
        await wait_until(pilot, lambda: detail.window.lo > 0, what="the window moved on")
        await wait_until(
            pilot,
            lambda: f"long-{steps:04d}" in [b.message.id for b in detail.on_screen()],
            what="the cursor's message on screen",
        )
        await pilot.press("y")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 1)
        assert driver_writes.osc52[0] == osc52_of(long_text(steps))
        # To the last message and back up across the window's start.
        await pilot.press("G")
        await wait_until(pilot, lambda: cursor_id(app) == f"long-{LONG - 1:04d}")
        await wait_until(pilot, lambda: detail.cursor_message is not None)
        await pilot.press("c")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 2)
        assert driver_writes.osc52[1] == osc52_of(f"code {LONG - 1}")
        start = detail.window.lo
        for k in range(LONG - 2, start - 3, -1):
            await pilot.press("K")
            await wait_until(pilot, lambda k=k: cursor_id(app) == f"long-{k:04d}")
        await wait_until(pilot, lambda: detail.window.lo < start, what="mounted earlier ones")
        await wait_until(pilot, lambda: detail.cursor_message is not None)
        await pilot.press("y")
        await wait_until(pilot, lambda: len(driver_writes.osc52) == 3)
        assert driver_writes.osc52[2] == osc52_of(long_text(start - 2))


async def test_scrolling_the_cursor_out_of_sight_brings_it_along(copy_server, make_app):
    app = make_app(copy_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await open_conversation(pilot, app, "long")
        detail = app.main_screen.detail
        for _ in range(4):
            await pilot.press("space")
        await wait_until(
            pilot,
            lambda: cursor_id(app) in [b.message.id for b in detail.on_screen()],
            what="the cursor followed the page",
        )
        assert cursor_id(app) != "long-0000"
        shown = [b.message.id for b in detail.on_screen()]
        assert cursor_id(app) == shown[0]
