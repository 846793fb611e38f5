"""Key latency in the app while a hostile server floods its identifier stream (issue 12).

    python -m benchmarks.app_floods [--seconds 6] [--runs 1] [--only huge|new|known]

The floods of tests/client/test_stream_abuse.py, against the whole app instead of the client
layer: a 55 MB frame (on the first three connections), 200,000 new ids (400 frames of 500
unknown ids), 200,000 known ids (2,000 frames naming the 100 conversations). The HTTP side is
the real embedded server, reached through a front that also serves the hostile stream on the
same port (the app takes its stream URL from its server's URL): GET requests are proxied, the
stream is the flood.

The app runs in a child process (its peak RSS is its own), headless under `App.run_test`. Once
its list is loaded, the flood starts, and the child presses down/up every 50 ms, as a terminal
would send them (an `events.Key` posted to the app). Keypress-to-paint: from posting the key to
the first screen update the app hands to its driver (`App._display`) after the list's highlight
has moved. Samples taken while the flood was being sent are reported apart from those after it
(the system-wide monotonic clock is shared by both processes). The figure is wall time, so it
includes what the rest of the machine takes: write `uptime` next to it.

tests/app/test_stream_floods.py runs the same with bounds on memory and on answering only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

STREAM_PATH = "/conversations/stream/identifiers"
CHECKOUT = Path(__file__).resolve().parent.parent  # the child imports this checkout's code
CONVERSATIONS = 100
KEY_EVERY = 0.05


# -- the hostile front -------------------------------------------------------------------------


def frame(ids: list[str] | range, *, fake: bool = False) -> str:
    """A `StreamedIdentifiers` frame, built as text. `fake`: numbers as ids the server lacks."""
    out = io.StringIO()
    out.write('{"iterable":[')
    for position, item in enumerate(ids):
        conversation_id = f"{item:08d}-dead-4bad-8bad-000000000000" if fake else item
        if position:
            out.write(",")
        out.write(f'{{"conversation":{{"id":"{conversation_id}"}},"deleted":false}}')
    out.write("]}")
    return out.getvalue()


class Flood:
    """What the front sends on each stream connection, and when the flood ran."""

    def __init__(self, kind: str, ids: list[str]) -> None:
        self.kind = kind
        self.ids = ids
        self.connections = 0
        self.frames = 0
        self.started: float | None = None
        self.ended: float | None = None
        self.go = asyncio.Event()  # the child's list is loaded
        self.done = asyncio.Event()
        self._huge = frame(range(760_000), fake=True) if kind == "huge" else ""

    async def serve(self, ws: ServerConnection) -> None:
        self.connections += 1
        number = self.connections
        await ws.send(frame(self.ids))  # the snapshot: the list loads as usual
        await self.go.wait()
        if self.started is None:
            self.started = time.monotonic()
        if self.kind == "huge":
            if number <= 3:
                self.frames += 1
                await ws.send(self._huge)  # refused unread: the client drops the connection
                return
        elif self.kind == "new":
            for batch in range(400):
                await ws.send(frame(range(batch * 500, (batch + 1) * 500), fake=True))
                self.frames += 1
        elif self.kind == "none":  # the reference: a quiet stream
            pass
        elif self.kind == "known":
            for _ in range(2_000):
                await ws.send(frame(self.ids))
                self.frames += 1
        if self.ended is None:
            self.ended = time.monotonic()
        self.done.set()


@contextlib.asynccontextmanager
async def front(http_url: str, flood: Flood) -> AsyncIterator[str]:
    """A server on a free port: the flood on the stream path, GETs proxied to `http_url`."""
    proxy = httpx.AsyncClient(base_url=http_url, timeout=60)

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?")[0] == STREAM_PATH:
            return None  # the WebSocket handshake goes on
        answer = await proxy.get(request.path)
        headers = Headers(
            [
                ("Content-Type", answer.headers.get("content-type", "text/plain")),
                ("Content-Length", str(len(answer.content))),
                ("Connection", "close"),
            ]
        )
        return Response(answer.status_code, answer.reason_phrase, headers, answer.content)

    async def handler(ws: ServerConnection) -> None:
        try:
            await flood.serve(ws)
            await ws.wait_closed()
        except ConnectionClosed:
            pass

    try:
        async with serve(
            handler, "127.0.0.1", 0, process_request=process_request, max_size=None
        ) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            yield f"http://127.0.0.1:{port}"
    finally:
        await proxy.aclose()


# -- the app, in the child ---------------------------------------------------------------------


def status_mb(field: str) -> float:
    """`VmRSS` (now) or `VmHWM` (peak) of this process (not `ru_maxrss`: Linux carries the
    parent's peak into a forked child)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


async def child_main(url: str, seconds: float, answer_bound: float) -> dict[str, Any]:
    from textual import events

    from pieces_tui.cli import create_app
    from pieces_tui.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            url=url, settings=Settings(path=Path(tmp) / "config.json"), discover_hosts=False
        )
        displays: list[float] = []
        display = app._display

        def counting_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None:
                displays.append(time.monotonic())

        app._display = counting_display  # type: ignore[method-assign]
        samples: list[tuple[float, float]] = []  # (pressed at, keypress-to-paint)
        unanswered = 0
        async with app.run_test(size=(100, 30)) as pilot:
            listing = app.main_screen.conversation_list

            async def press(key: str) -> float | None:
                """Post `key` as the driver would; seconds until the paint that shows it."""
                before = listing.highlighted_id
                pressed = time.monotonic()
                app.post_message(events.Key(key, None))
                moved: float | None = None
                while time.monotonic() - pressed < answer_bound:
                    if moved is None and listing.highlighted_id != before:
                        moved = time.monotonic()
                    if moved is not None and displays and displays[-1] >= moved:
                        return displays[-1] - pressed
                    await asyncio.sleep(0.001)
                return None

            deadline = time.monotonic() + 60
            while len(app.store) < CONVERSATIONS or listing.row_count < CONVERSATIONS:
                if time.monotonic() > deadline:
                    raise RuntimeError("the list did not load")
                await pilot.pause(0.05)
            for key in ("down", "up", "down", "up"):  # first-use costs, before the flood
                await press(key)
            await pilot.pause(0.3)
            print("loaded", flush=True)
            until = time.monotonic() + seconds
            down = True
            while time.monotonic() < until:
                pressed = time.monotonic()
                took = await press("down" if down else "up")
                down = not down
                if took is None:
                    unanswered += 1
                else:
                    samples.append((pressed, took))
                await asyncio.sleep(max(0.0, KEY_EVERY - (time.monotonic() - pressed)))
            rows = len(app.store)
        return {
            "peak_mb": round(status_mb("VmHWM"), 1),
            "samples": samples,
            "unanswered": unanswered,
            "rows": rows,
        }


# -- the parent --------------------------------------------------------------------------------


def quantiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def run_flood(kind: str, seconds: float, answer_bound: float = 30.0) -> dict[str, Any]:
    """One flood against a fresh server and app: the child's figures, split by flood phase."""
    from pieces_tui.client import PiecesClient
    from pieces_tui.server import EmbeddedServer

    with tempfile.TemporaryDirectory() as tmp, EmbeddedServer(Path(tmp) / "f.db") as server:
        async with PiecesClient(server.url) as client:
            for n in range(CONVERSATIONS):
                await client.create_conversation(f"conversation {n}")
            ids = [c.id for c in await client.conversations()]
        flood = Flood(kind, ids)
        async with front(server.url, flood) as url:
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.app_floods",
                "--child",
                url,
                "--seconds",
                str(seconds),
                "--answer-bound",
                str(answer_bound),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=CHECKOUT,
            )
            assert child.stdout is not None and child.stderr is not None
            # Read beside stdout (a full pipe would block the child); tracebacks of tasks that
            # failed unseen land here as the child quits.
            stderr = asyncio.create_task(child.stderr.read())
            try:
                line = await asyncio.wait_for(child.stdout.readline(), 120)
                if line.strip() != b"loaded":
                    raise RuntimeError(f"the app did not load: {line!r}")
                flood.go.set()
                line = await asyncio.wait_for(child.stdout.readline(), seconds + 300)
                if await asyncio.wait_for(child.wait(), 60) != 0:
                    raise RuntimeError("the app's child failed")
            finally:
                if child.returncode is None:
                    child.kill()
                    await child.wait()
            errors = (await stderr).decode(errors="replace")
    report = json.loads(line)
    started, ended = flood.started or 0.0, flood.ended or float("inf")
    if kind == "none":
        started, ended = 0.0, float("inf")  # every sample is the reference's
    during = [lat for at, lat in report["samples"] if started <= at <= ended]
    after = [lat for at, lat in report["samples"] if at > ended]
    return {
        "flood": kind,
        "flood_s": round(ended - started, 2) if flood.ended and kind != "none" else None,
        "frames_sent": flood.frames,
        "connections": flood.connections,
        "peak_mb": report["peak_mb"],
        "unanswered": report["unanswered"],
        "rows": report["rows"],
        "keys_during_flood": quantiles(during),
        "keys_after_flood": quantiles(after),
        "stderr": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.app_floods")
    parser.add_argument("--seconds", type=float, default=6.0, help="how long keys are pressed")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", choices=["none", "huge", "new", "known"], default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--answer-bound", type=float, default=30.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        report = asyncio.run(child_main(args.child, args.seconds, args.answer_bound))
        print(json.dumps(report), flush=True)
        return 0
    print(f"load {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores", flush=True)
    kinds = [args.only] if args.only else ["none", "huge", "new", "known"]
    for run in range(args.runs):
        for kind in kinds:
            report = asyncio.run(run_flood(kind, args.seconds))
            sys.stderr.write(report.pop("stderr"))
            print(f"run {run + 1}:", report, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
