"""Regenerate the README's screenshots: `python -m screenshots`.

Runs the app headless on the embedded demo server with a frozen clock and saves SVGs here.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from pieces_tui.app import PiecesApp
from pieces_tui.cli import create_app
from pieces_tui.config import Settings
from pieces_tui.server import EmbeddedServer

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def _until(pilot: Pilot[None], done: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not done():
        if loop.time() > deadline:
            raise SystemExit(f"{what} within 20 s")
        await pilot.pause(0.02)


def _shown(app: PiecesApp) -> bool:
    """The pane shows the highlighted conversation, built (its loading indicator is off)."""
    main = app.main_screen
    detail = main.detail
    return detail.conversation_id == main.conversation_list.highlighted_id and not detail.loading


async def _ready(pilot: Pilot[None], app: PiecesApp) -> None:
    await _until(pilot, lambda: bool(len(app.store)) and _shown(app), "the app did not load")
    app.main_screen.source = "http://127.0.0.1:39300"
    await pilot.pause()


async def _shoot(
    url: str,
    name: str,
    size: tuple[int, int],
    steps: Callable[[Pilot[None]], Awaitable[None]] | None = None,
) -> None:
    with tempfile.TemporaryDirectory() as config:
        app = create_app(url=url, now=lambda: NOW, settings=Settings(path=Path(config) / "c.json"))
        async with app.run_test(size=size) as pilot:
            await _ready(pilot, app)
            if steps is not None:
                await steps(pilot)
                await pilot.pause(0.5)
            for field in app.screen.query(Input):
                field.cursor_blink = False  # its cursor shown, not caught mid-blink or not
            await pilot.pause()
            app.save_screenshot(str(HERE / f"{name}.svg"))
    print(f"wrote screenshots/{name}.svg")


async def _main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedServer(Path(tmp) / "demo.db", demo=True) as server,
    ):
        await _shoot(server.url, "main", (140, 40))

        async def open_long(pilot: Pilot[None]) -> None:
            app = pilot.app
            assert isinstance(app, PiecesApp)
            longest = max(app.store.ordered(), key=lambda row: row.message_count)
            app.main_screen.conversation_list.highlight(longest.id)
            await pilot.pause(0.5)
            await pilot.press("enter")
            await _until(pilot, lambda: _shown(app), "the long conversation did not open")

        await _shoot(server.url, "conversation", (140, 40), open_long)

        async def new_dialog(pilot: Pilot[None]) -> None:
            await pilot.press("n", *"Sprint notes", "tab", "down", "enter")

        await _shoot(server.url, "new-conversation", (140, 40), new_dialog)

        async def filtering(pilot: Pilot[None]) -> None:
            await pilot.press("slash", *"sql")

        await _shoot(server.url, "filter", (140, 40), filtering)


if __name__ == "__main__":
    asyncio.run(_main())
