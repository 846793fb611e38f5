"""Child process for `test_stream_abuse.py`: a `Synchronizer` on a real server's HTTP API and a
hostile identifier stream. Prints `loaded` once the store is loaded, waits for a line on stdin
(the hostile server is done), then waits (bounded) until the store equals `GET /conversations`
and prints one JSON line: peak RSS, what the bounds did, whether the store ended equal.

Run apart from pytest so its peak RSS (`ru_maxrss`) is the client's alone."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

from pieces_tui.client import PiecesClient
from pieces_tui.client.stream import IdentifierStream
from pieces_tui.state.store import ConversationStore
from pieces_tui.state.sync import Synchronizer


class CountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.single_fetches = 0
        self.bulk_loads = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/conversation/"):
            self.single_fetches += 1
        elif request.url.path == "/conversations":
            self.bulk_loads += 1
        return await super().handle_async_request(request)


def status_mb(field: str) -> float:
    """`VmRSS` (now) or `VmHWM` (peak) of this process. Not `ru_maxrss`: Linux carries the
    parent's peak across fork and exec into it, so it would count pytest's memory too."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


async def main(http_url: str, ws_url: str) -> None:
    baseline = status_mb("VmRSS")
    loop = asyncio.get_running_loop()
    worst_lag = 0.0

    async def lag_meter() -> None:
        nonlocal worst_lag
        while True:
            before = loop.time()
            await asyncio.sleep(0.02)
            worst_lag = max(worst_lag, loop.time() - before - 0.02)

    transport = CountingTransport()
    async with PiecesClient(http_url, transport=transport) as client:
        store = ConversationStore()
        stream = IdentifierStream(ws_url, base_delay=0.05, max_delay=0.5)
        sync = Synchronizer(client, store, stream=stream)
        meter = asyncio.create_task(lag_meter())
        task = asyncio.create_task(sync.run())
        await asyncio.wait_for(sync.loaded.wait(), 60)
        print("loaded", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)

        async def matches() -> bool:
            expected = ConversationStore()
            expected.apply_snapshot(await client.conversations())
            return list(store.ordered()) == list(expected.ordered())

        deadline = time.monotonic() + 60
        equal = await matches()
        while not equal and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            equal = await matches()
        report = {
            "baseline_mb": round(baseline, 1),
            "peak_mb": round(status_mb("VmHWM"), 1),
            "equal": equal,
            "rows": len(store),
            "degraded_resyncs": sync.degraded_resyncs,
            "dropped_events": stream.dropped_events,
            "coalesced_events": stream.coalesced_events,
            "single_fetches": transport.single_fetches,
            "bulk_loads": transport.bulk_loads,
            "worst_loop_lag_ms": round(worst_lag * 1000, 1),
        }
        task.cancel()
        meter.cancel()
        await asyncio.gather(task, meter, return_exceptions=True)
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
