"""The sidebar's model (`Listing`, no Textual) over rows it reads from a source: what stays put
when the source changes before the list hears of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from pieces_tui.client.summaries import ConversationSummary
from pieces_tui.state.store import ConversationStore
from pieces_tui.widgets.list_rows import SortedRows
from pieces_tui.widgets.listing import Listing

from .support import NOW, Row, make_rows

H = 2  # lines per row


def attached(rows: SortedRows) -> Listing:
    listing = Listing((), rows, H)
    listing.rebuild()
    return listing


def test_rows_inserted_above_the_viewport_keep_the_rows_on_screen_in_place() -> None:
    rows = SortedRows(make_rows(50))
    listing = attached(rows)
    listing.settle("c00020", scroll_y=20)  # rows 10.. on screen; row 9 is the anchor
    rows.put(Row("new", "New", NOW + timedelta(seconds=1)))  # at the top, above the viewport
    assert listing.anchored_scroll(20) == 22
    rows.discard("c00003")  # one above goes again
    assert listing.anchored_scroll(20) == 20


def test_a_row_inserted_at_the_top_of_the_viewport_shows_there() -> None:
    rows = SortedRows(make_rows(50))
    listing = attached(rows)
    listing.settle(None, scroll_y=20)
    between = NOW - timedelta(minutes=9, seconds=30)  # between c00009 (anchor) and c00010
    rows.put(Row("between", "Between", between))
    assert listing.anchored_scroll(20) == 20
    assert listing.view.at(20 // H).id == "between"


def test_when_the_anchor_goes_the_rows_after_it_take_its_place() -> None:
    rows = SortedRows(make_rows(50))
    listing = attached(rows)
    listing.settle(None, scroll_y=21)  # mid-row: row 10's top is above the viewport
    moved = replace(make_rows(50)[10], updated=NOW + timedelta(hours=1))  # to the top
    rows.put(moved)
    assert listing.anchored_scroll(21) == 22  # it now sorts after 11 rows: 10 old, 1 moved
    rows.discard("c00010")
    assert listing.anchored_scroll(21) == 20


def test_the_successor_of_a_highlighted_row_that_went() -> None:
    rows = SortedRows(make_rows(10))
    listing = attached(rows)
    listing.settle("c00004", scroll_y=0)
    rows.discard("c00004")
    assert listing.view.at(listing.successor()).id == "c00005"


def test_the_filtered_subset_follows_changes_at_the_source() -> None:
    rows = SortedRows(make_rows(10))
    listing = attached(rows)
    listing.needle = "conversation 1"
    listing.rebuild()
    assert [listing.view.at(i).id for i in range(len(listing.view))] == ["c00001"]
    rows.put(replace(make_rows(10)[1], name="Renamed"))
    rows.put(replace(make_rows(10)[7], name="Conversation 17"))
    listing.apply(["c00001", "c00007"])
    assert [listing.view.at(i).id for i in range(len(listing.view))] == ["c00007"]
    assert listing.rows is rows  # the source itself: no copy of it


def test_the_store_is_an_ordered_rows_source() -> None:
    store = ConversationStore()
    store.apply_summaries(
        ConversationSummary(
            id=row.id,
            name=row.name,
            created=NOW - timedelta(days=1),
            updated=row.updated,
            message_count=row.message_count,
            type="COPILOT",
        )
        for row in make_rows(20)
    )
    listing = Listing((), store, H)
    assert len(listing.view) == 0  # nothing shown until the list is told
    listing.rebuild()
    assert listing.rows is store and len(listing.view) == 20
    for index in range(20):
        row = store.at(index)
        assert store.index_of(row.id) == index
        assert store.key_at(index) == row.sort_key
        assert store.position_of(row.sort_key) == index


def shown(listing: Listing) -> list[str]:
    return [listing.view.at(i).id for i in range(len(listing.view))]


def reference(rows: SortedRows, needle: str, favorites_only: bool = False) -> list[str]:
    """What the filter lists, worked out afresh from every row (the matching rules)."""
    return [
        row.id
        for row in (rows.at(i) for i in range(len(rows)))
        if (not favorites_only or row.favorited)
        and (not needle or (row.name is not None and needle in row.name.lower()))
    ]


def refilter(listing: Listing, needle: str, favorites_only: bool = False) -> None:
    listing.needle, listing.favorites_only = needle, favorites_only
    listing.refilter()


def test_typing_narrows_and_erasing_widens_back_to_the_same_rows() -> None:
    source = [*make_rows(300), Row("untitled", None, NOW - timedelta(days=30))]
    source = [replace(row, favorited=i % 7 == 0) for i, row in enumerate(source)]
    rows = SortedRows(source)
    listing = attached(rows)
    steps = ["c", "co", "conversation 1", "conversation 12", "conversation 1", "", "2", "12"]
    steps += ["on 2", "conversation 2", "ion 2", "", "conversation 29", "x", ""]
    for needle in steps:
        refilter(listing, needle)
        assert shown(listing) == reference(rows, needle), needle
    for needle, favorites in [("1", False), ("1", True), ("12", True), ("12", False), ("", True)]:
        refilter(listing, needle, favorites)
        assert shown(listing) == reference(rows, needle, favorites), (needle, favorites)
    refilter(listing, "")
    assert listing.view is rows  # no filter: the source itself


def test_a_row_renamed_while_filtered_is_listed_by_its_new_name_when_widening_too() -> None:
    rows = SortedRows(make_rows(30))
    listing = attached(rows)
    for needle in ("c", "conversation", "conversation 1"):
        refilter(listing, needle)
    assert "c00002" not in shown(listing)
    rows.put(replace(rows.get("c00002"), name="Conversation 1 bis"))  # now it matches
    rows.put(replace(rows.get("c00011"), name="Renamed"))  # and this one no longer does
    listing.apply(["c00002", "c00011"])
    assert shown(listing) == reference(rows, "conversation 1")
    for needle in ("conversation 1 ", "conversation 1", "conversation", "renamed", "c", ""):
        refilter(listing, needle)  # views seen before the renames are not reused
        assert shown(listing) == reference(rows, needle), needle


def test_a_filtered_row_changed_at_the_source_is_found_where_the_list_shows_it() -> None:
    rows = SortedRows(make_rows(30))
    listing = attached(rows)
    refilter(listing, "conversation 1")
    index = listing.index_of("c00012")
    assert index is not None and listing.view.at(index).id == "c00012"
    # The source moves it to the top before the list hears: the list still shows it where it
    # was, and finds it there, until it is told.
    rows.put(replace(rows.get("c00012"), updated=NOW + timedelta(hours=1)))
    assert listing.index_of("c00012") == index
    assert listing.index_of("c00002") is None  # filtered out
    listing.apply(["c00012"])
    assert listing.index_of("c00012") == 0
    rows.discard("c00013")
    listing.apply(["c00013"])
    assert listing.index_of("c00013") is None
    assert shown(listing) == reference(rows, "conversation 1")


def test_hostile_names_are_matched_as_they_are_shown() -> None:
    rows = SortedRows(
        [
            Row("a", "Deploy\x1b[31m notes", NOW),  # an escape sequence: removed when shown
            Row("b", "Line\none", NOW - timedelta(minutes=1)),  # a newline: one space
            Row("c", "Plain", NOW - timedelta(minutes=2)),
        ]
    )
    listing = attached(rows)
    refilter(listing, "deploy notes")
    assert shown(listing) == ["a"]
    refilter(listing, "line one")
    assert shown(listing) == ["b"]
