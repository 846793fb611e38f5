"""ConversationStore: ordering, exact change reports, and property tests against a reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pieces_tui.client.models import Conversation
from pieces_tui.state.store import ConversationStore, ConversationSummary, StoreChange

BASE = datetime(2024, 1, 1, tzinfo=UTC)


def conv(
    cid: str, minutes: int = 0, name: str | None = None, messages: int = 0, micros: int = 0
) -> Conversation:
    when = BASE + timedelta(minutes=minutes, microseconds=micros)
    return Conversation.model_validate(
        {
            "id": cid,
            "name": name,
            "created": {"value": BASE.isoformat()},
            "updated": {"value": when.isoformat()},
            "type": "COPILOT",
            "messages": {
                "iterable": [{"id": f"{cid}-m{i}"} for i in range(messages)],
                "indices": {f"{cid}-m{i}": i for i in range(messages)},
            },
        }
    )


def expected_order(conversations: dict[str, Conversation]) -> list[str]:
    return [
        c.id
        for c in sorted(conversations.values(), key=lambda c: (-c.updated.value.timestamp(), c.id))
    ]


def test_order_newest_first_ties_by_id() -> None:
    store = ConversationStore()
    store.apply_snapshot([conv("b", 1), conv("a", 1), conv("c", 5), conv("d", 0)])
    assert [s.id for s in store.ordered()] == ["c", "a", "b", "d"]
    assert [store.index_of(i) for i in "abcd"] == [1, 2, 0, 3]
    assert store.index_of("zzz") is None
    assert len(store) == 4 and "a" in store and "x" not in store


def test_microsecond_precision_orders() -> None:
    store = ConversationStore()
    store.apply_snapshot([conv("a", 0, micros=1), conv("b", 0, micros=2)])
    assert store.ids() == ["b", "a"]


def test_summary_shape() -> None:
    store = ConversationStore()
    store.upsert(conv("a", 3, name="Hello", messages=2))
    summary = store.get("a")
    assert summary == ConversationSummary(
        id="a",
        name="Hello",
        created=BASE,
        updated=BASE + timedelta(minutes=3),
        message_count=2,
        type="COPILOT",
    )
    full = store.conversation("a")
    assert full is not None and full.message_ids() == ["a-m0", "a-m1"]


def test_upsert_reports_added_updated_moved() -> None:
    store = ConversationStore()
    changes: list[StoreChange] = []
    store.subscribe(changes.append)
    store.apply_snapshot([conv("a", 3), conv("b", 2), conv("c", 1)])
    assert changes[-1] == StoreChange(added=("a", "b", "c"))
    # Rename: same position.
    store.upsert(conv("b", 2, name="B"))
    assert changes[-1] == StoreChange(updated=("b",))
    # Newer: moves to the top.
    store.upsert(conv("c", 9))
    assert changes[-1] == StoreChange(updated=("c",), moved=("c",))
    assert store.ids() == ["c", "a", "b"]
    # Newer but still first: updated, not moved.
    store.upsert(conv("c", 10))
    assert changes[-1] == StoreChange(updated=("c",))
    # Same data again: no notification.
    count = len(changes)
    assert not store.upsert(conv("c", 10))
    assert len(changes) == count
    store.upsert(conv("d", 0))
    assert changes[-1] == StoreChange(added=("d",))
    assert store.remove("a") == StoreChange(removed=("a",))
    assert not store.remove("a")


def test_snapshot_reports_every_kind() -> None:
    store = ConversationStore()
    store.apply_snapshot([conv("a", 4), conv("b", 3), conv("c", 2), conv("d", 1)])
    change = store.apply_snapshot(
        [conv("a", 4, name="renamed"), conv("c", 2), conv("d", 9), conv("e", 0)]
    )
    assert change == StoreChange(added=("e",), updated=("d", "a"), removed=("b",), moved=("d",))
    assert store.ids() == ["d", "a", "c", "e"]


def test_identifier_snapshot_removes_missing_and_returns_unknown() -> None:
    store = ConversationStore()
    changes: list[StoreChange] = []
    store.apply_snapshot([conv("a", 3), conv("b", 2), conv("c", 1)])
    store.subscribe(changes.append)
    assert store.apply_identifier_snapshot(["c", "x", "a", "y", "x"]) == ["x", "y"]
    assert changes == [StoreChange(removed=("b",))]
    assert store.ids() == ["a", "c"]
    assert store.index_of("c") == 1


def test_unsubscribe_and_failing_listener() -> None:
    store = ConversationStore()
    seen: list[StoreChange] = []

    def broken(change: StoreChange) -> None:
        raise RuntimeError("listener bug")

    unsubscribe = store.subscribe(seen.append)
    unsubscribe_broken = store.subscribe(broken)
    # A listener's bug reaches the writer (the worker that wrote fails and is reported) instead
    # of vanishing into logging; the store itself has applied the change.
    with pytest.raises(RuntimeError, match="listener bug"):
        store.upsert(conv("a"))
    assert len(seen) == 1
    assert "a" in store
    unsubscribe_broken()
    unsubscribe()
    store.upsert(conv("b"))
    assert len(seen) == 1


# -- property tests -------------------------------------------------------------------------------

IDS = [f"c{i}" for i in range(8)]
conversations = st.builds(
    conv,
    st.sampled_from(IDS),
    st.integers(0, 5),  # few distinct times: plenty of ties
    st.sampled_from([None, "x", "y"]),
    st.integers(0, 2),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("upsert"), conversations),
        st.tuples(st.just("remove"), st.sampled_from(IDS)),
        st.tuples(st.just("snapshot"), st.lists(conversations, max_size=8)),
        st.tuples(st.just("ids"), st.lists(st.sampled_from(IDS), max_size=8)),
    ),
    max_size=30,
)


def check_invariants(store: ConversationStore, reference: dict[str, Conversation]) -> None:
    order = expected_order(reference)
    assert store.ids() == order
    assert len(store) == len(order)
    for index, cid in enumerate(order):
        assert store.index_of(cid) == index
        assert store.at(index).id == cid
        assert store.get(cid) == ConversationSummary.of(reference[cid])
        assert store.conversation(cid) == reference[cid]


@settings(max_examples=300, deadline=None)
@given(operations, st.lists(conversations, max_size=8))
def test_any_sequence_then_resync_equals_reference(
    ops: list[tuple[str, object]], truth: list[Conversation]
) -> None:
    store = ConversationStore()
    reference: dict[str, Conversation] = {}
    changes: list[StoreChange] = []
    store.subscribe(changes.append)
    for kind, arg in ops:
        before = dict(reference)
        before_order = expected_order(before)
        changes.clear()
        if kind == "upsert":
            assert isinstance(arg, Conversation)
            store.upsert(arg)
            reference[arg.id] = arg
        elif kind == "remove":
            assert isinstance(arg, str)
            store.remove(arg)
            reference.pop(arg, None)
        elif kind == "snapshot":
            assert isinstance(arg, list)
            store.apply_snapshot(arg)
            reference = {c.id: c for c in arg}
        else:
            assert isinstance(arg, list)
            unknown = store.apply_identifier_snapshot(arg)
            assert unknown == [i for i in dict.fromkeys(arg) if i not in before]
            reference = {cid: c for cid, c in reference.items() if cid in arg}
        check_invariants(store, reference)
        # The reported change is exactly the difference.
        added = {i for c in changes for i in c.added}
        removed = {i for c in changes for i in c.removed}
        updated = {i for c in changes for i in c.updated}
        moved = {i for c in changes for i in c.moved}
        assert added == reference.keys() - before.keys()
        assert removed == before.keys() - reference.keys()
        assert updated == {i for i in reference.keys() & before.keys() if reference[i] != before[i]}
        assert moved <= updated
        after_order = expected_order(reference)
        kept_before = [i for i in before_order if i in reference]
        kept_after = [i for i in after_order if i in before]
        if kept_before != kept_after:
            assert moved, "relative order changed but nothing reported as moved"
        for cid in moved:
            assert kept_before.index(cid) != kept_after.index(cid)
        if not changes:
            assert before == reference
    store.apply_snapshot(truth)
    check_invariants(store, {c.id: c for c in truth})


def test_a_reload_handing_back_the_held_rows_changes_nothing_and_a_new_one_is_seen() -> None:
    store = ConversationStore()
    store.apply_summaries(
        [ConversationSummary.of(conv("a", 1)), ConversationSummary.of(conv("b", 2))]
    )
    kept = list(store.ordered())
    renamed = ConversationSummary(**{**_fields(kept[0]), "name": "Renamed"})
    assert not store.apply_summaries(kept)
    change = store.apply_summaries([renamed, kept[1]])
    assert change.updated == (renamed.id,) and not change.added and not change.removed
    assert store.get(renamed.id) is renamed


def _fields(row: ConversationSummary) -> dict[str, object]:
    return {name: getattr(row, name) for name in row.__slots__}
