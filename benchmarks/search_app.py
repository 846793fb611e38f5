"""Search in the app: from the query settling (the debounce over, the request sent) to its
results painted in the search panel, with the embedded server over real sockets.

    python -m benchmarks.search_app [--sizes 1000,10000] [--queries 20]

Not part of `--quick`. Each size builds a database of N conversations of 10 messages
(`benchmarks.search.build`), starts the server on it and drives the real app headless.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.search import build, queries
from pieces_tui.cli import create_app
from pieces_tui.client import PiecesClient
from pieces_tui.config import Settings
from pieces_tui.screens.search_panel import SearchPanel
from pieces_tui.server import EmbeddedServer


async def measure_app(url: str, settings_path: Path, count: int) -> list[float]:
    app = create_app(url=url, settings=Settings(path=settings_path), discover_hosts=False)
    sent: dict[str, float] = {}
    arrived = asyncio.Event()
    painted: dict[str, float] = {}
    original = SearchPanel._show

    def timed_show(panel: SearchPanel, query: str, rows: Any, status: str) -> None:
        original(panel, query, rows, status)

        # Painted: the results widget has been refreshed by the next idle of the app.
        def done() -> None:
            painted.setdefault(query, time.perf_counter())
            arrived.set()

        panel.call_after_refresh(done)

    original_search = PiecesClient.search_conversations

    async def timed_search(client: PiecesClient, query: str, **kwargs: Any) -> Any:
        sent[query] = time.perf_counter()  # the query settled: the debounce is over
        return await original_search(client, query, **kwargs)

    SearchPanel._show = timed_show  # type: ignore[method-assign]
    PiecesClient.search_conversations = timed_search  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while not len(app.store):
                await pilot.pause(0.05)
            await pilot.press("s")
            panel = app.main_screen.search_panel
            for query in queries()[:count]:
                panel.field.value = ""
                await pilot.pause(0.3)
                arrived.clear()
                panel.field.value = query
                while query not in painted:
                    await asyncio.wait_for(arrived.wait(), 30)
                    arrived.clear()
    finally:
        SearchPanel._show = original  # type: ignore[method-assign]
        PiecesClient.search_conversations = original_search  # type: ignore[method-assign]
    return [(painted[q] - sent[q]) * 1000 for q in sent if q in painted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "search.db"
            build(path, size, lambda *_: None)
            server = EmbeddedServer(path)
            server.start()
            try:
                times = asyncio.run(measure_app(server.url, Path(folder) / "c.json", args.queries))
            finally:
                server.stop()
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(
            f"{size:>7,} conversations: settled -> painted median {statistics.median(ordered):.1f}"
            f" ms, p95 {p95:.1f} ms ({len(ordered)} queries)",
            file=sys.stdout,
        )


if __name__ == "__main__":
    main()
