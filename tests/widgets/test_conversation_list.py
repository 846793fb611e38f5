"""Behaviour of the sidebar's ConversationList, driven through a tiny host app and the Pilot."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from pieces_tui.widgets import ConversationList
from pieces_tui.widgets.conversation_row import name_strip, row_classes, with_matches

from .support import NOW, ListApp, Row, make_rows, screen_lines

SIZE = (100, 24)  # the list shows 24 lines = 12 conversations


def sidebar(app: ListApp) -> ConversationList:
    return app.query_one(ConversationList)


async def test_first_row_is_highlighted_and_rows_render_two_lines() -> None:
    app = ListApp(make_rows(30))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        widget = sidebar(app)
        assert widget.highlighted_id == "c00000"
        assert app.highlighted == ["c00000"]
        assert (widget.row_count, widget.visible_count) == (30, 30)
        lines = screen_lines(widget)
        assert lines[0].rstrip() == " Conversation 0"
        assert lines[1].rstrip() == " just now · 0 messages"
        assert lines[6].rstrip() == " Conversation 3"
        assert lines[7].rstrip() == " 3 min ago · 3 messages"
        assert all(len(line) == widget.scrollable_content_region.width for line in lines)


async def test_navigation_keys() -> None:
    app = ListApp(make_rows(100))
    async with app.run_test(size=SIZE) as pilot:
        widget = sidebar(app)
        await pilot.press("down", "j", "j")
        assert widget.highlighted_id == "c00003"
        await pilot.press("up", "k")
        assert widget.highlighted_id == "c00001"
        await pilot.press("end")
        assert widget.highlighted_id == "c00099"
        assert widget.scroll_offset.y == widget.max_scroll_y
        await pilot.press("home")
        assert widget.highlighted_id == "c00000"
        assert widget.scroll_offset.y == 0
        await pilot.press("G")
        assert widget.highlighted_id == "c00099"
        await pilot.press("g")
        assert widget.highlighted_id == "c00000"
        await pilot.press("pagedown")
        assert widget.highlighted_index == 11  # a screenful (12 rows) less one
        assert widget.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert widget.highlighted_index == 22
        assert widget.scroll_offset.y > 0  # the new highlight is scrolled into view
        await pilot.press("pageup")
        assert widget.highlighted_index == 11
        await pilot.press("up")  # nothing above the first row: stays put
        await pilot.press("home", "up")
        assert widget.highlighted_id == "c00000"
        await pilot.pause()
        assert app.highlighted[:4] == ["c00000", "c00001", "c00002", "c00003"]
        # No duplicate messages for presses that did not move the highlight.
        assert all(a != b for a, b in zip(app.highlighted, app.highlighted[1:], strict=False))


async def test_enter_and_click_select() -> None:
    app = ListApp(make_rows(20))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == ["c00001"]
        # Line 5 (0-based) is the metadata line of the third conversation.
        await pilot.click(ConversationList, offset=(3, 5))
        await pilot.pause()
        assert sidebar(app).highlighted_id == "c00002"
        assert app.selected == ["c00001", "c00002"]


async def test_upserts_keep_the_highlight_on_the_same_conversation() -> None:
    rows = make_rows(50)
    app = ListApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        widget = sidebar(app)
        widget.highlight("c00010")
        assert widget.highlighted_index == 10
        # A new conversation above the highlight shifts it down by one.
        widget.upsert_row(Row("new", "Brand new", NOW + timedelta(seconds=1)))
        assert (widget.highlighted_id, widget.highlighted_index) == ("c00010", 11)
        # One below it leaves the index alone.
        widget.upsert_row(Row("old", "Ancient", NOW - timedelta(days=400)))
        assert (widget.highlighted_id, widget.highlighted_index) == ("c00010", 11)
        assert widget.row_at(51).id == "old"
        # A row below the highlight moving to the top shifts it down.
        widget.upsert_row(replace(rows[30], updated=NOW + timedelta(minutes=1), message_count=99))
        assert (widget.highlighted_id, widget.highlighted_index) == ("c00010", 12)
        assert widget.row_at(0).id == "c00030"
        # The highlighted row itself moving to the top keeps the highlight.
        widget.upsert_row(replace(rows[10], updated=NOW + timedelta(minutes=2)))
        assert (widget.highlighted_id, widget.highlighted_index) == ("c00010", 0)
        # An in-place update (same position) changes what is drawn.
        widget.upsert_row(replace(rows[10], name="Renamed", updated=NOW + timedelta(minutes=2)))
        await pilot.pause()
        assert screen_lines(widget)[0].rstrip() == " Renamed"
        assert widget.row_count == 52
        await pilot.pause()
        assert app.highlighted == ["c00000", "c00010"]  # no spurious messages


async def test_ties_on_updated_are_ordered_by_id() -> None:
    app = ListApp(make_rows(3))
    async with app.run_test(size=SIZE):
        widget = sidebar(app)
        widget.upsert_row(Row("c00001a", "tie", NOW - timedelta(minutes=1)))
        widget.upsert_row(Row("a-first", "tie", NOW - timedelta(minutes=1)))
        ids = [widget.row_at(i).id for i in range(widget.visible_count)]
        assert ids == ["c00000", "a-first", "c00001", "c00001a", "c00002"]


async def test_viewport_does_not_jump_when_rows_change_above_it() -> None:
    rows = make_rows(200)
    app = ListApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        widget = sidebar(app)
        widget.scroll_to(y=100, animate=False)
        await pilot.pause()
        before = screen_lines(widget)
        assert before[0].rstrip() == " Conversation 50"
        # New conversation at the top, and a row from below the viewport moving to the top.
        widget.upsert_row(Row("new", "Brand new", NOW + timedelta(seconds=1)))
        widget.upsert_row(replace(rows[150], updated=NOW + timedelta(seconds=2)))
        await pilot.pause()
        assert widget.scroll_offset.y == 104
        assert screen_lines(widget) == before
        # Removing rows above the viewport does not move it either.
        widget.remove_row("c00003")
        widget.remove_row("new")
        await pilot.pause()
        assert widget.scroll_offset.y == 100
        assert screen_lines(widget) == before
        # At the very top, new conversations do appear at the top.
        widget.scroll_to(y=0, animate=False)
        widget.upsert_row(Row("newest", "Newest", NOW + timedelta(seconds=3)))
        await pilot.pause()
        assert widget.scroll_offset.y == 0
        assert screen_lines(widget)[0].rstrip() == " Newest"


async def test_removing_the_highlighted_row_moves_to_the_next_then_previous() -> None:
    app = ListApp(make_rows(4))
    async with app.run_test(size=SIZE) as pilot:
        widget = sidebar(app)
        widget.highlight("c00001")
        widget.remove_row("c00001")
        assert widget.highlighted_id == "c00002"
        widget.remove_row("c00003")  # not highlighted: highlight stays
        assert widget.highlighted_id == "c00002"
        widget.remove_row("c00002")  # last row: the previous one takes over
        assert widget.highlighted_id == "c00000"
        widget.remove_row("missing")  # unknown ids are ignored
        widget.remove_row("c00000")
        assert widget.highlighted_id is None
        assert widget.row_count == widget.visible_count == 0
        await pilot.pause()
        assert app.highlighted == ["c00000", "c00001", "c00002", "c00000", None]
        assert screen_lines(widget)[0].strip() == ""
        widget.upsert_row(Row("x", "First again", NOW))
        assert widget.highlighted_id == "x"


async def test_set_rows_keeps_highlight_by_id_or_position() -> None:
    rows = make_rows(40)
    app = ListApp(rows)
    async with app.run_test(size=SIZE):
        widget = sidebar(app)
        widget.highlight("c00020")
        widget.set_rows([Row("top", "Top", NOW + timedelta(hours=1)), *rows])
        assert (widget.highlighted_id, widget.highlighted_index) == ("c00020", 21)
        widget.set_rows([row for row in rows if row.id != "c00020"])
        assert widget.highlighted_id == "c00021"
        widget.set_rows([])
        assert widget.highlighted_id is None


async def test_filter_narrows_and_styles_matches() -> None:
    rows = [
        Row("a", "Deploy notes", NOW - timedelta(minutes=1)),
        Row("b", "Lunch plans", NOW - timedelta(minutes=2)),
        Row("c", "Re-deploy the DEPLOYER", NOW - timedelta(minutes=3)),
        Row("d", None, NOW - timedelta(minutes=4)),
    ]
    app = ListApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        widget = sidebar(app)
        widget.highlight("b")
        widget.filter_text = "DEPLOY"
        await pilot.pause()
        assert widget.visible_count == 2 and widget.row_count == 4
        assert widget.highlighted_id == "a"  # "b" is filtered out: first match takes over
        lines = screen_lines(widget)
        assert lines[0].rstrip() == " Deploy notes"
        assert lines[2].rstrip() == " Re-deploy the DEPLOYER"
        assert lines[4].strip() == ""

        # Row "c" is not highlighted: its matches carry the --match style, the rest does not.
        match_style = widget.get_visual_style("conversation-list--match").rich_style
        strip = widget.render_line(2)
        styled = [(seg.text, seg.style) for seg in strip]
        matched = [text for text, style in styled if style == match_style]
        assert matched == ["deploy", "DEPLOY"]
        assert any("the" in text and style != match_style for text, style in styled)

        # Incremental maintenance while filtered.
        widget.upsert_row(Row("e", "deployment checklist", NOW))
        widget.upsert_row(Row("f", "Unrelated", NOW))
        assert widget.visible_count == 3 and widget.row_count == 6
        # The highlighted row renamed so it no longer matches: its neighbour takes the highlight.
        widget.upsert_row(replace(rows[0], name="Notes"))
        assert widget.visible_count == 2
        assert widget.highlighted_id == "c"

        widget.filter_text = "no such thing"
        await pilot.pause()
        assert widget.visible_count == 0 and widget.highlighted_id is None
        widget.filter_text = ""
        await pilot.pause()
        assert widget.visible_count == 6
        assert widget.highlighted_id == "e"


async def test_untrusted_names_render_literally() -> None:
    rows = [
        Row("x", "\x1b[31mred[/] [bold]loud[/bold] $primary\nnext", NOW),
        Row("y", None, NOW - timedelta(minutes=1)),
        Row("z", "A" * 80, NOW - timedelta(minutes=2)),
    ]
    app = ListApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        widget = sidebar(app)
        widget.highlight("z")
        await pilot.pause()
        lines = screen_lines(widget)
        assert "\x1b" not in "".join(lines)
        assert lines[0].startswith(" ")
        assert "[bold]loud[/bold] $primary next" in lines[0]
        # Nothing in the name turned into styling: the whole name shares one style.
        name_styles = {seg.style for seg in widget.render_line(0) if seg.text.strip()}
        assert len(name_styles) == 1
        assert name_styles.pop() == widget.get_visual_style().rich_style
        # A missing name shows a dimmed placeholder.
        assert lines[2].rstrip() == " Untitled conversation"
        untitled = widget.get_visual_style("conversation-list--untitled").rich_style
        assert any(seg.style == untitled for seg in widget.render_line(2) if seg.text.strip())
        # Long names are cut to the width with an ellipsis.
        width = widget.scrollable_content_region.width
        assert lines[4].rstrip() == " " + "A" * (width - 3) + "…"


async def test_focus_and_blur_highlight_styles_differ() -> None:
    app = ListApp(make_rows(5))
    async with app.run_test(size=SIZE) as pilot:
        widget = sidebar(app)
        await pilot.pause()
        focused = {seg.style for seg in widget.render_line(0)}
        widget.blur()
        await pilot.pause()
        blurred = {seg.style for seg in widget.render_line(0)}
        assert focused != blurred


async def test_fifty_thousand_rows_then_upsert() -> None:
    rows = make_rows(50_000, step=timedelta(seconds=7))
    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        widget = sidebar(app)
        widget.set_rows(rows)
        await pilot.pause()
        assert widget.row_count == 50_000
        assert widget.virtual_size.height == 100_000
        await pilot.press("end")
        assert widget.highlighted_id == "c49999"
        assert screen_lines(widget)[-2].rstrip() == " Conversation 49999"
        widget.upsert_row(replace(rows[49_999], updated=NOW + timedelta(seconds=1)))
        widget.upsert_row(Row("fresh", "Fresh", NOW + timedelta(seconds=2)))
        assert widget.row_count == 50_001
        assert [widget.row_at(i).id for i in range(2)] == ["fresh", "c49999"]
        assert (widget.highlighted_id, widget.highlighted_index) == ("c49999", 1)
        widget.filter_text = "conversation 4999"
        await pilot.pause()
        assert widget.visible_count == 11  # 4999 and 49990..49999
        await pilot.press("home")
        assert widget.highlighted_id == "c49999"


def cells(strip) -> list[tuple[str, object]]:
    return [(char, segment.style) for segment in strip for char in segment.text]


async def test_matches_restyled_on_the_plain_line_look_as_when_drawn_afresh() -> None:
    """A keystroke restyles the matched cells of each name line drawn without the filter
    (`with_matches`); cell for cell, that is the line `name_strip` draws with the filter."""
    app = ListApp(make_rows(3))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        widget = sidebar(app)
        names = ["Deploy notes", "Re-deploy the DEPLOYER and then deploy again, deploy", "dep"]
        names += ["x" * 17 + "deploy", "deploy" * 8, "Untitled deployment of the week"]
        for name in names:
            for favorited in (False, True):
                row = Row("r", name, NOW, favorited=favorited)
                for width in (8, 12, 20, 23, 24, 38, 60):
                    for highlighted, marked, bar in [(0, 0, 0), (1, 0, 0), (1, 0, 1), (0, 1, 0)]:
                        classes = row_classes(highlighted=bool(highlighted), marked=bool(marked))
                        args = (widget, row, width, classes)
                        flags = {"marked": bool(marked), "bar": bool(bar)}
                        plain = name_strip(*args, needle="", **flags)
                        for needle in ("deploy", "dep", "y", "notes", "eek"):
                            fresh = name_strip(*args, needle=needle, **flags)
                            restyled = with_matches(*args[:1], plain, *args[1:], needle)
                            if restyled is not None:
                                assert cells(restyled) == cells(fresh), (name, width, needle)
                                assert restyled.cell_length == fresh.cell_length == width
        row = Row("w", "Déploy 日本 deploy", NOW)  # not one cell a character: drawn afresh
        classes = row_classes(highlighted=False, marked=False)
        plain = name_strip(widget, row, 30, classes, marked=False, needle="")
        assert with_matches(widget, plain, row, 30, classes, "deploy") is None
