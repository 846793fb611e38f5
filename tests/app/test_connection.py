"""The connection's change log: what `MainScreen` drains on each `StoreChanged`."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App

from pieces_tui.client.models import Conversation
from pieces_tui.connection import Connection, StoreChanged


def conversation(conversation_id: str, name: str = "", minute: int = 0) -> Conversation:
    stamp = {"value": datetime(2026, 11, 20, 9, minute, tzinfo=UTC).isoformat()}
    return Conversation.model_validate(
        {
            "id": conversation_id,
            "name": name or conversation_id,
            "type": "COPILOT",
            "created": stamp,
            "updated": stamp,
            "messages": {"iterable": []},
        }
    )


def test_changes_accumulate_in_first_touched_order_until_taken() -> None:
    connection = Connection(App())
    store = connection.store
    store.upsert(conversation("a"))
    store.upsert(conversation("b"))
    store.upsert(conversation("a", "renamed", minute=5))
    store.remove("b")
    changes = connection.take_changes()
    assert changes.ids == ("a", "b")
    assert changes.removed == {"b"}
    assert connection.take_changes().ids == ()  # taken: nothing left


def test_a_removal_then_a_return_counts_as_present() -> None:
    connection = Connection(App())
    connection.store.upsert(conversation("a"))
    connection.take_changes()
    connection.store.remove("a")
    connection.store.upsert(conversation("a", minute=1))
    changes = connection.take_changes()
    assert changes.ids == ("a",) and changes.removed == frozenset()


def test_consecutive_store_changed_messages_collapse() -> None:
    assert StoreChanged().can_replace(StoreChanged())
