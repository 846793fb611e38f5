"""`ListCache` writes the snapshot only when the file would change: not after a start whose server
list equals the snapshot it was painted from, not on exit when nothing changed since the last
write (at 50,000 rows a write holds the GIL for a while, beside the app's loop)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pieces_tui.state.list_cache import ListCache
from pieces_tui.state.snapshot import load_snapshot, save_snapshot
from pieces_tui.state.store import ConversationStore, ConversationSummary

KEY = "http://127.0.0.1:39300"
START = datetime(2026, 1, 1, tzinfo=UTC)


def rows(count: int, *, renamed: int | None = None) -> list[ConversationSummary]:
    return [
        ConversationSummary(
            f"id-{n}",
            "Renamed" if n == renamed else f"Conversation {n}",
            START,
            START + timedelta(minutes=n),
            n,
            "COPILOT",
        )
        for n in range(count)
    ]


async def until(condition: object, within: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not met"
        await asyncio.sleep(0.01)


async def test_a_server_list_equal_to_the_painted_snapshot_is_not_written_again(
    tmp_path: Path,
) -> None:
    save_snapshot(KEY, rows(5), tmp_path)
    store = ConversationStore()
    cache = ListCache(store, tmp_path, quiet=0.01)
    assert cache.paint(KEY)
    assert not store.apply_summaries(rows(5))  # the server's list: the same rows, new objects
    cache.changed(KEY)  # what the connection says once the server's list is in
    cache.save_now(KEY)  # and on exit
    assert cache.saves == 0
    assert cache.saved(KEY)


async def test_a_change_is_written_once_and_exit_writes_only_what_is_new(tmp_path: Path) -> None:
    store = ConversationStore()
    cache = ListCache(store, tmp_path, quiet=0.01)
    store.apply_summaries(rows(5))
    cache.changed(KEY)
    await until(lambda: cache.saves == 1)
    cache.save_now(KEY)
    assert cache.saves == 1  # nothing changed since that write
    store.apply_summaries(rows(5, renamed=2))
    cache.save_now(KEY)
    assert cache.saves == 2
    saved = load_snapshot(KEY, tmp_path)
    assert saved is not None and saved[2].name == "Renamed"


async def test_the_same_rows_for_another_address_are_written_for_it(tmp_path: Path) -> None:
    save_snapshot(KEY, rows(3), tmp_path)
    store = ConversationStore()
    cache = ListCache(store, tmp_path)
    assert cache.paint(KEY)
    other = "http://127.0.0.1:39301"
    cache.save_now(other)
    assert cache.saves == 1
    assert load_snapshot(other, tmp_path) == list(store.ordered()) == rows(3)[::-1]  # newest first
