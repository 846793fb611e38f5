"""Micro benchmark for the sidebar's ConversationList at 50,000 rows.

Run with `python -m benchmarks.list_widget [--rows N] [--repeat N]`. Headless (`App.run_test`);
each figure is the median wall time until the widget has actually painted again.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import Static

from pieces_tui.client.summaries import sort_key
from pieces_tui.widgets import ConversationList

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    id: str
    name: str | None
    updated: datetime
    message_count: int
    favorited: bool = False

    @property
    def sort_key(self) -> tuple[int, str]:
        return sort_key(self.updated, self.id)


def make_rows(count: int, salt: str = "") -> list[Row]:
    return [
        Row(f"c{i:06d}", f"Conversation {i}{salt}", NOW - timedelta(seconds=7 * i), i % 90)
        for i in range(count)
    ]


class CountingList(ConversationList):
    """Counts painted lines so the benchmark can wait for a real repaint."""

    painted = 0

    def render_line(self, y: int) -> Strip:
        CountingList.painted += 1
        return super().render_line(y)


class BenchApp(App[None]):
    CSS = "#sidebar { width: 40; } #detail { width: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield CountingList(now=lambda: NOW, id="sidebar")
            yield Static("detail", id="detail")


async def _painted_since(pilot: Pilot[None], before: int, deadline_s: float = 10.0) -> None:
    deadline = time.perf_counter() + deadline_s
    while CountingList.painted == before:
        if time.perf_counter() > deadline:
            raise TimeoutError("the list did not repaint")
        await pilot.pause()


def _ms(samples: list[float]) -> str:
    median = statistics.median(samples) * 1000
    return f"median {median:8.2f} ms  (min {min(samples) * 1000:.2f}, n={len(samples)})"


async def run(rows: int, repeat: int) -> None:
    datasets = [make_rows(rows), make_rows(rows, salt=" (b)")]
    app = BenchApp()
    async with app.run_test(size=(120, 50)) as pilot:
        widget = app.query_one(CountingList)
        widget.focus()
        await pilot.pause()

        set_only: list[float] = []
        set_paint: list[float] = []
        for i in range(repeat):
            before = CountingList.painted
            start = time.perf_counter()
            widget.set_rows(datasets[i % 2])
            set_only.append(time.perf_counter() - start)
            await _painted_since(pilot, before)
            set_paint.append(time.perf_counter() - start)

        widget.highlight(widget.row_at(rows // 2).id)  # somewhere in the middle
        await pilot.pause()
        upserts: list[float] = []
        upsert_calls: list[float] = []
        for i in range(repeat * 10):
            source = widget.row_at(rows - 1 - i)  # an old row jumps to the top
            row = Row(source.id, source.name, NOW + timedelta(seconds=i + 1), 1)
            widget.scroll_to(y=0, animate=False)  # keep the change on screen
            await pilot.pause()
            before = CountingList.painted
            start = time.perf_counter()
            widget.upsert_row(row)
            upsert_calls.append(time.perf_counter() - start)
            await _painted_since(pilot, before)
            upserts.append(time.perf_counter() - start)

        keys: list[float] = []
        for i in range(repeat * 10):
            key = "down" if i % 2 == 0 else "up"
            before = CountingList.painted
            start = time.perf_counter()
            await pilot.press(key)
            await _painted_since(pilot, before)
            keys.append(time.perf_counter() - start)

        # What the widget itself costs, without the event loop's frame pacing around it.
        moves: list[float] = []
        cold_screens: list[float] = []
        floor: list[float] = []
        height = widget.scrollable_content_region.height
        for i in range(repeat * 10):
            start = time.perf_counter()
            if i % 2 == 0:
                widget.action_cursor_down()
            else:
                widget.action_cursor_up()
            moves.append(time.perf_counter() - start)
            widget._strip_cache.clear()
            widget._line_cache.clear()
            start = time.perf_counter()
            for y in range(height):
                widget.render_line(y)
            cold_screens.append(time.perf_counter() - start)
            await pilot.pause()
            start = time.perf_counter()
            await pilot.pause()
            floor.append(time.perf_counter() - start)

        filters: list[float] = []
        for text in ("c", "co", "con", "conversation 4", "conversation 49", "") * repeat:
            start = time.perf_counter()
            widget.filter_text = text
            filters.append(time.perf_counter() - start)

    print(f"ConversationList, {rows:,} rows, 120x50 terminal, sidebar 40 columns")
    print(f"  set_rows alone              {_ms(set_only)}")
    print(f"  set_rows + first paint      {_ms(set_paint)}")
    print(f"  upsert (to top) + paint     {_ms(upserts)}")
    print(f"  keypress -> highlight paint {_ms(keys)}")
    print("widget cost alone (no event loop):")
    print(f"  upsert_row call             {_ms(upsert_calls)}")
    print(f"  cursor move call            {_ms(moves)}")
    print(f"  render visible screen, cold {_ms(cold_screens)}")
    print(f"  filter_text change          {_ms(filters)}")
    print("harness floor:")
    print(f"  pilot.pause() with no work  {_ms(floor)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.repeat))


if __name__ == "__main__":
    main()
