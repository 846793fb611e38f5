"""Benchmark marks and bulk deletes (`pieces_tui.state`), without the UI.

    python -m benchmarks.bulk [--runs R] [--json]

Measures (medians over R runs, default 5; not part of `python -m benchmarks --quick`):
- marks over 10,000 rows (`store.ids()` of a store loaded with 10,000 summaries):
  one `extend` from an anchor at the top to the last row (shift+click), 9,999 successive
  `extend`s one row further each (shift+down held to the end), and `mark_all`;
- bulk delete of 1,000 of 2,000 conversations against the embedded server (fresh per run, with a
  running `Synchronizer` as in the app): `schedule` (rows out of view), then from `flush` to the
  summary (1,000 `POST /conversations/{id}/delete`, 8 at a time), and until the stream's own
  announcements of the deletes have all reached the synchronizer (the store equals the server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer
from pieces_tui.state.deletes import PendingDeletes
from pieces_tui.state.marks import Marks
from pieces_tui.state.store import ConversationStore, ConversationSummary
from pieces_tui.state.sync import Synchronizer

MARK_ROWS = 10_000
DELETES = 1_000
SEEDED = 2_000


def median(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summaries(count: int) -> list[ConversationSummary]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        ConversationSummary(
            id=f"{i:08d}",
            name=f"Conversation {i}",
            created=base,
            updated=base + timedelta(seconds=i),
            message_count=2,
            type="COPILOT",
        )
        for i in range(count)
    ]


def bench_marks(runs: int) -> dict[str, Any]:
    store = ConversationStore()
    store.apply_summaries(summaries(MARK_ROWS))
    click: list[float] = []
    held: list[float] = []
    everything: list[float] = []
    for _ in range(runs):
        rows = store.ids()
        marks = Marks(store)
        started = time.perf_counter()
        marks.toggle(rows, 0)
        marks.extend(rows, len(rows) - 1)
        click.append(time.perf_counter() - started)
        assert len(marks) == MARK_ROWS
        marks.detach()

        marks = Marks(store)
        started = time.perf_counter()
        for index in range(1, len(rows)):
            marks.extend(rows, index, origin=index - 1)
        held.append(time.perf_counter() - started)
        assert len(marks) == MARK_ROWS
        marks.detach()

        marks = Marks(store)
        started = time.perf_counter()
        marks.mark_all(rows)
        everything.append(time.perf_counter() - started)
        marks.detach()
    return {
        "rows": MARK_ROWS,
        "shift_click_ms": median([t * 1000 for t in click]),
        "shift_down_held_ms_total": median([t * 1000 for t in held]),
        "shift_down_us_per_step": median([t * 1e6 / (MARK_ROWS - 1) for t in held]),
        "mark_all_ms": median([t * 1000 for t in everything]),
    }


async def one_delete_run(url: str) -> dict[str, float]:
    async with PiecesClient(url, timeout=60) as client:
        store = ConversationStore()
        sync = Synchronizer(client, store)
        task = asyncio.create_task(sync.run())
        try:
            await asyncio.wait_for(sync.loaded.wait(), 60)
            doomed = store.ids()[::2][:DELETES]
            deletes = PendingDeletes(client, store, window=3600)
            started = time.perf_counter()
            batch = deletes.schedule(doomed)
            scheduled = time.perf_counter()
            assert batch is not None and len(batch) == DELETES
            flushed = time.perf_counter()
            (summary,) = await deletes.flush()
            sent = time.perf_counter()
            assert len(summary.deleted) == DELETES, summary.message()
            expected = ConversationStore()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while True:  # the stream's announcements of our deletes (no-ops) have all arrived
                expected.apply_summaries(await client.conversation_summaries())
                if store.ids() == expected.ids() and not store.held(doomed[-1]):
                    break
                if loop.time() > deadline:
                    raise AssertionError("the store did not match the server")
                await asyncio.sleep(0.02)
            return {
                "schedule_ms": (scheduled - started) * 1000,
                "send_s": sent - flushed,
                "per_delete_ms": (sent - flushed) * 1000 / DELETES,
            }
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def bench_deletes(runs: int) -> dict[str, Any]:
    results: list[dict[str, float]] = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            server = EmbeddedServer(Path(tmp) / f"bulk-{run}.db", seed=SEEDED)
            server.start()
            try:
                results.append(asyncio.run(one_delete_run(server.url)))
            finally:
                server.stop()
    return {
        "deleted": DELETES,
        "of": SEEDED,
        "concurrency": 8,
        **{key: median([r[key] for r in results]) for key in results[0]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {"runs": args.runs, "marks": bench_marks(args.runs)}
    figures["bulk_delete"] = bench_deletes(args.runs)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    marks, bulk = figures["marks"], figures["bulk_delete"]
    print(f"marks over {marks['rows']:,} rows (median of {args.runs}):")
    print(f"  shift+click range to the last row: {marks['shift_click_ms']['median']:.2f} ms")
    print(
        f"  shift+down held to the end: {marks['shift_down_held_ms_total']['median']:.1f} ms "
        f"({marks['shift_down_us_per_step']['median']:.2f} µs a step)"
    )
    print(f"  mark all: {marks['mark_all_ms']['median']:.2f} ms")
    print(f"bulk delete of {bulk['deleted']:,} of {bulk['of']:,} (median of {args.runs}):")
    print(f"  schedule (rows out of view): {bulk['schedule_ms']['median']:.1f} ms")
    print(
        f"  flush to summary: {bulk['send_s']['median']:.2f} s "
        f"({bulk['per_delete_ms']['median']:.2f} ms a delete, 8 at a time)"
    )


if __name__ == "__main__":
    main()
