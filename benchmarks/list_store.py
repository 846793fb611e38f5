"""The list's update cost as the app pays it: the store takes a change, then the list hears of it.

Run with `python -m benchmarks.list_store [--rows N] [--repeat N]`. Headless (`App.run_test`),
the sidebar reading a `ConversationStore` of N rows as `MainScreen` does:

- live change: `store.upsert(conversation)` (an old row jumps to the top), then the list told of
  its id, until the list has painted again; and the two calls alone, without the event loop;
- bulk: every row replaced (a reload), the list told once, until painted.

It also runs against a checkout from before the store owned the one ordered index (the list
kept its own sorted copy, patched with `upsert_row(store.get(id))` / `set_rows(store.ordered())`,
what `MainScreen` did then): the same figures, for a before/after in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import Static

from pieces_tui.client.models import Conversation
from pieces_tui.client.summaries import ConversationSummary
from pieces_tui.state.store import ConversationStore
from pieces_tui.widgets import ConversationList

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def summaries(count: int, salt: str = "") -> list[ConversationSummary]:
    return [
        ConversationSummary(
            id=f"c{i:06d}",
            name=f"Conversation {i}{salt}",
            created=NOW - timedelta(days=30),
            updated=NOW - timedelta(seconds=7 * i),
            message_count=i % 90,
            type="COPILOT",
        )
        for i in range(count)
    ]


def conversation(conversation_id: str, name: str | None, updated: datetime) -> Conversation:
    stamp = {"value": updated.isoformat()}
    return Conversation.model_validate(
        {
            "id": conversation_id,
            "name": name,
            "type": "COPILOT",
            "created": {"value": (NOW - timedelta(days=30)).isoformat()},
            "updated": stamp,
            "messages": {"iterable": [{"id": "m1"}]},
        }
    )


class CountingList(ConversationList):
    painted = 0

    def render_line(self, y: int) -> Strip:
        CountingList.painted += 1
        return super().render_line(y)


OWNS_ORDER = hasattr(ConversationList, "rows_changed")
"""Whether this checkout's list reads the store's order (else it keeps its own copy)."""


class BenchApp(App[None]):
    CSS = "#sidebar { width: 40; } #detail { width: 1fr; }"

    def __init__(self, store: ConversationStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with Horizontal():
            kwargs: dict[str, Any] = {"source": self.store} if OWNS_ORDER else {}
            yield CountingList(now=lambda: NOW, id="sidebar", **kwargs)
            yield Static("detail", id="detail")


def tell_one(widget: ConversationList, store: ConversationStore, conversation_id: str) -> None:
    """What `MainScreen._store_changed` does with one changed id."""
    if OWNS_ORDER:
        widget.rows_changed((conversation_id,))
        return
    summary = store.get(conversation_id)
    if summary is None:
        widget.remove_row(conversation_id)
    else:
        widget.upsert_row(summary)


def tell_all(widget: ConversationList, store: ConversationStore) -> None:
    if OWNS_ORDER:
        widget.rows_replaced()
    else:
        widget.set_rows(store.ordered())


async def _painted_since(pilot: Pilot[None], before: int, deadline_s: float = 20.0) -> None:
    deadline = time.perf_counter() + deadline_s
    while CountingList.painted == before:
        if time.perf_counter() > deadline:
            raise TimeoutError("the list did not repaint")
        await pilot.pause()


def _ms(samples: list[float]) -> str:
    median = statistics.median(samples) * 1000
    return f"median {median:8.2f} ms  (min {min(samples) * 1000:.2f}, n={len(samples)})"


async def run(rows: int, repeat: int) -> None:
    datasets = [summaries(rows), summaries(rows, salt=" (b)")]
    store = ConversationStore()
    store.apply_summaries(datasets[0])
    app = BenchApp(store)
    async with app.run_test(size=(120, 50)) as pilot:
        widget = app.query_one(CountingList)
        tell_all(widget, store)
        widget.focus()
        await pilot.pause()

        bulk: list[float] = []
        for i in range(repeat):
            store.apply_summaries(datasets[(i + 1) % 2])
            before = CountingList.painted
            start = time.perf_counter()
            tell_all(widget, store)
            await _painted_since(pilot, before)
            bulk.append(time.perf_counter() - start)

        widget.highlight(widget.row_at(rows // 2).id)  # somewhere in the middle
        await pilot.pause()
        changes: list[float] = []
        calls: list[float] = []
        store_calls: list[float] = []
        list_calls: list[float] = []
        for i in range(repeat * 10):
            source = store.at(rows - 1 - i)  # an old row jumps to the top
            model = conversation(source.id, source.name, NOW + timedelta(seconds=i + 1))
            widget.scroll_to(y=0, animate=False)  # keep the change on screen
            await pilot.pause()
            before = CountingList.painted
            start = time.perf_counter()
            store.upsert(model)
            stored = time.perf_counter()
            tell_one(widget, store, source.id)
            told = time.perf_counter()
            store_calls.append(stored - start)
            list_calls.append(told - stored)
            calls.append(told - start)
            await _painted_since(pilot, before)
            changes.append(time.perf_counter() - start)

    kind = "reads the store's order" if OWNS_ORDER else "keeps its own sorted copy"
    print(f"ConversationList over a ConversationStore, {rows:,} rows (the list {kind})")
    print(f"  live change: upsert + tell + paint   {_ms(changes)}")
    print(f"  live change: upsert + tell (calls)   {_ms(calls)}")
    print(f"    of which store.upsert              {_ms(store_calls)}")
    print(f"    of which the list's update         {_ms(list_calls)}")
    print(f"  bulk: every row replaced + paint     {_ms(bulk)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.repeat))


if __name__ == "__main__":
    main()
