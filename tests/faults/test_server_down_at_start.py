"""(a) Pieces OS is not running when the app starts, then comes up.

Chosen behaviour: the connect screen says why in words ("Cannot reach Pieces OS (nothing answers
there): check that it is running", no exception names, the address in the URL box rather than
repeated) and that it keeps trying by itself; Retry (r) tries at once and says so again if it is
still down; when the server answers, the app goes on without a key press (a demanding user
started Pieces OS and came back to a loaded list, not to a dialog).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Label

from pieces_tui.app import PiecesApp
from pieces_tui.screens.connect import ConnectScreen
from pieces_tui.server import EmbeddedServer

from .conftest import (
    SIZE,
    StatusLog,
    assert_in_step,
    assert_responsive,
    recorder,
    seed,
    started,
    status_text,
    wait_until,
)
from .proxy import FaultProxy


def connect_screen(app: PiecesApp, other_than: object = None) -> bool:
    screen = app.screen
    return isinstance(screen, ConnectScreen) and screen is not other_than and bool(screen.focused)


def reason(app: PiecesApp) -> str:
    return str(app.screen.query_one("#reason", Label).visual)


async def test_down_at_start_then_up(
    make_server: Callable[..., EmbeddedServer],
    proxy: FaultProxy,
    make_app: Callable[..., PiecesApp],
) -> None:
    proxy.stop_listening()  # nothing listens at the app's address: connections are refused
    app = make_app(proxy.url)
    async with app.run_test(size=SIZE, message_hook=recorder(app)) as pilot:
        log = StatusLog(app)
        await wait_until(pilot, lambda: connect_screen(app), what="connect screen")
        shown = reason(app)
        assert "Cannot reach Pieces OS" in shown and "check that it is running" in shown, shown
        assert proxy.url not in shown and "ConnectError" not in shown, shown
        assert "Trying again by itself" in shown
        assert "✕ offline" in status_text(app)

        # Retry by hand while it is still down: the user is told again, on a fresh screen.
        first = app.screen
        await pilot.press("r")
        await wait_until(pilot, lambda: connect_screen(app, other_than=first), what="retried")
        assert "Cannot reach Pieces OS" in reason(app)
        # Keys are still handled: tab moves the focus off Retry.
        focused = app.screen.focused
        await pilot.press("tab")
        assert app.screen.focused is not focused

        # Pieces OS starts: the app notices by itself and loads.
        server = make_server()
        await seed(server.url, 3)
        proxy.set_upstream(server.port)
        await proxy.start_listening()
        await wait_until(pilot, lambda: not isinstance(app.screen, ConnectScreen), what="on")
        await started(pilot, app, 3)
        assert "● live" in status_text(app)
        assert log.saw("offline") and "live" in log.texts[-1], log.texts
        await assert_responsive(pilot, app)
        await assert_in_step(pilot, app, server.url)
