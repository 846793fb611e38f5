"""Issue 17, item 9: the sidebar adapts to the terminal, resizes, hides; `z` maximises the pane."""

from __future__ import annotations

import json

from pilot_wait import wait_until

from pieces_tui.config import Settings
from pieces_tui.state.layout import MAX_WIDTH, MIN_WIDTH, SidebarLayout

from .conftest import loaded


def test_the_width_is_a_fraction_within_bounds() -> None:
    layout = SidebarLayout()
    assert layout.sidebar_width(80) == 26
    assert layout.sidebar_width(200) == 66
    assert layout.sidebar_width(60) == MIN_WIDTH
    assert layout.sidebar_width(400) == MAX_WIDTH
    assert 80 - layout.wider().wider().wider().wider().sidebar_width(80) >= 30
    assert SidebarLayout.from_saved("wide", "yes") == SidebarLayout()


async def test_keys_resize_hide_and_maximise_and_are_remembered(
    demo_server, make_app, tmp_path
) -> None:
    settings = Settings(path=tmp_path / "config.json")
    app = make_app(demo_server.url, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, loaded(app))
        screen = app.main_screen
        sidebar = screen.query_one("#sidebar")
        assert sidebar.outer_size.width == 26
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: sidebar.outer_size.width > 26)
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_until(pilot, lambda: sidebar.outer_size.width < 26)
        await pilot.press("backslash")
        await wait_until(pilot, lambda: not sidebar.display)
        assert app.focused is screen.detail  # the hidden list cannot keep the focus
        await pilot.press("backslash")
        await wait_until(pilot, lambda: sidebar.display)
        await pilot.press("z")
        await wait_until(pilot, lambda: not sidebar.display)
        assert screen.detail.outer_size.width == 80
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["sidebar_fraction"] == 0.29 and saved["sidebar_hidden"] is False
    again = make_app(demo_server.url, settings=Settings.load(tmp_path / "config.json"))
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, loaded(again))
        assert (
            again.main_screen.query_one("#sidebar").outer_size.width == 24
        )  # 29 % of 80, within the minimum
