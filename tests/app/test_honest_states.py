"""Honest states: signed out, a bulk load that keeps failing, the connect screen, status words.

Everything runs against the embedded server over real loopback sockets. The fault proxy
(`tests/faults/proxy.py`) stands in only for what a real server cannot be made to do: answer an
HTML page on `GET /conversations` while its health is fine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pilot_wait import Notices, wait_until
from textual.widgets import Input, Label

from pieces_tui.app import PiecesApp
from pieces_tui.cli import main as cli_main
from pieces_tui.client import StreamState
from pieces_tui.config import Timings
from pieces_tui.connection import ConnectionChanged, LoadTrouble, stream_words
from pieces_tui.screens.connect import ConnectScreen
from pieces_tui.screens.help import HelpScreen
from pieces_tui.server import EmbeddedServer
from pieces_tui.urls import check_url
from tests.faults.proxy import FaultProxy

from .conftest import loaded

SIZE = (100, 30)
FAST = Timings(request_timeout=3.0, retry_delay=0.05, retry_cap=0.3)


def placeholder(app: PiecesApp) -> str:
    return str(app.main_screen.detail.query_one("#detail-placeholder").visual)


def label(app: PiecesApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).visual)


class Seen:
    """Every `LoadTrouble` and `ConnectionChanged` the app handled (a `message_hook`)."""

    def __init__(self) -> None:
        self.troubles: list[LoadTrouble] = []
        self.states: list[str] = []

    def __call__(self, message: object) -> None:
        if isinstance(message, LoadTrouble):
            self.troubles.append(message)
        elif isinstance(message, ConnectionChanged):
            self.states.append(message.state)


async def test_signed_out_says_so_retries_and_loads_once_signed_in(
    make_server: Callable[..., EmbeddedServer], make_app: Callable[..., PiecesApp]
) -> None:
    server = make_server(signed_out=True, demo=True)
    app = make_app(server.url, timings=FAST)
    seen = Seen()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await wait_until(pilot, lambda: "no one is signed in" in placeholder(app), what="state")
        assert "sign in from the Pieces desktop app" in placeholder(app)
        assert "Trying again by itself" in placeholder(app)
        await wait_until(pilot, lambda: app.main_screen.connection_state == "signed out")
        assert len(app.store) == 0
        server.signed_out = False
        await wait_until(pilot, loaded(app), within=20, what="loaded once signed in")
        assert app.main_screen.connection_state == "live"
        assert seen.troubles[-1].problem is None  # the state was cleared
        assert app.connection.problem is None


async def test_a_bulk_load_answering_html_is_a_state_with_the_reason(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    async with FaultProxy(demo_server.port) as proxy:
        # Stand-in: a real server cannot be made to answer HTML here with a healthy health.
        rule = proxy.fail("GET", "/conversations", status=200, body="<html><body>hi</body></html>")
        app = make_app(proxy.url, timings=FAST)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: "Could not load the conversations" in placeholder(app))
            text = placeholder(app)
            assert "not Pieces OS's API" in text and "Trying again by itself" in text
            assert "ProtocolError" not in text and proxy.url not in text
            await wait_until(pilot, lambda: "attempt 2" in placeholder(app), what="retries")
            proxy.clear_failures()
            await wait_until(pilot, loaded(app), within=20, what="healed")
            assert rule.hits >= 2


async def test_a_storage_fault_shows_the_servers_reason(
    server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    async with FaultProxy(server.port) as proxy:
        # Stand-in for a damaged database (the server's own 503 is tested in tests/server).
        proxy.fail("GET", "/conversations", status=503, body="the database file is damaged: x.db")
        app = make_app(proxy.url, timings=FAST)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: "answered 503" in placeholder(app))
            assert "the database file is damaged: x.db" in placeholder(app)
            # ctrl+r asks again at once; still failing, the state stays, counted.
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: "attempt" in placeholder(app))
            assert app.main_screen.connection_state == "live"


async def test_a_filter_typed_before_the_first_load_that_matches_nothing(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    async with FaultProxy(demo_server.port) as proxy:
        proxy.fail("GET", "/conversations", status=503, body="busy")
        app = make_app(proxy.url, timings=FAST)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"zzzz-nothing")
            await wait_until(pilot, lambda: "answered 503" in placeholder(app))
            proxy.clear_failures()
            await wait_until(pilot, lambda: app.connection.loaded)
            await wait_until(
                pilot, lambda: placeholder(app) == "No conversation matches the filter."
            )


async def test_the_detail_pane_heals_after_a_reconnect(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    async with FaultProxy(demo_server.port) as proxy:
        app = make_app(proxy.url, timings=FAST)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, loaded(app))
            listing = app.main_screen.conversation_list
            proxy.refuse(True)  # Pieces OS goes away: new connections are refused
            proxy.cut()
            await wait_until(pilot, lambda: app.main_screen.connection_state != "live")
            await pilot.press("j")
            await wait_until(pilot, lambda: app.main_screen.detail.failed, what="failed")
            assert "It reloads once Pieces OS is back" in placeholder(app)
            proxy.refuse(False)
            await wait_until(pilot, lambda: app.main_screen.connection_state == "live")
            await wait_until(pilot, lambda: not app.main_screen.detail.failed, what="healed")
            await wait_until(
                pilot, lambda: app.main_screen.detail.conversation_id == listing.highlighted_id
            )


async def test_connect_screen_has_its_own_keys_and_offers_the_failed_url(
    unused_url: str, make_app: Callable[..., PiecesApp]
) -> None:
    app = make_app(unused_url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.focused is not None
        )
        screen = app.screen
        assert label(app, "#title") == "No Pieces OS at this address"
        reason = label(app, "#reason")
        assert "Cannot reach Pieces OS" in reason and unused_url not in reason
        assert "Error" not in reason
        assert screen.query_one("#url", Input).value == unused_url
        # `/` focuses the URL box here, not the main screen's hidden filter.
        await pilot.press("slash")
        assert screen.focused is screen.query_one("#url", Input)
        assert app.main_screen.filter_input.value == ""
        await pilot.press("escape")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = " ".join(str(w.visual) for w in app.screen.query("Static"))
        assert "Retry" in text and "Open demo" in text and "Rename" not in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)


async def test_an_unusable_demo_database_offers_the_choices(
    tmp_path: Path, make_app: Callable[..., PiecesApp]
) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database at all" * 100)
    app = make_app(None, demo=True, db=broken)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ConnectScreen) and app.screen.focused is not None,
            within=20,
        )
        assert label(app, "#title") == "The demo cannot start"
        assert str(broken) in label(app, "#reason")
        assert "choose another --db" in label(app, "#choices")


def test_a_wrong_url_is_refused_by_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli_main(["--url", "notaurl"])
    assert stopped.value.code == 2
    assert "--url: 'notaurl' is not an http(s) URL" in capsys.readouterr().err
    assert check_url("http://127.0.0.1:39300") is None
    assert check_url("http://127.0.0.1:99999") is not None


def test_status_words_are_honest() -> None:
    assert stream_words(StreamState("connecting", attempt=3, timeout=10.0)) == (
        "connecting",
        "attempt 3",
    )
    assert stream_words(StreamState("reconnecting", attempt=2, delay=0.2)) == (
        "reconnecting",
        "attempt 2 in a moment",
    )
    assert stream_words(StreamState("offline", attempt=5, delay=4.0))[1] == "attempt 5 in 4 s"
    assert stream_words(StreamState("reconnecting", attempt=1, status=401))[0] == "signed out"


async def test_a_version_outside_the_tested_range_is_a_notice_and_it_still_loads(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    async with FaultProxy(demo_server.port) as proxy:
        # Stand-in: the embedded server always says 12.3.0; this one claims a newer Pieces OS.
        proxy.fail("GET", "/.well-known/version", status=200, body="13.1.0")
        app = make_app(proxy.url, timings=FAST)
        notices = Notices()
        async with app.run_test(size=SIZE, message_hook=notices) as pilot:
            await wait_until(pilot, loaded(app), within=20)
            texts = notices.texts("warning")
            assert any("13.1.0" in t and "12.0.0 <= version < 13.0.0" in t for t in texts), texts


async def test_an_update_required_answer_names_both_versions(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp]
) -> None:
    async with FaultProxy(demo_server.port) as proxy:
        # Stand-in: only real Pieces OS answers 593 (update required).
        proxy.fail("GET", "/conversations", status=593, body="")
        app = make_app(proxy.url, timings=FAST)
        async with app.run_test(size=SIZE) as pilot:
            # The version check runs beside the load: when the 593 comes first, the words are
            # told again once the version is known (this read them too early once, loaded).
            await wait_until(pilot, lambda: "Pieces OS 12.3.0" in placeholder(app), within=20)
            text = placeholder(app)
            assert "needs an update" in text and "12.0.0 <= version < 13.0.0" in text, text
