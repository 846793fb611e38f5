"""The status bar fits its width: the count always shows (issue 17: offline at 80 columns)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from pieces_tui.paths import styles_dir
from pieces_tui.widgets.status_bar import StatusBar, elide


class BarApp(App[None]):
    CSS_PATH = styles_dir() / "app.tcss"

    def compose(self) -> ComposeResult:
        yield StatusBar()


def shown(bar: StatusBar) -> str:
    return str(bar.render())


OFFLINE = {
    "source": "http://127.0.0.1:39300",
    "state": "offline",
    "detail": "attempt 12 in 10 s",
    "count": 1234,
    "filtered": 56,
}


@pytest.mark.parametrize("width", [60, 80, 100, 200])
async def test_offline_fits_and_keeps_the_count(width: int) -> None:
    app = BarApp()
    async with app.run_test(size=(width, 5)) as pilot:
        bar = app.query_one(StatusBar)
        for name, value in OFFLINE.items():
            setattr(bar, name, value)
        bar.marked = 3
        await pilot.pause()
        text = shown(bar)
        assert len(text) <= width - 2, text  # the bar's padding takes two columns
        assert text.endswith("56 of 1,234 conversations"), text
        assert "✕ offline" in text and "✓ 3 marked" in text
        if width >= 200:
            assert "pieces-tui" in text and "attempt 12" in text and OFFLINE["source"] in text
        if width == 80:
            assert "attempt 12" not in text  # the first thing to go


def test_elide_keeps_both_ends() -> None:
    assert elide("http://127.0.0.1:39300", 12) == "http:/…39300"
    assert elide("short", 12) == "short"
