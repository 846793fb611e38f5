"""Focus shows in every theme (issue 17): the focused pane has a bar down its left edge, and the
list, unfocused, marks the conversation the pane shows with a bar in its gutter."""

from __future__ import annotations

import pytest
from pilot_wait import wait_until
from textual.pilot import Pilot

from pieces_tui.app import PiecesApp
from pieces_tui.config import Settings

from .test_snapshots import settle


async def pane_focused(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, PiecesApp)
    await settle(pilot)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.focused is app.main_screen.detail)
    await pilot.pause()


@pytest.mark.parametrize(
    ("theme", "size"),
    [("gruvbox", (80, 24)), ("textual-light", (80, 24)), ("nord", (200, 60))],
)
def test_focused_pane(snap_compare, demo_server, make_app, tmp_path, theme, size) -> None:
    app = make_app(demo_server.url, settings=Settings(path=tmp_path / "c.json", theme=theme))
    assert snap_compare(app, terminal_size=size, run_before=pane_focused)


async def test_focus_moves_the_bars(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await pane_focused(pilot)
        detail, listing = app.main_screen.detail, app.main_screen.conversation_list
        assert detail.styles.border_left[0] == "outer"
        assert str(listing.render_line(0).text).startswith("▌")  # the highlighted row's gutter
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.focused is listing)
        assert detail.styles.border_left[0] in ("", "none")
        await wait_until(pilot, lambda: not listing.render_line(0).text.startswith("▌"))
