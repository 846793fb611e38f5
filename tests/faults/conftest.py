"""Fault scenarios: the real app, through `FaultProxy`, in front of the embedded server.

Fixtures: `proxy` (a started `FaultProxy`, no upstream yet), `make_app` (an app with short network
timings and a frozen clock). Helpers wait on conditions with deadlines, never on guessed sleeps.

Every scenario ends with `assert_in_step`: the store and the list equal `GET /conversations`
asked of the server directly, in the app's order, no stale or duplicate row. The totals (faults
injected, stale rows, crashes) are printed at the end of the run.
"""

from __future__ import annotations

import itertools
import uuid
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pilot_wait
import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, Static

from pieces_tui.app import PiecesApp
from pieces_tui.cli import create_app
from pieces_tui.client.http import PiecesClient
from pieces_tui.config import Settings, Timings
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen
from pieces_tui.screens.help import HelpScreen
from pieces_tui.screens.new_conversation import NewConversationScreen
from pieces_tui.screens.rename import RenameScreen
from pieces_tui.state.store import ConversationStore, ConversationSummary

from .proxy import FaultProxy

SIZE = (120, 36)
FROZEN_NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CRASH_TITLE = "Something went wrong"  # the app's title for an unexpected worker failure

TOTALS: Counter[str] = Counter()
"""Across the run: faults injected (by kind), stale rows found after resync, crashes."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TOTALS:
        return
    faults = {k[6:]: v for k, v in TOTALS.items() if k.startswith("fault ")}
    terminalreporter.write_sep("-", "fault injection")
    terminalreporter.write_line(
        f"faults injected: {sum(faults.values())} "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(faults.items()))})"
    )
    terminalreporter.write_line(
        f"stale rows after resync: {TOTALS['stale rows']}; crashes: {TOTALS['crashes']}; "
        f"in-step checks: {TOTALS['checks']}"
    )


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    async with FaultProxy(upstream_port=None) as started:
        yield started
        for kind, count in started.faults.items():
            TOTALS[f"fault {kind}"] += count


def count_fault(kind: str, n: int = 1) -> None:
    """Faults the proxy does not see (e.g. a server killed)."""
    TOTALS[f"fault {kind}"] += n


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., PiecesApp]:
    """The app from the one factory, with a private settings file, a frozen clock and network
    timings short enough that dozens of reconnects take seconds."""

    def factory(url: str, **timings: float) -> PiecesApp:
        timings = {"request_timeout": 3.0, "retry_delay": 0.02, "retry_cap": 0.1, **timings}
        return create_app(
            url=url,
            # No undo window: these tests are about the delete request itself, sent at once.
            settings=Settings(path=tmp_path / "config.json", undo_seconds=0),
            now=lambda: FROZEN_NOW,
            discover_hosts=False,
            timings=Timings(**timings),
        )

    return factory


class LaterIds:
    """uuid-shaped ids from `start` on: a second server on the same database must not reuse the
    first one's ids (the fixtures' SequentialIds start at 1)."""

    def __init__(self, start: int) -> None:
        self._counter = itertools.count(start)

    def __call__(self) -> str:
        return str(uuid.UUID(f"00000000-0000-4000-8000-{next(self._counter):012x}"))


def later_clock(start: datetime) -> Callable[[], datetime]:
    """A server clock from `start`, one second per call."""
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


# -- waiting --------------------------------------------------------------------------------------


async def wait_until(
    pilot: Pilot[None],
    condition: Callable[[], bool | Awaitable[bool]],
    *,
    within: float = 15.0,
    what: str = "",
) -> None:
    """`pilot_wait.wait_until` with this suite's longer default bound (reconnects take a while)."""
    await pilot_wait.wait_until(pilot, condition, within, what=what)


# -- what the user sees ----------------------------------------------------------------------------


def status_text(app: PiecesApp) -> str:
    return str(app.main_screen.status.render())


class StatusLog:
    """Every text the status bar took (recorded on each change of its state or detail)."""

    def __init__(self, app: PiecesApp) -> None:
        self.app = app
        self.texts: list[str] = []
        app.watch(app.main_screen.status, "state", self._record, init=True)
        app.watch(app.main_screen.status, "detail", self._record, init=False)

    def _record(self, *_: object) -> None:
        text = status_text(self.app)
        if not self.texts or self.texts[-1] != text:
            self.texts.append(text)

    def mark(self) -> int:
        return len(self.texts)

    def since(self, mark: int) -> list[str]:
        return self.texts[mark:]

    def saw(self, word: str, since: int = 0) -> bool:
        return any(word in text for text in self.texts[since:])


KEY_BOUND = 30.0
"""Seconds a key press may take to be handled before the app counts as frozen: a bound on a
wait, not a latency budget (those are measured in `benchmarks/`)."""

_NOTICES: weakref.WeakKeyDictionary[PiecesApp, pilot_wait.Notices] = weakref.WeakKeyDictionary()


def recorder(app: PiecesApp) -> pilot_wait.Notices:
    """The app's notification recorder: pass it as `run_test(message_hook=recorder(app))`."""
    return _NOTICES.setdefault(app, pilot_wait.Notices())


def notices(app: PiecesApp) -> list[str]:
    """Every notification raised so far (title and message), expired toasts included."""
    return recorder(app).texts()


def has_notice(app: PiecesApp, *parts: str) -> Callable[[], bool]:
    return lambda: any(all(part in text for part in parts) for text in notices(app))


def crashes(app: PiecesApp) -> list[str]:
    return [text for text in notices(app) if text.startswith(CRASH_TITLE)]


async def assert_responsive(
    pilot: Pilot[None], app: PiecesApp, bound: float = KEY_BOUND, *, move: bool = True
) -> None:
    """A key press is handled: j/k moves the list's highlight (`move`), or else ? opens the help
    screen and escape closes it (the open conversation stays). The wait is bounded, generously:
    a frozen app fails, a slow shared machine does not (how fast is for `benchmarks/`)."""
    listing = app.main_screen.conversation_list
    app.screen.set_focus(listing)
    if move:
        before = listing.highlighted_id
        index = listing.highlighted_index
        await pilot.press("k" if index is not None and index > 0 else "j")
        if listing.visible_count >= 2:
            await wait_until(
                pilot,
                lambda: listing.highlighted_id != before,
                within=bound,
                what="the key press was handled",
            )
        await pilot.pause()
    else:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), within=bound)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), within=bound)
    TOTALS["responsive checks"] += 1


# -- the invariant ---------------------------------------------------------------------------------


def _row(summary: Any) -> tuple[str, str | None, datetime, int]:
    return (summary.id, summary.name, summary.updated, summary.message_count)


async def server_rows(server_url: str) -> list[ConversationSummary]:
    """`GET /conversations` asked directly of the server, in the order the app shows."""
    expected = ConversationStore()
    async with PiecesClient(server_url) as direct:
        expected.apply_snapshot(await direct.conversations())
    return list(expected.ordered())


def app_rows(app: PiecesApp) -> tuple[list[Any], list[Any]]:
    listing = app.main_screen.conversation_list
    shown = [listing.row_at(i) for i in range(listing.visible_count)]
    return [_row(s) for s in app.store.ordered()], [_row(s) for s in shown]


async def in_step(app: PiecesApp, server_url: str) -> bool:
    expected = [_row(s) for s in await server_rows(server_url)]
    store, shown = app_rows(app)
    return store == expected and shown == expected


async def assert_in_step(pilot: Pilot[None], app: PiecesApp, server_url: str) -> None:
    """Wait (bounded) until the app's store and list equal the server's list; then count stale
    rows (must be 0), duplicates and crashes."""
    try:
        await wait_until(pilot, lambda: in_step(app, server_url), what="app in step with server")
    finally:
        expected = {row.id: _row(row) for row in await server_rows(server_url)}
        store, shown = app_rows(app)
        stale = [row for row in {*store, *shown} if expected.get(row[0]) != row]
        missing = set(expected) - {row[0] for row in shown}
        TOTALS["stale rows"] += len(stale)
        TOTALS["checks"] += 1
        TOTALS["crashes"] += len(crashes(app))
    assert not stale and not missing, (stale, missing)
    ids = [row[0] for row in shown]
    assert len(ids) == len(set(ids)), "duplicate rows"
    assert not crashes(app), crashes(app)


def errors(app: PiecesApp) -> list[str]:
    """Notifications shown as errors."""
    return recorder(app).texts("error")


def detail_text(app: PiecesApp) -> str:
    """What the detail pane shows: the placeholder (loading, errors) or the title."""
    placeholder = app.main_screen.detail.query_one("#detail-placeholder", Static)
    if placeholder.display:
        return str(placeholder.visual)
    return str(app.main_screen.detail.query_one("#detail-title", Static).visual)


async def seed(server_url: str, count: int, prefix: str = "Conversation") -> list[str]:
    """Create `count` conversations directly on the server; their ids, oldest first."""
    async with PiecesClient(server_url) as direct:
        return [(await direct.create_conversation(f"{prefix} {i}")).id for i in range(count)]


async def started(pilot: Pilot[None], app: PiecesApp, count: int) -> None:
    """The app is live, lists `count` conversations and shows the highlighted one."""

    def ready() -> bool:
        return (
            app.main_screen.status.state == "live"
            and len(app.store) == count
            and app.main_screen.conversation_list.row_count == count
            and app.main_screen.detail.conversation_id is not None
            and not app.main_screen.detail.loading
        )

    await wait_until(pilot, ready, what=f"live with {count} conversations")


# -- the user's actions, through the keyboard ---------------------------------------------------


async def rename_via_ui(pilot: Pilot[None], app: PiecesApp, name: str) -> None:
    """Rename the highlighted conversation: r, type the name, enter."""
    app.screen.set_focus(app.main_screen.conversation_list)
    await pilot.press("r")
    await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen), what="rename dialog")
    app.screen.query_one("#name", Input).value = name
    await pilot.press("enter")
    await _closed_or_refused(pilot, app, RenameScreen)


async def delete_via_ui(pilot: Pilot[None], app: PiecesApp, *, confirm_when: Any = None) -> None:
    """Delete the highlighted conversation: d, then the dialog's Delete button (after awaiting
    `confirm_when()` if given, so a test can act while the dialog is open)."""
    app.screen.set_focus(app.main_screen.conversation_list)
    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDeleteScreen), what="dialog")
    if confirm_when is not None:
        await confirm_when()
    app.screen.query_one("#delete", Button).press()
    await wait_until(
        pilot, lambda: not isinstance(app.screen, ConfirmDeleteScreen), what="dialog closed"
    )


async def create_via_ui(pilot: Pilot[None], app: PiecesApp, name: str) -> None:
    """Create a blank conversation: n, the name, enter."""
    app.screen.set_focus(app.main_screen.conversation_list)
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, NewConversationScreen), what="dialog")
    app.screen.query_one("#name", Input).value = name
    await pilot.press("enter")
    await _closed_or_refused(pilot, app, NewConversationScreen)


async def _closed_or_refused(pilot: Pilot[None], app: PiecesApp, dialog: type) -> None:
    """The dialog sends its own request: it closes when that succeeds, and stays open with the
    reason when it fails (then the test closes it, as a user would, with escape)."""

    def settled() -> bool:
        if not isinstance(app.screen, dialog):
            return True
        return bool(str(app.screen.query_one("#error", Label).render()).strip())

    await wait_until(pilot, settled, what="dialog closed or showing why")
    if isinstance(app.screen, dialog):
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, dialog), what="dialog closed")
