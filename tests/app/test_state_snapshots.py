"""Snapshots of the honest states (80x24 and wide): signed out, a list that fails to load, the
connect screen for a wrong URL, for discovery's rejected candidates and for an unusable demo."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pilot_wait import wait_until
from textual.app import App
from textual.pilot import Pilot

from pieces_tui.app import PiecesApp
from pieces_tui.config import Timings
from pieces_tui.screens.connect import ConnectProblem, ConnectScreen
from tests.faults.proxy import FaultProxy

from .test_snapshots import NO_SERVER_URL, SHOWN_URL, still

SIZES = [(80, 24), (200, 60)]
# Long retries: after the first failures nothing changes on screen while the snapshot is taken.
PATIENT = Timings(request_timeout=3.0, retry_delay=60.0, retry_cap=60.0)


@pytest.fixture
def html_proxy(demo_server) -> Iterator[FaultProxy]:
    """A proxy in front of the demo server whose `GET /conversations` answers an HTML page, on
    its own loop in a thread (snap_compare runs the app on a loop of its own). Stand-in: a real
    server cannot be made to answer HTML there while its health is fine."""
    loop = asyncio.new_event_loop()
    proxy = FaultProxy(demo_server.port)
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(proxy.start())
        proxy.fail("GET", "/conversations", status=200, body="<html><body>hi</body></html>")
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield proxy
    asyncio.run_coroutine_threadsafe(proxy.aclose(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


async def _shown_at_fixed_url(pilot: Pilot[None], text: str, state: str) -> None:
    app = pilot.app
    assert isinstance(app, PiecesApp)
    detail = app.main_screen.detail

    def shows() -> bool:
        return text in str(detail.query_one("#detail-placeholder").visual)

    await wait_until(pilot, shows, within=20)
    await wait_until(pilot, lambda: app.main_screen.connection_state == state, within=20)
    app.main_screen.source = SHOWN_URL
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_signed_out(snap_compare, make_server, make_app, size) -> None:
    server = make_server(signed_out=True, demo=True)

    async def run_before(pilot: Pilot[None]) -> None:
        await _shown_at_fixed_url(pilot, "no one is signed in", "signed out")

    app = make_app(server.url, timings=PATIENT)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_list_fails_to_load(snap_compare, html_proxy, make_app, size) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _shown_at_fixed_url(pilot, "(attempt 2)", "live")

    app = make_app(html_proxy.url, timings=PATIENT)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_connect_screen_wrong_url(snap_compare, make_app, size) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConnectScreen))
        await still(pilot)

    app = make_app(NO_SERVER_URL, timings=PATIENT)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_connect_screen_unusable_demo(snap_compare, make_app, size) -> None:
    broken = Path("/tmp/pieces-tui-snapshot-states/broken.db")  # a fixed path: it is on screen

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConnectScreen), within=20)
        await still(pilot)

    broken.parent.mkdir(exist_ok=True)
    broken.write_bytes(b"not a database " * 100)
    app = make_app(None, demo=True, db=broken, timings=PATIENT)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


class _ConnectOnly(App[None]):
    """The connect screen alone, as discovery's outcome shows it (no network involved)."""

    CSS_PATH = PiecesApp.CSS_PATH

    def on_mount(self) -> None:
        self.push_screen(
            ConnectScreen(
                ConnectProblem(
                    "No Pieces OS found",
                    "Something answers on this machine, but not as Pieces OS does. "
                    "Trying again by itself…",
                    "127.0.0.1 ports 39300-39333 and localhost:1000",
                    rejected=(
                        "http://127.0.0.1:39300: health answers HTML: not Pieces OS",
                        "http://127.0.0.1:39301: health answers HTTP 404",
                    ),
                )
            )
        )


@pytest.mark.parametrize("size", SIZES)
def test_connect_screen_rejected_candidates(snap_compare, size) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConnectScreen))
        await still(pilot)

    assert snap_compare(_ConnectOnly(), terminal_size=size, run_before=run_before)
