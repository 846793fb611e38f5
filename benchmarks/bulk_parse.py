"""Parse the bulk `GET /conversations` body into sidebar summaries: three parsers side by side.

    python -m benchmarks.bulk_parse [--sizes 10000,50000] [--runs 5] [--json]

The body is the embedded server's own answer for N synthetic conversations (plus the demo set).
Each parser runs in a fresh process (so its peak RSS is its own): `json.loads` + the per-item
lean path (what the client did before msgspec), `orjson.loads` + the same per-item path, the
same with the cyclic garbage collector paused ("orjson-nogc"), and the msgspec typed decoder
that `PiecesClient.conversation_summaries` uses (which pauses the collector too). Reported: the
median time of `--runs` parses, the peak RSS (VmHWM) of the process after the first parse, and
how much of it the parse added on top of the body already in memory. orjson is not a dependency
of the app: install it to compare (`pip install orjson`).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PARSERS = ("json", "orjson", "orjson-nogc", "msgspec")


def rss_mb() -> float:
    """Peak RSS of this process image: VmHWM (Linux), which, unlike ru_maxrss, does not carry
    the parent's peak over the fork and exec that started us."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_body(rows: int, directory: Path) -> Path:
    from pieces_tui.server import demo, wire
    from pieces_tui.server.db import Database

    db = Database(directory / f"bulk-{rows}.db")
    try:
        demo.populate(db, demo=True, seed=rows)
        body = wire.conversations_bytes(db.conversations(), db.refs())
    finally:
        db.close()
    path = directory / f"bulk-{rows}.json"
    path.write_bytes(body)
    return path


def child(parser: str, path: Path, runs: int) -> dict[str, Any]:
    from pieces_tui.client.summaries import conversation_summaries_json, summaries_of_decoded

    if parser == "json":

        def parse(data: bytes) -> list[Any]:
            return summaries_of_decoded(json.loads(data))

    elif parser == "orjson":
        import orjson

        def parse(data: bytes) -> list[Any]:
            return summaries_of_decoded(orjson.loads(data))

    elif parser == "orjson-nogc":  # orjson with the collector paused, as the msgspec path does
        import orjson

        def parse(data: bytes) -> list[Any]:
            gc.disable()
            try:
                return summaries_of_decoded(orjson.loads(data))
            finally:
                gc.enable()

    else:
        parse = conversation_summaries_json
    data = path.read_bytes()
    before = rss_mb()
    times = []
    digest = ""
    for run in range(runs):
        started = time.perf_counter()
        summaries = parse(data)
        times.append(time.perf_counter() - started)
        if run == 0:
            peak = rss_mb()
            digest = hashlib.sha1(repr(summaries).encode()).hexdigest()
        del summaries
    return {
        "parser": parser,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "rss_before_mb": before,
        "rss_peak_mb": peak,
        "parse_added_mb": peak - before,
        "summaries_sha1": digest,
    }


def run(sizes: list[int], runs: int) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            path = build_body(rows, Path(tmp))
            size_mb = path.stat().st_size / 1e6
            for parser in PARSERS:
                args = [sys.executable, "-m", "benchmarks.bulk_parse", "--child", parser]
                done = subprocess.run(
                    [*args, str(path), "--runs", str(runs)], capture_output=True, text=True
                )
                if done.returncode != 0:
                    last = (done.stderr.strip().splitlines() or ["?"])[-1]
                    results.append({"rows": rows, "parser": parser, "error": last})
                    continue
                result = json.loads(done.stdout)
                results.append({"rows": rows, "body_mb": size_mb, **result})
    return results


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| N | parser | median (s) | peak RSS (MB) | added by the parse (MB) | same summaries |",
        "|---|---|---|---|---|---|",
    ]
    reference: dict[int, str] = {}
    for r in results:
        if "error" in r:
            lines.append(f"| {r['rows']:,} | {r['parser']} | {r['error']} | | | |")
            continue
        reference.setdefault(r["rows"], r["summaries_sha1"])
        same = r["summaries_sha1"] == reference[r["rows"]]
        lines.append(
            f"| {r['rows']:,} | {r['parser']} | {r['median_s']:.3f} | {r['rss_peak_mb']:.0f} | "
            f"{r['parse_added_mb']:.0f} | {same} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bulk_parse", description=__doc__)
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=PARSERS, help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(options.child, options.path, options.runs)))
        return
    results = run([int(s) for s in options.sizes.split(",")], options.runs)
    print(json.dumps(results, indent=2) if options.json else table(results))


if __name__ == "__main__":
    main()
