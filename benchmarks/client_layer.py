"""Benchmark the client layer against the embedded server seeded with synthetic conversations.

    python -m benchmarks.client_layer [--quick] [--json] [--conversations N]

Measures:
- load: `GET /conversations` through PiecesClient, then `ConversationStore.apply_snapshot`
  (median and spread over several runs, split into fetch+parse and store time);
- change latency: from just before a create request (HTTP) to the store's notification through a
  running Synchronizer (stream event, then `GET /conversation/{id}`): median and p95;
- discovery with nothing listening on a one-port range plus the legacy address.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pieces_tui.client import PiecesClient
from pieces_tui.client.discovery import discover
from pieces_tui.client.stream import IdentifierStream
from pieces_tui.server import EmbeddedServer
from pieces_tui.state.store import ConversationStore, StoreChange
from pieces_tui.state.sync import Synchronizer


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def measure_load(url: str, runs: int) -> dict[str, Any]:
    totals: list[float] = []
    fetches: list[float] = []
    applies: list[float] = []
    count = 0
    for _ in range(runs):
        async with PiecesClient(url, timeout=60) as client:
            store = ConversationStore()
            started = time.perf_counter()
            conversations = await client.conversations()
            fetched = time.perf_counter()
            store.apply_snapshot(conversations)
            done = time.perf_counter()
        count = len(store)
        fetches.append(fetched - started)
        applies.append(done - fetched)
        totals.append(done - started)
    return {
        "conversations": count,
        "runs": runs,
        "total_median_s": statistics.median(totals),
        "total_min_s": min(totals),
        "total_max_s": max(totals),
        "fetch_median_s": statistics.median(fetches),
        "store_median_s": statistics.median(applies),
    }


async def measure_latency(url: str, samples: int) -> dict[str, Any]:
    store = ConversationStore()
    arrived: dict[str, float] = {}
    waiting: dict[str, asyncio.Event] = {}

    def on_change(change: StoreChange) -> None:
        now = time.perf_counter()
        for cid in change.added:
            arrived.setdefault(cid, now)
            event = waiting.get(cid)
            if event is not None:
                event.set()

    store.subscribe(on_change)
    latencies: list[float] = []
    async with PiecesClient(url, timeout=60) as client, PiecesClient(url) as writer:
        sync = Synchronizer(client, store, stream=IdentifierStream(url))
        task = asyncio.create_task(sync.run())
        try:
            await asyncio.wait_for(sync.loaded.wait(), 120)
            for i in range(samples):
                started = time.perf_counter()
                created = await writer.create_conversation(f"latency probe {i}")
                event = waiting.setdefault(created.id, asyncio.Event())
                if created.id not in arrived:
                    await asyncio.wait_for(event.wait(), 10)
                latencies.append(arrived[created.id] - started)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return {
        "samples": samples,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000,
    }


async def measure_discovery(runs: int) -> dict[str, Any]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        found = await discover(None, {}, ports=range(port, port + 1))
        times.append(time.perf_counter() - started)
        assert found is None
    return {"runs": runs, "median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000}


async def run(conversations: int, quick: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        server = EmbeddedServer(Path(tmp) / "bench.db", seed=conversations)
        await asyncio.to_thread(server.start)
        seeded = time.perf_counter() - started
        try:
            load = await measure_load(server.url, 3 if quick else 7)
            latency = await measure_latency(server.url, 50 if quick else 200)
        finally:
            await asyncio.to_thread(server.stop)
    discovery = await measure_discovery(3 if quick else 10)
    return {"seed_s": seeded, "load": load, "latency": latency, "discovery": discovery}


def print_table(result: dict[str, Any]) -> None:
    load, latency, discovery = result["load"], result["latency"], result["discovery"]
    rows = [
        ("server start + seed", f"{result['seed_s']:.2f} s", ""),
        (
            f"load {load['conversations']} into store",
            f"median {load['total_median_s'] * 1000:.0f} ms",
            f"min {load['total_min_s'] * 1000:.0f} / max {load['total_max_s'] * 1000:.0f} ms "
            f"over {load['runs']} runs",
        ),
        ("  of which fetch+parse", f"median {load['fetch_median_s'] * 1000:.0f} ms", ""),
        ("  of which store", f"median {load['store_median_s'] * 1000:.0f} ms", ""),
        (
            "change -> store notification",
            f"median {latency['median_ms']:.1f} ms",
            f"p95 {latency['p95_ms']:.1f} / max {latency['max_ms']:.1f} ms "
            f"({latency['samples']} samples)",
        ),
        (
            "discover(), nothing listening",
            f"median {discovery['median_ms']:.0f} ms",
            f"max {discovery['max_ms']:.0f} ms ({discovery['runs']} runs)",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.client_layer")
    parser.add_argument("--quick", action="store_true", help="fewer runs and samples")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--conversations", type=int, default=10_000)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.conversations, args.quick))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
