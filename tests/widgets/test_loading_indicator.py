"""The detail pane's loading indicator repaints only the lines around its dots, and shows them
only once a load has lasted its delay."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region

from pieces_tui.widgets.detail import ConversationDetail
from pieces_tui.widgets.detail.loading import DOTS_DELAY, DotsIndicator


class IndicatorApp(App[None]):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def compose(self) -> ComposeResult:
        yield DotsIndicator(delay=self.delay)


async def repaints_asked(
    size: tuple[int, int], delay: float = 0.0
) -> tuple[list[tuple[Region, ...]], list[str]]:
    """The regions one tick of the indicator asks to repaint at `size`, and its lines' text
    (by default with no delay before its dots: they show at once)."""
    app = IndicatorApp(delay)
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


async def test_within_its_delay_it_is_a_blank_cover_that_asks_for_no_repaint() -> None:
    # A delay no test run outlasts: the tick below is always within it.
    asked, lines = await repaints_asked((60, 21), delay=600.0)
    assert asked == []
    assert not any("●" in text for text in lines)
    assert len(lines) == 21


def test_the_pane_waits_before_its_dots() -> None:
    indicator = ConversationDetail().get_loading_widget()
    assert isinstance(indicator, DotsIndicator)
    assert indicator.delay == DOTS_DELAY
    assert 0.1 <= DOTS_DELAY <= 0.25  # most openings are built within it; a slow one says so
