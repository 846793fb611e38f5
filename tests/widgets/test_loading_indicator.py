"""The detail pane's loading indicator repaints only the lines around its dots, and shows them
only once a load has lasted its delay."""

from __future__ import annotations

from datetime import UTC, datetime
from time import time

from pilot_wait import wait_until
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from pieces_tui.paths import styles_dir
from pieces_tui.widgets.detail import ConversationDetail, ConversationView, MessageView
from pieces_tui.widgets.detail.loading import DOTS_DELAY, DotsIndicator

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


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


class OpenedPaneApp(App[None]):
    """The detail pane with one conversation shown (as the app shows one, loaded and built)."""

    CSS_PATH = [styles_dir() / "app.tcss", styles_dir() / "detail.tcss"]

    def compose(self) -> ComposeResult:
        yield ConversationDetail(id="detail", now=lambda: NOW)


def conversation(conversation_id: str, name: str) -> ConversationView:
    return ConversationView(
        id=conversation_id,
        name=name,
        type="COPILOT",
        created=NOW,
        updated=NOW,
        messages=[MessageView(id=f"{conversation_id}-m", role="USER", text="Hello.")],
        message_ids=[f"{conversation_id}-m"],
    )


def under_title(app: App[None]) -> Widget:
    """The widget on screen where the pane's title is (the title, unless something covers it)."""
    title = app.query_one("#detail-title")
    return app.screen.get_widget_at(title.region.x + 1, title.region.y)[0]


async def opened(app: OpenedPaneApp, pilot: Pilot[None]) -> ConversationDetail:
    detail = app.query_one(ConversationDetail)
    await pilot.pause()
    detail.show_loading("first")
    detail.show_conversation(conversation("first", "First"))
    await wait_until(pilot, lambda: not detail.loading, what="the first one revealed")
    await wait_until(pilot, lambda: under_title(app) is app.query_one("#detail-title"))
    return detail


async def test_the_pane_is_not_covered_while_a_load_is_within_its_delay() -> None:
    """Loading another conversation leaves the pane as it is (no cover on and off, each a layout
    of the screen) until the new one changes it or the load has lasted `DOTS_DELAY`."""
    app = OpenedPaneApp()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = await opened(app, pilot)
        title = app.query_one("#detail-title")
        started = time()
        detail.show_loading("second")
        assert detail.loading  # disabled, its window paused, and waited on, as before
        await pilot.pause()
        await pilot.pause()
        # Still the first conversation on show (unless this machine took the whole delay over
        # the two pauses: a load that lasts it is covered, which is the point).
        assert under_title(app) is title or time() - started >= DOTS_DELAY
        # The new conversation arrives: the cover goes on before anything of it is shown, and
        # what it uncovers is the second conversation, built.
        detail.show_conversation(conversation("second", "Second"))
        assert detail.covered
        await wait_until(pilot, lambda: not detail.loading, what="the second one revealed")
        assert not detail.covered
        assert "Second" in str(title.render())


async def test_a_slow_load_covers_the_pane_once_it_has_lasted_the_delay() -> None:
    app = OpenedPaneApp()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = await opened(app, pilot)
        title = app.query_one("#detail-title")
        detail.show_loading("second")
        await wait_until(pilot, lambda: under_title(app) is not title, what="the cover on")
        assert isinstance(under_title(app), DotsIndicator)
        detail.show_error("second", "It failed.")
        await wait_until(pilot, lambda: not detail.covered)
