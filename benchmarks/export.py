"""Benchmark `pieces-tui export` of long conversations, as a user runs it.

    python -m benchmarks.export [--runs R] [--sizes 2000,5000] [--json]

For each size, one conversation of that many messages (short texts, alternating roles) is created
in a fresh embedded server; then the real `pieces-tui export ID -o DIR --url URL` executable runs
R times (default 3) and the wall time of each run is taken, from process start to exit. Medians,
min and max are printed. Includes the interpreter's start-up (~0.3-0.6 s on a small machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer

EXECUTABLE = Path(sys.executable).parent / "pieces-tui"


async def _seed(url: str, count: int) -> str:
    turns = [("USER" if n % 2 == 0 else "ASSISTANT", f"message {n:05d}") for n in range(count)]
    async with PiecesClient(url, timeout=120) as client:
        created = await client.create_conversation("Long", turns)
    return created.id


def _one_size(count: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedServer(Path(tmp) / "bench.db")
        server.start()
        try:
            conversation_id = asyncio.run(_seed(server.url, count))
            times: list[float] = []
            for run in range(runs):
                out = Path(tmp) / f"out-{run}"
                started = time.perf_counter()
                args = ["export", conversation_id, "-o", str(out), "--format", "json"]
                subprocess.run(
                    [str(EXECUTABLE), *args, "--url", server.url],
                    check=True,
                    capture_output=True,
                    timeout=600,
                )
                times.append(time.perf_counter() - started)
                written = json.loads(next(out.iterdir()).read_text(encoding="utf-8"))
                assert len(written["messages"]["iterable"]) == count
        finally:
            server.stop()
    return {
        "messages": count,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="2000,5000")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    results = [_one_size(int(s), options.runs) for s in options.sizes.split(",")]
    if options.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(
            f"export of {r['messages']:>6} messages: median {r['median_s']:.2f} s "
            f"(min {r['min_s']:.2f}, max {r['max_s']:.2f}, {options.runs} runs)"
        )


if __name__ == "__main__":
    main()
