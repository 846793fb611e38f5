"""Search in the app: from the query settling (the debounce over, the request sent) to its
results painted in the search panel, with the embedded server over real sockets; and how long
each keystroke typed in the search field takes to be painted.

    python -m benchmarks.search_app [--sizes 1000,10000,50000] [--queries 20] [--keep DIR]

Not part of `--quick`. Each size builds a database of N conversations of 10 messages
(`benchmarks.search.build`; with `--keep`, in DIR, reusing the ones `python -m benchmarks.search
--keep DIR` built), starts the server on it and drives the real app headless (120x40). Three
figures per size, medians and p95:
- `settled -> painted`: from the search request leaving the app to the results painted (the
  next refresh after the panel showed them); the first page only (`FIRST_PAGE` results), as a
  user sees it;
- `keystroke -> painted`: each character of each query typed with a pause of 0.25 s (longer than
  the debounce, so the search of the previous prefix runs and paints between keys: the hard
  case), from the key sent to the field painted with it;
- `floor`: the same keystroke timing in a bare Textual app holding one Input (the Pilot's own
  cost and the machine's load, without pieces-tui);
- `server`: `benchmarks.search.measure` on the same database in the same run (the server's own
  time per query, in process and over HTTP, default limit 100), for reference.
The server runs in its own process (`pieces-tui serve`), as Pieces OS does; with `--in-process`
it runs in a thread of the app's process, as `pieces-tui --demo` runs it (then its work and the
app's share one interpreter lock).
Write the load average (`uptime`) beside the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.search import build, measure, queries
from pieces_tui.cli import create_app
from pieces_tui.client import PiecesClient
from pieces_tui.config import Settings
from pieces_tui.screens.search_panel import SearchPanel
from pieces_tui.server import EmbeddedServer

KEY_GAP = 0.25
"""Seconds between two keys typed (longer than the debounce: searches run between keys)."""


async def measure_app(url: str, settings_path: Path, count: int) -> dict[str, list[float]]:
    app = create_app(url=url, settings=Settings(path=settings_path), discover_hosts=False)
    sent: dict[str, float] = {}
    arrived = asyncio.Event()
    painted: dict[str, float] = {}
    keys: list[float] = []
    finals: list[tuple[float, float, float]] = []
    original = SearchPanel._show

    def timed_show(panel: SearchPanel, query: str, rows: Any, status: str) -> None:
        original(panel, query, rows, status)

        # Painted: the results widget has been refreshed by the next idle of the app.
        def done() -> None:
            painted.setdefault(query, time.perf_counter())
            arrived.set()

        panel.call_after_refresh(done)

    original_search = PiecesClient.search_conversations

    received: dict[str, float] = {}

    async def timed_search(client: PiecesClient, query: str, **kwargs: Any) -> Any:
        sent.setdefault(query, time.perf_counter())  # the query settled: the debounce is over
        answer = await original_search(client, query, **kwargs)
        received.setdefault(query, time.perf_counter())  # answered and parsed
        return answer

    SearchPanel._show = timed_show  # type: ignore[method-assign]
    PiecesClient.search_conversations = timed_search  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while not len(app.store):
                await pilot.pause(0.05)
            await pilot.press("s")
            panel = app.main_screen.search_panel
            field = panel.field
            for query in queries()[:count]:
                field.value = ""
                await pilot.pause(0.3)
                for prefix in (query[:i] for i in range(1, len(query) + 1)):
                    sent.pop(prefix, None)
                    received.pop(prefix, None)
                    painted.pop(prefix, None)
                arrived.clear()
                for char in query:
                    shown = asyncio.Event()
                    start = time.perf_counter()
                    await pilot.press("space" if char == " " else char)
                    field.call_after_refresh(shown.set)
                    await asyncio.wait_for(shown.wait(), 30)
                    keys.append((time.perf_counter() - start) * 1000)
                    await asyncio.sleep(KEY_GAP)
                while query not in painted:
                    await asyncio.wait_for(arrived.wait(), 30)
                    arrived.clear()
                assert field.value == query, (field.value, query)
                finals.append((sent[query], received[query], painted[query]))
    finally:
        SearchPanel._show = original  # type: ignore[method-assign]
        PiecesClient.search_conversations = original_search  # type: ignore[method-assign]
    return {
        "settled": [(end - start) * 1000 for start, _, end in finals],
        "answered": [(middle - start) * 1000 for start, middle, _ in finals],
        "shown": [(end - middle) * 1000 for _, middle, end in finals],
        "keys": keys,
    }


async def measure_floor(count: int) -> list[float]:
    """The same keystroke timing in a bare app holding one Input: what the Pilot, an Input's
    paint and this machine's load cost without pieces-tui."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Input()

    keys: list[float] = []
    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        field = app.query_one(Input)
        field.focus()
        for query in queries()[:count]:
            field.value = ""
            await pilot.pause(0.3)
            for char in query:
                shown = asyncio.Event()
                start = time.perf_counter()
                await pilot.press("space" if char == " " else char)
                field.call_after_refresh(shown.set)
                await asyncio.wait_for(shown.wait(), 30)
                keys.append((time.perf_counter() - start) * 1000)
                await asyncio.sleep(KEY_GAP)
    return keys


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms (n={len(ordered)})"


@contextlib.contextmanager
def server_process(path: Path) -> Iterator[str]:
    """`pieces-tui serve` on `path` in a child process, on a free loopback port; its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "pieces_tui", "serve", "--db", str(path), "--port", str(port)]
    child = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/.well-known/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {command}")
            time.sleep(0.1)
        yield url
    finally:
        child.terminate()
        child.wait(30)


@contextlib.contextmanager
def server_thread(path: Path) -> Iterator[str]:
    server = EmbeddedServer(path)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def run_size(size: int, count: int, folder: Path, in_process: bool) -> None:
    path = folder / f"search-{size}.db"
    if not path.exists():
        print(f"building {size:,} conversations", file=sys.stderr, flush=True)
        build(path, size, lambda *_: None)
    with (server_thread if in_process else server_process)(path) as url:
        times = asyncio.run(measure_app(url, folder / f"c-{size}.json", count))
    reference = measure(path, 50)
    where = "in the app's process" if in_process else "in its own process"
    print(f"{size:>7,} conversations, server {where}:", flush=True)
    print(f"  settled -> painted   {stats(times['settled'])}", flush=True)
    print(f"    of which answered  {stats(times['answered'])}", flush=True)
    print(f"    then painted       {stats(times['shown'])}", flush=True)
    print(f"  keystroke -> painted {stats(times['keys'])}", flush=True)
    print(f"    floor (bare Input) {stats(asyncio.run(measure_floor(count)))}", flush=True)
    print(
        f"  server, 50 queries: in process median {reference['in_process']['median_ms']:.1f} ms"
        f" (CPU {reference['in_process_cpu']['median_ms']:.1f} ms), p95"
        f" {reference['in_process']['p95_ms']:.1f} ms; HTTP median"
        f" {reference['http']['median_ms']:.1f} ms, p95 {reference['http']['p95_ms']:.1f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="directory to build (or reuse) databases in")
    parser.add_argument("--in-process", action="store_true", help="the server in a thread")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        if args.keep is not None:
            run_size(size, args.queries, args.keep, args.in_process)
            continue
        with tempfile.TemporaryDirectory() as folder:
            run_size(size, args.queries, Path(folder), args.in_process)


if __name__ == "__main__":
    main()
