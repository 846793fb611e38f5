"""The list snapshot: the app paints the last known list at start, then the server's list wins.

Real embedded server, real client, real files in a private XDG cache (`tests/conftest.py`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.message import Message

from pieces_tui.app import PiecesApp
from pieces_tui.client import PiecesClient
from pieces_tui.client.models import Conversation
from pieces_tui.config import Settings
from pieces_tui.connection import ConnectionChanged
from pieces_tui.paths import cache_dir
from pieces_tui.screens.connect import ConnectScreen
from pieces_tui.server import EmbeddedServer
from pieces_tui.state.snapshot import load_snapshot, save_snapshot, snapshot_path
from pieces_tui.state.store import ConversationSummary
from tests.app.conftest import loaded
from tests.pilot_wait import Notices, wait_until

pytestmark = pytest.mark.timeout(120)


def lists() -> Path:
    return cache_dir() / "lists"


class States:
    """Every connection state the main screen was told, in order (a `message_hook`)."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.notices = Notices()

    def __call__(self, message: Message) -> None:
        self.notices(message)
        if isinstance(message, ConnectionChanged):
            self.seen.append(message.state)


def row_ids(app: PiecesApp) -> list[str]:
    return [row.id for row in app.store.ordered()]


async def server_rows(url: str) -> list[tuple[str, str | None]]:
    async with PiecesClient(url) as client:
        summaries = await client.conversation_summaries()
    summaries.sort(key=lambda s: s.sort_key)
    return [(s.id, s.name) for s in summaries]


def listed(app: PiecesApp) -> list[tuple[str, str | None]]:
    return [(row.id, row.name) for row in app.store.ordered()]


async def run_until_live(app: PiecesApp, hook: States | None = None) -> None:
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await wait_until(pilot, loaded(app), within=30, what="list loaded")
        await wait_until(pilot, lambda: app.main_screen.connection_state == "live", within=30)


async def test_the_snapshot_cannot_lie(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    url = demo_server.url
    await run_until_live(make_app(url))
    saved = load_snapshot(url, lists())  # written on exit
    assert saved is not None and [s.id for s in saved] == [i for i, _ in await server_rows(url)]

    # While the app is closed: one created, one renamed, one deleted.
    async with PiecesClient(url) as client:
        created = await client.create_conversation(name="Made while closed")
        await client.rename_conversation(saved[1].id, "Renamed while closed")
        await client.delete_conversation(saved[2].id)

    app = make_app(url)
    states = States()
    async with app.run_test(size=(80, 24), message_hook=states) as pilot:
        truth = await server_rows(url)
        await wait_until(pilot, lambda: listed(app) == truth, within=30, what="reconciled")
        await wait_until(pilot, lambda: app.main_screen.connection_state == "live", within=30)
        assert app.main_screen.conversation_list.row_count == len(truth)
        assert created.id in row_ids(app) and saved[2].id not in row_ids(app)
        assert dict(listed(app))[saved[1].id] == "Renamed while closed"
    assert states.seen[0] == "syncing"  # painted from the snapshot first, marked not live
    assert states.seen[-1] == "live"
    saved_again = load_snapshot(url, lists())
    assert saved_again is not None and [(s.id, s.name) for s in saved_again] == truth


async def test_the_list_is_painted_from_the_snapshot_before_any_server_answers(
    unused_url: str, make_app: Callable[..., PiecesApp]
) -> None:
    rows = [
        ConversationSummary(
            f"c{n}",
            f"Saved {n}",
            datetime(2026, 11, 20, tzinfo=UTC),
            datetime(2026, 11, 20, n, tzinfo=UTC),
            n,
            "COPILOT",
        )
        for n in range(3)
    ]
    save_snapshot(unused_url, rows, lists())
    app = make_app(unused_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.main_screen.conversation_list.row_count == 3)
        assert row_ids(app) == ["c2", "c1", "c0"]
        # Nothing answers: the saved list stays, under the "no server" choices.
        await wait_until(pilot, lambda: app.main_screen.connection_state == "offline", within=30)
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ConnectScreen) and app.screen.focused is not None,
            within=30,
        )
        assert not app.connection.loaded
        assert row_ids(app) == ["c2", "c1", "c0"]


@pytest.mark.parametrize("kind", ["corrupt", "foreign"])
async def test_a_corrupt_or_foreign_snapshot_is_ignored(
    kind: str, demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    url = demo_server.url
    path = snapshot_path(url, lists())
    if kind == "corrupt":
        path.parent.mkdir(parents=True)
        path.write_bytes(b'{"format": "pieces-tui list snapshot", "version": 1, "rows": [[')
    else:  # written for another address, then put where this address's snapshot goes
        ghost = ConversationSummary(
            "ghost",
            "Not here",
            datetime(2030, 1, 1, tzinfo=UTC),
            datetime(2030, 1, 1, tzinfo=UTC),
            0,
            "COPILOT",
        )
        save_snapshot("http://127.0.0.1:1", [ghost], lists()).replace(path)
    states = States()
    app = make_app(url)
    await run_until_live(app, states)
    assert "syncing" not in states.seen
    assert load_snapshot(url, lists()) is not None  # replaced by a good one on exit


async def test_no_cache_neither_paints_nor_saves(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp], tmp_path: Path
) -> None:
    await run_until_live(make_app(demo_server.url, list_cache=False))
    assert not lists().exists()
    settings = Settings(path=tmp_path / "off.json")
    settings.list_cache = False
    settings.save()
    await run_until_live(make_app(demo_server.url, settings=Settings.load(tmp_path / "off.json")))
    assert not lists().exists()


async def test_the_snapshot_is_saved_once_the_list_settles(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    url = demo_server.url
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, loaded(app), within=30)
        await wait_until(pilot, lambda: app.connection.cache.saves >= 1, within=30)
        saves = app.connection.cache.saves
        async with PiecesClient(url) as client:
            created = await client.create_conversation(name="Saved after a quiet spell")
        await wait_until(pilot, lambda: app.connection.cache.saves > saves, within=30)
        saved = load_snapshot(url, lists())
        assert saved is not None and created.id in {s.id for s in saved}


async def test_renaming_a_row_the_server_no_longer_has_says_so(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    app = make_app(demo_server.url)
    states = States()
    async with app.run_test(size=(80, 24), message_hook=states) as pilot:
        await wait_until(pilot, loaded(app), within=30)
        # A row as a stale snapshot paints it: the store has it, the server does not (it is
        # injected into the store because the real reconcile would remove it before a key).
        stamp = {"value": "2030-01-01T00:00:00+00:00"}
        app.store.upsert(
            Conversation.model_validate(
                {
                    "id": "gone-elsewhere",
                    "name": "Stale",
                    "type": "COPILOT",
                    "created": stamp,
                    "updated": stamp,
                    "messages": {"iterable": []},
                }
            )
        )
        listing = app.main_screen.conversation_list
        await wait_until(pilot, lambda: listing.row_count == len(app.store), what="row listed")
        listing.highlight("gone-elsewhere")
        await wait_until(pilot, lambda: listing.highlighted_id == "gone-elsewhere")
        await pilot.press("r")
        await wait_until(pilot, lambda: app.screen is not app.main_screen)
        await pilot.press("x", "enter")
        await wait_until(pilot, lambda: "gone-elsewhere" not in app.store, within=30)
        assert any("already deleted elsewhere" in text for text in states.notices.texts())
