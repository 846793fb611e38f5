"""After a change, the sidebar repaints only the rows on screen whose content changed, and what
it paints is never stale: the lines Textual hands the compositor (`render_lines`, which reuses
the lines not asked to repaint) equal the lines drawn afresh (`render_line`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from textual.geometry import Region
from textual.strip import Strip

from pieces_tui.widgets import ConversationList

from .support import NOW, ListApp, Row, make_rows, screen_lines

SIZE = (100, 24)  # the list shows 24 lines = 12 conversations


def painted(widget: ConversationList) -> list[str]:
    """The text of the lines the widget hands the compositor now (its rows' part, without the
    scrollbar's gutter)."""
    width, height = widget.size
    rows = widget.scrollable_content_region.width
    return [strip.text[:rows] for strip in widget.render_lines(Region(0, 0, width, height))]


async def repaints_asked(change: Callable[[ConversationList, list[Row]], None]) -> list[Region]:
    """The regions the list asks to repaint for `change` (made to 40 rows, 12 on screen)."""
    rows = make_rows(40)
    app = ListApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(ConversationList)
        await pilot.pause()
        asked: list[tuple[Region, ...]] = []
        refresh = widget.refresh

        def spy(*regions: Region, **kwargs: bool) -> ConversationList:
            asked.append(regions)
            return refresh(*regions, **kwargs)

        widget.refresh = spy  # type: ignore[method-assign]
        change(widget, rows)
        # No await since the spy went in: only this change's requests are recorded.
        widget.refresh = refresh  # type: ignore[method-assign]
        assert all(regions for regions in asked)  # no request for the whole widget
        await pilot.pause()
        assert painted(widget) == screen_lines(widget)
        return [region for regions in asked for region in regions]


async def test_a_rename_in_place_asks_to_repaint_its_row_only() -> None:
    # The third row renamed, its place kept (same update time): nothing else moved.
    asked = await repaints_asked(lambda widget, rows: widget.upsert_row(replace(rows[2], name="R")))
    assert [(region.y, region.height) for region in asked] == [(4, 2)]  # lines 4 and 5


async def test_a_row_new_at_the_top_asks_for_one_repaint_of_the_rows_it_shifts() -> None:
    def create(widget: ConversationList, rows: list[Row]) -> None:
        widget.upsert_row(Row("new", "New", NOW + timedelta(minutes=1)))

    asked = await repaints_asked(create)
    assert [(region.y, region.height) for region in asked] == [(0, 24)]


async def test_a_change_off_screen_asks_for_no_repaint() -> None:
    def rename(widget: ConversationList, rows: list[Row]) -> None:
        widget.upsert_row(replace(rows[30], name="Far down"))

    assert await repaints_asked(rename) == []


async def test_what_is_painted_after_any_change_is_what_the_rows_are() -> None:
    rows = {row.id: row for row in make_rows(60)}
    app = ListApp(list(rows.values()))
    chance = random.Random(13)
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(ConversationList)
        await pilot.pause()
        for step in range(120):
            if step % 30 == 15:  # from time to time, read further down
                widget.scroll_to(y=chance.choice([0, 7, 20, 40]), animate=False, force=True)
            row = chance.choice(list(rows.values()))
            what = chance.choice(["rename", "to top", "message", "delete", "create"])
            if what == "delete" and len(rows) > 20:
                del rows[row.id]
                widget.remove_row(row.id)
            else:
                if what == "create":
                    row = replace(row, id=f"n{step:05d}", name=f"New {step}")
                elif what == "rename":
                    row = replace(row, name=f"{row.name} r{step}")
                elif what == "message":
                    row = replace(row, message_count=row.message_count + 1)
                else:
                    row = replace(row, updated=NOW + timedelta(seconds=step))
                rows[row.id] = row
                widget.upsert_row(row)
            await pilot.pause()
            assert painted(widget) == screen_lines(widget), f"step {step}: {what} {row.id}"


async def scrollbar_repaints(count: int, change: Callable[[ConversationList], None]) -> int:
    """How many times the list's scrollbar is asked to repaint for `change` (made to `count`
    rows, 12 on screen); and what it then draws is what it would draw afresh."""
    app = ListApp(make_rows(count))
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(ConversationList)
        await pilot.pause()
        bar = widget.vertical_scrollbar
        asked = 0
        refresh = bar.refresh

        def spy(*regions: Region, **kwargs: bool) -> object:
            nonlocal asked
            asked += 1
            return refresh(*regions, **kwargs)

        bar.refresh = spy  # type: ignore[method-assign]
        change(widget)
        bar.refresh = refresh  # type: ignore[method-assign]
        await pilot.pause()
        assert bar.window_virtual_size == widget.virtual_size.height
        region = Region(0, 0, *bar.size)
        drawn = [strip.text for strip in bar.render_lines(region)]
        bar.refresh()
        assert drawn == [strip.text for strip in bar.render_lines(region)]
        return asked


def new_at_the_top(widget: ConversationList) -> None:
    widget.upsert_row(Row("new", "New", NOW + timedelta(minutes=1)))


async def test_a_row_in_or_out_of_thousands_leaves_the_scrollbar_as_drawn() -> None:
    # At 5,000 rows, one more or one less moves the thumb by less than an eighth of a cell.
    assert await scrollbar_repaints(5_000, new_at_the_top) == 0
    assert await scrollbar_repaints(5_000, lambda widget: widget.remove_row("c00002")) == 0


async def test_a_row_that_moves_the_thumb_repaints_the_scrollbar() -> None:
    assert await scrollbar_repaints(20, new_at_the_top) >= 1


async def lines_built(change: Callable[[ConversationList], None], *, move: bool = False) -> int:
    """How many lines the list builds (`render_line`) to paint `change` (40 rows, 12 on
    screen), checking that what it paints is what the rows are."""
    app = ListApp(make_rows(40))
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(ConversationList)
        if move:
            widget.action_cursor_down()
        await pilot.pause()
        built = 0
        render_line = widget.render_line

        def spy(y: int) -> Strip:
            nonlocal built
            built += 1
            return render_line(y)

        widget.render_line = spy  # type: ignore[method-assign]
        change(widget)
        await pilot.pause()
        widget.render_line = render_line  # type: ignore[method-assign]
        assert painted(widget) == screen_lines(widget)
        return built


async def test_rows_shifted_by_a_row_in_or_out_at_the_top_are_not_built_again() -> None:
    # The rows below a new top row show what they showed, a row lower: only the new row's two
    # lines are built (and styled); the others are the lines already styled for them.
    assert await lines_built(new_at_the_top) == 2
    # A row out at the top (not the highlighted one): the row coming on at the bottom.
    assert await lines_built(lambda widget: widget.remove_row("c00000"), move=True) == 2
