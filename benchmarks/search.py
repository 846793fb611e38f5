"""Server-side search: time per query over N conversations of 10 messages each.

    python -m benchmarks.search [--sizes 1000,10000,50000] [--queries 50] [--json] [--keep DIR]

The database is built directly through the server's db layer (`Database.insert_conversations`,
1,000 conversations per transaction; the FTS triggers index as they go), into a temporary
directory. Text is drawn from a fixed 6,000-word vocabulary with Zipf-like frequencies (seeded:
the same data every run). The 50 queries are a fixed mix: 20 common words, 20 rare words,
5 two-word queries and 5 prefixes. Two figures per size, medians and p95 over the queries:
- `in process`: the server's own work for POST /conversations/search (index queries, grouping,
  snippets, JSON encoding), called in this process;
- `http`: the same request over loopback HTTP to the embedded server (adds parsing and transport).
The CPU time of the in-process call (`time.thread_time`) is given beside its wall time: on a
machine loaded by other work the wall time mostly measures waiting for a core.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from pieces_tui.server import EmbeddedServer, search, wire
from pieces_tui.server.db import Database
from pieces_tui.server.records import NewAnnotation, NewConversation, NewMessage, iso
from pieces_tui.server.routes import Api, new_id, utcnow
from pieces_tui.server.search_routes import SearchApi
from pieces_tui.server.stream import Hub

SIZES = [1_000, 10_000, 50_000]
MESSAGES = 10
VOCABULARY = 6_000
CHUNK = 1_000
_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "den", "por", "gal", "bex"]


def vocabulary() -> list[str]:
    rng = random.Random(7)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Text:
    """Seeded Zipf-like text over the vocabulary (rank r has weight 1 / (r + 1))."""

    def __init__(self, words: list[str], seed: int) -> None:
        self.words = words
        self.rng = random.Random(seed)
        total = 0.0
        self.cumulative = []
        for rank in range(len(words)):
            total += 1.0 / (rank + 1)
            self.cumulative.append(total)
        self.total = total

    def __call__(self, count: int) -> str:
        picks = [
            self.words[bisect.bisect_left(self.cumulative, self.rng.random() * self.total)]
            for _ in range(count)
        ]
        return " ".join(picks)


def build(path: Path, conversations: int, log: Any) -> float:
    """Fill a new database at `path`; returns the seconds it took."""
    text = Text(vocabulary(), seed=conversations)
    db = Database(path)
    # A bulk load only: a 256 MB page cache keeps FTS5's segment merges off the disk (the
    # server's own connection keeps SQLite's default).
    db._conn.execute("PRAGMA cache_size=-262144")
    start = time.perf_counter()
    stamp = iso(utcnow())
    for first in range(0, conversations, CHUNK):
        batch = []
        for _ in range(first, min(first + CHUNK, conversations)):
            messages = [
                NewMessage(new_id(), "USER" if k % 2 == 0 else "ASSISTANT", text(30), stamp)
                for k in range(MESSAGES)
            ]
            batch.append(
                NewConversation(
                    id=new_id(),
                    created=stamp,
                    name=text(4).title(),
                    messages=messages,
                    annotations=[NewAnnotation(new_id(), "SUMMARY", text(15))],
                )
            )
        db.insert_conversations(batch)
        if first and first % 10_000 == 0:
            log(f"  {first:,} conversations built")
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def queries() -> list[str]:
    words = vocabulary()
    rng = random.Random(11)
    common = [words[r] for r in range(20)]
    rare = [words[r] for r in rng.sample(range(3_000, VOCABULARY), 20)]
    pairs = [f"{words[rng.randrange(50)]} {words[rng.randrange(50, 500)]}" for _ in range(5)]
    prefixes = [words[rng.randrange(100, 1_000)][:4] for _ in range(5)]
    return common + rare + pairs + prefixes


def body(query: str) -> dict[str, Any]:
    return {"engines": {"iterable": [{"query": query, "full_text": {"exact": False}}]}}


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered), "p95_ms": p95, "n": len(ordered)}


def measure(path: Path, count: int) -> dict[str, Any]:
    mix = queries()[:count]
    db = Database(path)
    api = SearchApi(Api(db, Hub(), utcnow, new_id))
    in_process: list[float] = []
    cpu: list[float] = []
    results: list[int] = []
    for text in mix:
        query = search.Query.parse(text)
        start, start_cpu = time.perf_counter(), time.thread_time()
        answer = api._conversations(query, 0.0, 100, False)
        wire.dumps(answer)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        in_process.append((time.perf_counter() - start) * 1000)
        results.append(len(answer["iterable"]))
    db.close()
    over_http: list[float] = []
    with EmbeddedServer(path) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        http.post("/conversations/search", json=body(mix[0]))  # warm the connection
        for text in mix:
            start = time.perf_counter()
            http.post("/conversations/search", json=body(text)).raise_for_status()
            over_http.append((time.perf_counter() - start) * 1000)
    return {
        "in_process": stats(in_process),
        "in_process_cpu": stats(cpu),
        "http": stats(over_http),
        "results_median": statistics.median(results),
    }


def run(sizes: list[int], count: int, log: Any, keep: Path | None = None) -> list[dict[str, Any]]:
    """`keep`: build the databases there and reuse the ones already built (the data is the
    same every run); by default they go to a temporary directory."""
    out = []
    with tempfile.TemporaryDirectory(prefix="pieces-tui-search-bench-") as scratch:
        for size in sizes:
            path = (keep or Path(scratch)) / f"search-{size}.db"
            seconds = 0.0
            if path.exists():
                log(f"search: reusing {path}")
            else:
                log(f"search: building {size:,} conversations x {MESSAGES} messages")
                seconds = build(path, size, log)
            log(f"search: built in {seconds:.1f} s; timing {count} queries")
            row = {"conversations": size, "build_s": round(seconds, 1), **measure(path, count)}
            log(
                f"search {size:>6,}: in process median {row['in_process']['median_ms']:.1f} ms,"
                f" p95 {row['in_process']['p95_ms']:.1f} ms (CPU median"
                f" {row['in_process_cpu']['median_ms']:.1f} ms); http median"
                f" {row['http']['median_ms']:.1f} ms, p95 {row['http']['p95_ms']:.1f} ms"
            )
            out.append(row)
    return out


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| conversations (x10 messages) | in process median / p95 | its CPU time median / p95"
        " | HTTP median / p95 | build |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['conversations']:,} | {row['in_process']['median_ms']:.1f} /"
            f" {row['in_process']['p95_ms']:.1f} ms | {row['in_process_cpu']['median_ms']:.1f} /"
            f" {row['in_process_cpu']['p95_ms']:.1f} ms | {row['http']['median_ms']:.1f} /"
            f" {row['http']['p95_ms']:.1f} ms | {row['build_s']:.0f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated conversation counts")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="directory to build (or reuse) databases in")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")] if options.sizes else SIZES
    rows = run(
        sizes,
        options.queries,
        lambda text: print(text, file=sys.stderr, flush=True),
        options.keep,
    )
    print(json.dumps(rows, indent=2) if options.json else table(rows))


if __name__ == "__main__":
    main()
