"""The detail pane's loading indicator repaints only the lines around its dots."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region

from pieces_tui.widgets.detail.loading import DotsIndicator


class IndicatorApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DotsIndicator()


async def test_it_asks_for_a_repaint_of_its_middle_lines_only() -> None:
    app = IndicatorApp()
    async with app.run_test(size=(60, 21)) as pilot:
        indicator = app.query_one(DotsIndicator)
        await pilot.pause()
        asked: list[tuple[Region, ...]] = []
        refresh = indicator.refresh

        def spy(*regions: Region, **kwargs: bool) -> DotsIndicator:
            asked.append(regions)
            return refresh(*regions, **kwargs)

        indicator.refresh = spy  # type: ignore[method-assign]
        indicator.automatic_refresh()
        assert asked == [(Region(0, 9, 60, 3),)]  # 21 lines: the dots are on line 10
        lines = indicator.render_lines(Region(0, 0, 60, 21))
        assert [y for y, line in enumerate(lines) if "●" in line.text] == [10]


async def test_a_short_one_repaints_whole() -> None:
    app = IndicatorApp()
    async with app.run_test(size=(60, 3)) as pilot:
        indicator = app.query_one(DotsIndicator)
        await pilot.pause()
        asked: list[tuple[Region, ...]] = []
        refresh = indicator.refresh

        def spy(*regions: Region, **kwargs: bool) -> DotsIndicator:
            asked.append(regions)
            return refresh(*regions, **kwargs)

        indicator.refresh = spy  # type: ignore[method-assign]
        indicator.automatic_refresh()
        assert asked == [()]
