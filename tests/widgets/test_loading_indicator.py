"""The detail pane's loading indicator repaints only the lines around its dots."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region

from pieces_tui.widgets.detail.loading import DotsIndicator


class IndicatorApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DotsIndicator()


async def repaints_asked(size: tuple[int, int]) -> tuple[list[tuple[Region, ...]], list[str]]:
    """The regions one tick of the indicator asks to repaint at `size`, and its lines' text."""
    app = IndicatorApp()
    async with app.run_test(size=size) as pilot:
        indicator = app.query_one(DotsIndicator)
        await pilot.pause()
        asked: list[tuple[Region, ...]] = []
        refresh = indicator.refresh

        def spy(*regions: Region, **kwargs: bool) -> DotsIndicator:
            asked.append(regions)
            return refresh(*regions, **kwargs)

        indicator.refresh = spy  # type: ignore[method-assign]
        indicator.automatic_refresh()
        # No await since the spy went in, so only this tick is recorded; the indicator's own
        # timer keeps ticking while the app shuts down, hence the real method goes back first.
        indicator.refresh = refresh  # type: ignore[method-assign]
        lines = indicator.render_lines(Region(0, 0, *size))
        return list(asked), [line.text for line in lines]


async def test_it_asks_for_a_repaint_of_its_middle_lines_only() -> None:
    asked, lines = await repaints_asked((60, 21))
    assert asked == [(Region(0, 9, 60, 3),)]  # 21 lines: the dots are on line 10
    assert [y for y, text in enumerate(lines) if "●" in text] == [10]


async def test_a_short_one_repaints_whole() -> None:
    asked, _ = await repaints_asked((60, 3))
    assert asked == [()]
