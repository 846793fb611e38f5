"""ConversationStore.withhold / release / forget: rows held out of view during an undo window."""

from __future__ import annotations

from client.test_store import conv
from hypothesis import given, settings
from hypothesis import strategies as st

from pieces_tui.state.store import ConversationStore, ConversationSummary, StoreChange


def loaded(count: int = 6) -> tuple[ConversationStore, list[StoreChange]]:
    store = ConversationStore()
    store.apply_snapshot([conv(f"c{i}", i, name=f"n{i}") for i in range(count)])
    changes: list[StoreChange] = []
    store.subscribe(changes.append)
    return store, changes


def test_withhold_and_release_put_rows_back_where_they_were() -> None:
    store, changes = loaded()
    before = store.ordered()
    full = store.conversation("c2")
    assert store.withhold(["c1", "c4", "zz", "c1"]) == StoreChange(removed=("c4", "c1"))
    assert store.ids() == ["c5", "c3", "c2", "c0"]
    assert "c4" not in store and store.get("c4") is None and store.index_of("c4") is None
    held = store.held("c4")
    assert held is not None and held.summary == before[1] and not held.gone
    assert store.withhold(["c4"]) == StoreChange()  # already held
    assert store.release(["c1", "c4"]) == StoreChange(added=("c4", "c1"))
    assert store.ordered() == before
    assert store.conversation("c2") is full and store.held("c4") is None
    assert len(changes) == 2


def test_writes_for_a_held_row_update_the_held_copy_only() -> None:
    store, changes = loaded()
    store.withhold(["c2"])
    changes.clear()
    assert store.upsert(conv("c2", 9, name="renamed")) == StoreChange()
    held = store.held("c2")
    assert held is not None and held.summary.name == "renamed"
    assert "c2" not in store
    store.apply_snapshot([conv(f"c{i}", i) for i in range(6)])  # a reload: c2 stays held
    assert "c2" not in store and held.summary.name is None
    assert store.apply_identifier_snapshot([f"c{i}" for i in range(6)]) == []  # not to fetch
    assert not held.gone
    assert store.remove("c2") == StoreChange()  # the stream says it was deleted
    assert held.gone
    assert all("c2" not in c.added + c.updated for c in changes)
    assert store.release(["c2"]) == StoreChange()  # gone: it does not come back
    assert "c2" not in store and store.held("c2") is None


def test_a_reload_without_a_held_row_marks_it_gone() -> None:
    store, _ = loaded()
    store.withhold(["c1", "c3"])
    store.apply_summaries([ConversationSummary.of(conv(f"c{i}", i)) for i in (0, 1, 2)])
    h1, h3 = store.held("c1"), store.held("c3")
    assert h1 is not None and not h1.gone and h3 is not None and h3.gone
    store.apply_identifier_snapshot(["c0", "c2"])
    assert h1.gone
    store.forget(["c1", "c3"])
    assert store.held("c1") is None and store.release(["c1", "c3"]) == StoreChange()


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 60),
    picks=st.lists(st.integers(0, 59), max_size=60),
    in_order=st.booleans(),
)
def test_release_restores_exactly(count: int, picks: list[int], in_order: bool) -> None:
    store, _ = loaded(count)
    before = store.ordered()
    ids = [f"c{i % count}" for i in picks]
    removed = store.withhold(ids).removed
    assert set(removed) == set(ids)
    assert store.ids() == [r.id for r in before if r.id not in set(ids)]
    store.release(ids if in_order else reversed(ids))  # both the one-by-one and the rebuild paths
    assert store.ordered() == before
