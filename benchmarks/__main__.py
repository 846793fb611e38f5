"""The end-to-end benchmark: the real app against the embedded server, beside two references.

    python -m benchmarks [--quick] [--json] [--sizes 100,1000] [--runs R] [--samples S]
                         [--cold-only] [--from-source]

For each N (100, 1,000, 10,000, 50,000; `--quick`: 1,000, one run) this starts the
embedded server seeded with N synthetic conversations (plus three with 20, 200 and 2,000
messages), then spawns fresh processes (`benchmarks.probe`) that each time one cold start: a
bare Textual app (the floor), a stock OptionList app painting N rows from memory, and ours.
Before those, the server's bulk body on its own: a full build of every conversation's JSON, and
`GET /conversations` served from the server's row cache, unchanged and after one rename.
One more process of ours then measures, in the app: live change latency (create / rename /
new message / delete made through HTTP by this process), keypress to paint (highlight, filter),
keypresses during a burst of 1,000 stream events, and opening the big conversations.
Without `--quick`, it ends with the server-side search benchmark (`benchmarks/search.py`,
`--search-sizes`, default 1,000 / 10,000 / 50,000 conversations of 10 messages).

Our modules are byte-compiled first, as pip does when it installs a package (Textual, which the
floor imports, was): a machine that sets PYTHONDONTWRITEBYTECODE (this one does) would
otherwise compile ~50 of them from source on every start (~0.1 s of CPU). `--from-source`
measures that start instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks import search as search_bench
from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.db import Database
from pieces_tui.server.rowcache import ConversationsCache

FULL_SIZES = [100, 1_000, 10_000, 50_000]
QUICK_SIZES = [1_000]
BIG = (20, 200, 2_000)
ROOT = Path(__file__).resolve().parent.parent


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


class Burst:
    """1,000 renames sent as fast as the server takes them, paced to about one second."""

    def __init__(self, url: str, ids: list[str], count: int, seconds: float) -> None:
        self.url = url
        self.ids = ids
        self.count = count
        self.seconds = seconds
        self.done = threading.Event()
        self.duration = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        bodies = []
        with httpx.Client(base_url=self.url, timeout=30) as http:
            for cid in self.ids:
                raw = http.get(f"/conversation/{cid}").json()
                bodies.append(raw)
            start = time.perf_counter()
            per_event = self.seconds / self.count

            def sender(offset: int, step: int) -> None:
                with httpx.Client(base_url=self.url, timeout=30) as client:
                    for k in range(offset, self.count, step):
                        delay = start + k * per_event - time.perf_counter()
                        if delay > 0:
                            time.sleep(delay)
                        body = dict(bodies[k % len(bodies)])
                        body["name"] = f"Burst {k:04d}"
                        client.post("/conversation/update", json=body)

            threads = [threading.Thread(target=sender, args=(i, 4)) for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.duration = time.perf_counter() - start
        self.done.set()


async def serve_commands(
    process: asyncio.subprocess.Process, url: str, big_ids: dict[str, str]
) -> dict[str, Any]:
    """Answer the probe's `CMD` lines until it prints its `RESULT`."""
    assert process.stdout is not None and process.stdin is not None
    burst: Burst | None = None
    async with PiecesClient(url, timeout=60) as client:
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise RuntimeError("probe exited without a result")
            if line.startswith("RESULT "):
                result: dict[str, Any] = json.loads(line[7:])
                return result
            if not line.startswith("CMD "):
                continue
            command = json.loads(line[4:])
            op = command["op"]
            reply: dict[str, Any] = {}
            sent = time.time()
            if op == "create":
                created = await client.create_conversation(name=f"Live {command['n']}")
                reply = {"id": created.id}
            elif op == "rename":
                await client.rename_conversation(command["id"], f"Renamed {command['n']}")
                reply = {"id": command["id"]}
            elif op == "message":
                await client.add_message(command["id"], "USER", f"Live message {command['n']}")
                reply = {"id": command["id"]}
            elif op == "delete":
                await client.delete_conversation(command["id"])
                reply = {"id": command["id"]}
            elif op == "burst_start":
                summaries = await client.conversations()
                ids = [c.id for c in summaries if c.id not in big_ids.values()][:100]
                burst = Burst(url, ids, command["count"], command["seconds"])
                burst.start()
            elif op == "burst_status":
                assert burst is not None
                reply = {"done": burst.done.is_set(), "duration": burst.duration}
            elif op == "big_ids":
                reply = {"ids": big_ids}
            reply["sent"] = sent
            process.stdin.write((json.dumps(reply) + "\n").encode())
            await process.stdin.drain()


async def probe(kind: str, rows: int, url: str | None = None, **extra: Any) -> dict[str, Any]:
    args = [sys.executable, "-m", "benchmarks.probe", kind, "--rows", str(rows)]
    if url is not None:
        args += ["--url", url]
    if extra.get("cache"):
        args += ["--cache", extra["cache"]]
    if extra.get("interactive"):
        args += ["--interactive", "--samples", str(extra["samples"])]
    t0 = time.time()
    process = await asyncio.create_subprocess_exec(
        *args,
        "--t0",
        repr(t0),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        result = await serve_commands(process, url or "", extra.get("big_ids", {}))
    finally:
        if process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
    return result


async def seed_big(url: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    async with PiecesClient(url, timeout=120) as client:
        for size in BIG:
            messages = [
                ("USER" if k % 2 == 0 else "ASSISTANT", f"Message {k} of {size}. " * 3)
                for k in range(size)
            ]
            created = await client.create_conversation(name=f"Big {size}", messages=messages)
            ids[str(size)] = created.id
        # A small conversation on top, so the row highlighted at start is an ordinary one.
        await client.create_conversation(name="Latest", messages=[("USER", "Hello?")])
    return ids


async def measure_server_body(server: EmbeddedServer, runs: int) -> dict[str, Any]:
    """The server's bulk body on its own: the full build of every conversation (what each
    request cost before the row cache, and what the server pays once at start), a cached
    `GET /conversations` over HTTP (the body received whole), and one after a rename."""

    def full_build() -> float:
        db = Database(server.db_path)  # a second connection, so a cache of its own, empty
        try:
            started = time.perf_counter()
            ConversationsCache(db).body()
            return time.perf_counter() - started
        finally:
            db.close()

    builds = [await asyncio.to_thread(full_build) for _ in range(runs)]
    cached: list[float] = []
    changed: list[float] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        top = (await http.get("/conversations/identifiers")).json()["iterable"][0]["id"]
        size = len((await http.get("/conversations")).content)
        for _ in range(runs):
            started = time.perf_counter()
            await http.get("/conversations")
            cached.append(time.perf_counter() - started)
        for _ in range(runs):
            conversation = (await http.get(f"/conversation/{top}")).json()
            await http.post("/conversation/update", json=conversation)  # same name: one write
            started = time.perf_counter()
            await http.get("/conversations")
            changed.append(time.perf_counter() - started)
    return {
        "body_mb": size / 1e6,
        "full_build_s": spread(builds),
        "get_cached_s": spread(cached),
        "get_after_change_s": spread(changed),
    }


async def bench_size(
    rows: int, runs: int, samples: int, log: Any, interactive_run: bool = True
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "cache")
        started = time.perf_counter()
        server = EmbeddedServer(Path(tmp) / "bench.db", seed=rows)
        server.start()
        try:
            seeded = time.perf_counter() - started
            big_ids = await seed_big(server.url)
            total = rows + len(BIG) + 1
            log(f"N={rows}: server seeded in {seeded:.1f} s")
            server_body = await measure_server_body(server, max(runs, 3))
            log(
                f"N={rows}: server body {server_body['body_mb']:.1f} MB: full build "
                f"{server_body['full_build_s']['median']:.3f} s, cached GET "
                f"{server_body['get_cached_s']['median']:.3f} s, after a change "
                f"{server_body['get_after_change_s']['median']:.3f} s"
            )
            kinds = ("floor", "optionlist", "ours", "ours-snapshot")
            cold: dict[str, list[float]] = {kind: [] for kind in kinds}
            rss: dict[str, list[float]] = {kind: [] for kind in kinds}
            live: dict[str, list[float]] = {"ours": [], "ours-snapshot": []}
            await probe("ours", total, server.url, cache=cache)  # writes the snapshot on exit
            for _ in range(runs):
                for kind in kinds:
                    if kind.startswith("ours"):
                        with_cache = cache if kind == "ours-snapshot" else None
                        result = await probe("ours", total, server.url, cache=with_cache)
                        live[kind].append(result["live_s"])
                    else:
                        result = await probe(kind, total)
                    cold[kind].append(result["cold_start_s"])
                    rss[kind].append(result["rss_peak_mb"])
                log(
                    f"N={rows}: cold start floor {cold['floor'][-1]:.2f} s, "
                    f"OptionList {cold['optionlist'][-1]:.2f} s, ours {cold['ours'][-1]:.2f} s "
                    f"(live {live['ours'][-1]:.2f} s), with a snapshot "
                    f"{cold['ours-snapshot'][-1]:.2f} s (live {live['ours-snapshot'][-1]:.2f} s)"
                )
            interactive = None
            if interactive_run:
                interactive = await probe(
                    "ours", total, server.url, interactive=True, samples=samples, big_ids=big_ids
                )
                log(f"N={rows}: interactive run done")
        finally:
            server.stop()
    floor = statistics.median(cold["floor"])
    ours = statistics.median(cold["ours"])
    option = statistics.median(cold["optionlist"])
    return {
        "rows": rows,
        "runs": runs,
        "cold_start_s": {kind: spread(values) for kind, values in cold.items()},
        "ours_minus_floor_s": ours - floor,
        "ours_over_floor": ours / floor,
        "optionlist_over_ours": option / ours,
        "rss_mb": {kind: spread(values) for kind, values in rss.items()},
        "live_s": {kind: spread(values) for kind, values in live.items()},
        "server_body": server_body,
        "interactive": interactive,
    }


def machine() -> dict[str, Any]:
    import textual

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "textual": textual.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def ms(stats: dict[str, Any] | None, key: str = "median_ms") -> str:
    if not stats:
        return "-"
    return f"{stats[key]:.1f}"


def table(results: list[dict[str, Any]]) -> str:
    head = ["figure", *(f"N={r['rows']:,}" for r in results)]
    rows: list[list[str]] = []

    def add(name: str, cells: list[str]) -> None:
        rows.append([name, *cells])

    def cold(kind: str) -> list[str]:
        out = []
        for r in results:
            s = r["cold_start_s"][kind]
            out.append(f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})")
        return out

    add("cold start, floor (s)", cold("floor"))
    add("cold start, OptionList (s)", cold("optionlist"))
    add("cold start, ours (s)", cold("ours"))
    add("cold start, ours with a snapshot (s)", cold("ours-snapshot"))

    def live(kind: str) -> list[str]:
        return [f"{r['live_s'][kind]['median']:.2f}" for r in results]

    add("live (reconciled), ours (s)", live("ours"))
    add("live (reconciled), ours with a snapshot (s)", live("ours-snapshot"))
    add("ours - floor (s)", [f"{r['ours_minus_floor_s']:.2f}" for r in results])
    add("ours / floor", [f"{r['ours_over_floor']:.2f}x" for r in results])
    add("OptionList / ours", [f"{r['optionlist_over_ours']:.1f}x" for r in results])
    body = [r["server_body"] for r in results]
    add("server: body size (MB)", [f"{b['body_mb']:.1f}" for b in body])
    add("server: full body build (s)", [f"{b['full_build_s']['median']:.3f}" for b in body])
    add("server: GET, cached (s)", [f"{b['get_cached_s']['median']:.3f}" for b in body])
    add("server: GET, 1 changed (s)", [f"{b['get_after_change_s']['median']:.3f}" for b in body])
    inter = [r["interactive"] for r in results]
    if all(inter):
        for op in ("create", "rename", "message", "delete", "all"):
            add(
                f"live {op}: frame->paint ms (med/p95)",
                [
                    f"{ms(i['live']['in_app'].get(op))}/{ms(i['live']['in_app'].get(op), 'p95_ms')}"
                    for i in inter
                ],
            )
        add(
            "live: server->frame ms (med/p95)",
            [
                f"{ms(i['live']['server_to_client'])}/{ms(i['live']['server_to_client'], 'p95_ms')}"
                for i in inter
            ],
        )
        add(
            "key: move highlight ms (med/p95)",
            [f"{ms(i['keys']['move'])}/{ms(i['keys']['move'], 'p95_ms')}" for i in inter],
        )
        add(
            "key: type in filter ms (med/p95)",
            [f"{ms(i['keys']['filter'])}/{ms(i['keys']['filter'], 'p95_ms')}" for i in inter],
        )
        add(
            "burst 1k events: key ms (med/p95)",
            [f"{ms(i['burst']['keypress'])}/{ms(i['burst']['keypress'], 'p95_ms')}" for i in inter],
        )
        add("burst: sent in (s)", [f"{i['burst']['sent_in_s']:.2f}" for i in inter])
        add("burst: final list correct", [str(i["burst"]["final_list_correct"]) for i in inter])
        for size in BIG:
            add(f"open {size:,} msgs: first screen ms", [ms(i["open"][str(size)]) for i in inter])
        add(
            "RSS ours, cold (MB)",
            [f"{r['rss_mb']['ours']['median']:.0f}" for r in results],
        )
        add("RSS ours, after all (MB)", [f"{i['rss_peak_mb']:.0f}" for i in inter])
    add("RSS OptionList (MB)", [f"{r['rss_mb']['optionlist']['median']:.0f}" for r in results])
    widths = [max(len(row[c]) for row in [head, *rows]) for c in range(len(head))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(head, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append(
            "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
        )
    return "\n".join(lines)


async def run(options: argparse.Namespace) -> None:
    sizes = (
        [int(s) for s in options.sizes.split(",")]
        if options.sizes
        else (QUICK_SIZES if options.quick else FULL_SIZES)
    )
    runs = options.runs or (1 if options.quick else 3)
    samples = options.samples or (40 if options.quick else 100)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if not options.from_source:
        byte_compile(log)
    interactive = not options.cold_only
    results = [await bench_size(rows, runs, samples, log, interactive) for rows in sizes]
    # Server-side search (benchmarks/search.py): not in --quick (building 50,000 takes minutes).
    quick = options.quick or options.cold_only
    searched = [] if quick else search_bench.run(search_sizes(options), 50, log)
    report = {
        "machine": machine(),
        "command": " ".join(["python -m benchmarks", *sys.argv[1:]]),
        "elapsed_s": time.perf_counter() - started,
        "results": results,
        "search": searched,
    }
    if options.json:
        print(json.dumps(report, indent=2))
    else:
        m = report["machine"]
        print(
            f"{m['date']}  {m['cpus']} x {m['cpu_model']}  Python {m['python']}  "
            f"Textual {m['textual']}  ({report['elapsed_s']:.0f} s)"
        )
        print(table(results))
        if searched:
            print("\nServer search per query (50 queries):\n" + search_bench.table(searched))


def byte_compile(log: Callable[[str], None]) -> None:
    """Write pieces_tui's bytecode (compileall writes it whatever PYTHONDONTWRITEBYTECODE says)."""
    import compileall

    import pieces_tui

    folder = Path(pieces_tui.__file__).parent
    ok = compileall.compile_dir(folder, quiet=1)
    log(f"byte-compiled {folder} ({'ok' if ok else 'with errors'})")


def search_sizes(options: argparse.Namespace) -> list[int]:
    if options.search_sizes:
        return [int(s) for s in options.search_sizes.split(",")]
    return search_bench.SIZES


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="N = 1,000, one run (what CI runs)")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    parser.add_argument("--sizes", help="comma-separated N values (overrides --quick)")
    parser.add_argument("--runs", type=int, help="cold-start runs per kind and N")
    parser.add_argument("--samples", type=int, help="live-change and keypress samples")
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="cold starts and time until live only (no interactive figures, no search)",
    )
    parser.add_argument(
        "--from-source",
        action="store_true",
        help="do not byte-compile pieces_tui first (every start compiles it from source)",
    )
    parser.add_argument(
        "--search-sizes", help="conversation counts of the search benchmark (not with --quick)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
