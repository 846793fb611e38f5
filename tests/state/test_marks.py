"""Marks: toggle, ranges from an anchor, mark all, clear; by id, through live store changes."""

from __future__ import annotations

from collections.abc import Callable

from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer
from pieces_tui.state.marks import Marks, Toggled
from pieces_tui.state.store import ConversationStore
from pieces_tui.state.sync import Synchronizer

from .helpers import Running, wait_until

ROWS = [f"r{i}" for i in range(10)]


def recorded() -> tuple[Marks, list[frozenset[str]]]:
    marks = Marks()
    flips: list[frozenset[str]] = []
    marks.subscribe(flips.append)
    return marks, flips


def test_space_toggles_and_moves_down() -> None:
    marks, flips = recorded()
    assert marks.toggle(ROWS, 3) == Toggled("r3", True, 4)
    assert marks.toggle(ROWS, 4) == Toggled("r4", True, 5)
    assert marks.toggle(ROWS, 3) == Toggled("r3", False, 4)
    assert marks.toggle(ROWS, 9) == Toggled("r9", True, 9)  # the last row: the cursor stays
    assert marks.ids() == {"r4", "r9"} and len(marks) == 2 and "r4" in marks
    assert marks.anchor == "r9"
    assert flips == [{"r3"}, {"r4"}, {"r3"}, {"r9"}]
    assert marks.in_order(ROWS) == ["r4", "r9"]


def test_shift_moves_extend_and_shrink_the_range_from_the_anchor() -> None:
    marks, flips = recorded()
    marks.toggle(ROWS, 1)  # r1 marked, the anchor
    marks.toggle(ROWS, 7)  # r7 marked, the new anchor
    flips.clear()
    # shift+down twice from r7, then shift+up three times: the range follows the cursor.
    assert marks.extend(ROWS, 8) == {"r8"}
    assert marks.extend(ROWS, 9) == {"r9"}
    assert marks.extend(ROWS, 8) == {"r9"}
    assert marks.extend(ROWS, 7) == {"r8"}
    assert marks.extend(ROWS, 5) == {"r6", "r5"}
    assert marks.in_order(ROWS) == ["r1", "r5", "r6", "r7"]
    # shift+click further up crosses r1, which was marked before the range: it stays marked.
    assert marks.extend(ROWS, 0) == {"r0", "r2", "r3", "r4"}
    assert marks.extend(ROWS, 6) == {"r0", "r2", "r3", "r4", "r5"}
    assert marks.in_order(ROWS) == ["r1", "r6", "r7"]
    assert marks.anchor == "r7"


def test_extend_without_an_anchor_starts_at_the_origin() -> None:
    marks, _ = recorded()
    assert marks.extend(ROWS, 4, origin=3) == {"r3", "r4"}
    assert marks.anchor == "r3"
    assert marks.extend(ROWS, 2) == {"r4", "r2"}
    assert marks.in_order(ROWS) == ["r2", "r3"]
    fresh = Marks()
    assert fresh.extend(ROWS, 5) == {"r5"}  # shift+click with nothing before: that row
    assert fresh.extend([], 0) == frozenset()


def test_the_range_follows_its_ids_when_rows_shift_under_it() -> None:
    marks, _ = recorded()
    marks.toggle(ROWS, 2)
    marks.extend(ROWS, 4)
    shifted = ["new", *ROWS]  # a live insert above: every index moves by one
    assert marks.extend(shifted, 7) == {"r5", "r6"}  # anchor r2 found by id; r3, r4 stay
    assert marks.in_order(shifted) == ["r2", "r3", "r4", "r5", "r6"]
    filtered = ["r0", "r6", "r8"]  # a filter hides the anchor: the origin takes over
    assert marks.extend(filtered, 2, origin=1) == {"r8"}
    assert marks.anchor == "r6"


def test_mark_all_visible_clear_and_targets() -> None:
    marks, flips = recorded()
    assert marks.targets(ROWS, "r2") == ["r2"]  # nothing marked: the highlighted row
    assert marks.targets(ROWS, None) == []
    marks.toggle(ROWS, 0)
    assert marks.mark_all(ROWS[::3]) == {"r3", "r6", "r9"}
    assert marks.targets(ROWS, "r2") == ["r0", "r3", "r6", "r9"]
    assert marks.clear() == {"r0", "r3", "r6", "r9"}
    assert not marks and marks.anchor is None
    assert marks.clear() == frozenset()
    assert flips[-1] == {"r0", "r3", "r6", "r9"}


def test_discard_missing() -> None:
    marks, _ = recorded()
    marks.mark_all(ROWS)
    assert marks.discard_missing(set(ROWS[2:])) == {"r0", "r1"}
    assert len(marks) == 8


async def test_marks_survive_live_inserts_moves_and_renames_and_lose_deleted_rows(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server(seed=12)
    store = ConversationStore()
    marks = Marks(store)
    async with (
        PiecesClient(server.url) as client,
        Running(Synchronizer(client, store)),
        PiecesClient(server.url) as other,
    ):
        ids = store.ids()
        marks.toggle(ids, 2)
        marks.extend(ids, 5)  # ids[2:6] marked
        marks.toggle(ids, 9)
        picked = {*ids[2:6], ids[9]}
        assert marks.ids() == picked

        created = await other.create_conversation("live insert")  # at the top
        await other.rename_conversation(ids[3], "renamed elsewhere")  # moves to the top
        await other.add_message(ids[9], "USER", "bump")  # moves to the top
        await other.delete_conversation(ids[4])  # deleted elsewhere
        await wait_until(
            lambda: (
                ids[4] not in store
                and store.index_of(ids[9]) == 0
                and created.id in store
                and (s := store.get(ids[3])) is not None
                and s.name == "renamed elsewhere"
            ),
            what="the live changes",
        )
        assert marks.ids() == picked - {ids[4]}
        assert marks.in_order(store.ids()) == [ids[9], ids[3], ids[2], ids[5]]
        # A range over the new order, from the anchor (ids[9], now at the top).
        rows = store.ids()
        assert marks.extend(rows, 2) == {created.id}
        assert marks.in_order(store.ids())[:3] == rows[:3]
