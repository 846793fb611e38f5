"""Live changes and keypresses during a burst, A/B between checkouts, in one run (issue 13).

    python -m benchmarks.live_burst [--rows 50000] [--rounds 2] [--samples 100]
        [--checkouts /work/main,.] [--phases live,burst] [--profile DIR]

The interactive part of `python -m benchmarks` without its cold starts: for each round and each
checkout (interleaved, so every checkout meets the same load), a fresh copy of one seeded
database is served by the embedded server of this process, and `benchmarks/probe.py` (this
checkout's, with the checkout's `pieces_tui` first on the path) measures live change
frame-to-paint and keypress-to-paint during a burst of 1,000 renames, and whether the list ends
equal to the server's. The database is seeded once (`--db`, ~25 s at 50,000) and reused.
During the burst the probe also times every event-loop callback and message handler (the
`loop` part of its result); `--profile DIR` dumps a cProfile of the burst per run there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.__main__ import serve_commands
from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer

PROBE = Path(__file__).resolve().parent / "probe.py"


def seeded(db: Path, rows: int) -> None:
    """Seed `db` with `rows` conversations (and one small one on top) unless it exists."""
    if db.exists():
        return
    partial = db.with_suffix(".partial")
    for leftover in db.parent.glob(partial.name + "*"):
        leftover.unlink()
    server = EmbeddedServer(partial, seed=rows)
    server.start()
    try:

        async def top() -> None:
            async with PiecesClient(server.url, timeout=120) as client:
                await client.create_conversation(name="Latest", messages=[("USER", "Hello?")])

        asyncio.run(top())
    finally:
        server.stop()
    # Fold the write-ahead log into the file, so that the one file copied per run is complete.
    with contextlib.closing(sqlite3.connect(partial)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    partial.rename(db)
    for leftover in db.parent.glob(partial.name + "*"):
        leftover.unlink()


async def one(
    checkout: Path, db: Path, rows: int, samples: int, phases: str, profile: str | None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.db"
        shutil.copyfile(db, copy)
        server = EmbeddedServer(copy)
        server.start()
        try:
            args = [sys.executable, str(PROBE), "ours", "--rows", str(rows + 1)]
            args += ["--url", server.url, "--interactive", "--samples", str(samples)]
            args += ["--phases", phases, "--t0", repr(time.time())]
            if profile:
                args += ["--profile", profile]
            env = dict(os.environ, PYTHONPATH=str(checkout))
            process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                cwd=checkout,
                env=env,
            )
            try:
                return await serve_commands(process, server.url, {})
            finally:
                if process.returncode is None:
                    await process.wait()
        finally:
            server.stop()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def line(name: str, result: dict[str, Any]) -> str:
    parts = [name]
    live = result.get("live")
    if live:
        every = live["in_app"]["all"]
        parts.append(
            f"live frame->paint {every['median_ms']:.1f}/{every['p95_ms']:.1f} ms (n={every['n']})"
        )
    burst = result.get("burst")
    if burst:
        key = burst["keypress"]
        loop = burst["loop"]
        parts.append(
            f"burst key {key['median_ms']:.1f}/{key['p95_ms']:.1f} ms (n={key['n']} of "
            f"{burst.get('keys_pressed', '?')} pressed, one every 0.1 s), "
            f"sent in {burst['sent_in_s']:.2f} s, correct {burst['final_list_correct']}, "
            f"CPU {loop.get('cpu_s', 0.0):.2f} s, "
            f"loop held {loop['held_s']:.2f} s, max {loop['max_ms']:.0f} ms, "
            f">16 ms x{loop['over_16ms']}"
        )
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live_burst", description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--checkouts", default=".", help="comma-separated checkout roots")
    parser.add_argument("--phases", default="live,burst")
    parser.add_argument("--db", help="the seeded database (default: /tmp/pieces-bench-N.db)")
    parser.add_argument("--profile", help="folder for a cProfile of each burst")
    parser.add_argument("--json", action="store_true", help="print every result as JSON")
    options = parser.parse_args()
    db = Path(options.db or f"/tmp/pieces-bench-{options.rows}.db")
    started = time.perf_counter()
    seeded(db, options.rows)
    print(f"seeded db ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    checkouts = [Path(c).resolve() for c in options.checkouts.split(",")]
    results: dict[str, list[dict[str, Any]]] = {str(c): [] for c in checkouts}
    for round_ in range(options.rounds):
        for k, checkout in enumerate(checkouts):
            profile = None
            if options.profile:
                Path(options.profile).mkdir(parents=True, exist_ok=True)
                profile = str(Path(options.profile) / f"burst-{k}-{round_}.prof")
            before = load()
            result = asyncio.run(
                one(checkout, db, options.rows, options.samples, options.phases, profile)
            )
            result["load"] = f"{before} -> {load()}"
            results[str(checkout)].append(result)
            print(f"{line(str(checkout), result)}; load {result['load']}", flush=True)
    for checkout, runs in results.items():
        keys = [r["burst"]["keypress"]["median_ms"] for r in runs if "burst" in r]
        if keys:
            print(f"{checkout}: burst key medians {[round(k, 1) for k in keys]}")
            print(f"  median of medians {statistics.median(keys):.1f} ms")
            pooled = sorted(
                k for r in runs if "burst" in r for k in r["burst"].get("keypress_ms", [])
            )
            if pooled:
                p95 = pooled[min(len(pooled) - 1, round(0.95 * (len(pooled) - 1)))]
                cpu = [r["burst"]["loop"].get("cpu_s", 0.0) for r in runs if "burst" in r]
                print(
                    f"  every key pooled: median {statistics.median(pooled):.1f} ms, p95 {p95:.1f}"
                    f" ms (n={len(pooled)}); burst CPU median {statistics.median(cpu):.2f} s"
                )
    if options.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
