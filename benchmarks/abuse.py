"""The server under abuse (issue 12): many clients, slow sockets, many stream clients.

    python -m benchmarks.abuse [--runs 3] [--clients 200] [--slow 500] [--stream-clients 2000]
    python -m benchmarks.abuse --quick        # smaller and one run (about a minute)
    python -m benchmarks.abuse --code /work/main   # the same against another checkout

Each figure is measured against `pieces-tui serve` in its own process (so this process's clients
do not share its interpreter lock), on loopback, bounded in count and time:

- load: `--clients` concurrent clients (one raw keep-alive connection each), each making 20
  requests (create, rename it, add a message, read it, list the ids; every 5th client also the
  bulk `GET /conversations`) against
  a server seeded with 1,000 conversations. Latency p50/p99 per request, 5xx count, and writes
  lost: acknowledged creates, renames and messages missing from the file afterwards.
- slowloris: `--slow` sockets held open (half silent, half trickling a request head) against a
  server started with a 1,024-descriptor limit, while 20 ordinary clients keep reading. The
  ordinary clients' p50/p99, and how many slow sockets are still open 2 s after the request
  timeout (10 s).
- fan-out: `--stream-clients` WebSocket clients on the identifier stream, then 50 sequential
  renames; the server process's CPU time per write, with and without the stream clients (the
  server's event loop does the fan-out, so the difference is its loop time per write), and the
  time until every client had the frame.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
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
from websockets.asyncio.client import connect

TICK = os.sysconf("SC_CLK_TCK")
REQUEST_TIMEOUT = 10.0  # the server's default (limits.py)
BULK = True  # --no-bulk: leave the bulk GET /conversations out of the load mix


@contextlib.contextmanager
def serve(
    db: Path, *, seed: int = 0, fd_limit: int | None = None, code: str | None = None
) -> Iterator[tuple[str, int]]:
    """`pieces-tui serve` on a free port: (url, pid)."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code

    def limit() -> None:
        if fd_limit:
            resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    command = [sys.executable, "-m", "pieces_tui", "serve", "--port", "0", "--db", str(db)]
    if seed:
        command += ["--seed", str(seed)]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=code,  # `-m` puts the working directory first on sys.path, before PYTHONPATH
        preexec_fn=limit,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"server did not start: {line!r}")
        yield line.split()[2], proc.pid
    finally:
        proc.terminate()
        proc.wait(60)
        if proc.stdout is not None:
            proc.stdout.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "max_ms": ordered[-1] * 1000,
        "n": len(ordered),
    }


# -- load --------------------------------------------------------------------------------------


class RawClient:
    """One keep-alive HTTP/1.1 connection with next to no client-side work: on a loaded 2-core
    machine httpx's own CPU per request (~7 ms) would dominate the figures, not the server's."""

    def __init__(self, url: str) -> None:
        self.host, _, port = url.removeprefix("http://").partition(":")
        self.port = int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        if data:
            head += "Content-Type: application/json\r\n"
        head += f"Content-Length: {len(data)}\r\n\r\n"
        self.writer.write(head.encode() + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                close = True
        payload = await self.reader.readexactly(length)
        if close:
            await self.aclose()
        return status, payload

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def one_client(
    url: str,
    n: int,
    lat: list[float],
    acked: dict[str, Any],
    errors: list[int],
    by_kind: dict[str, list[float]] | None = None,
) -> None:
    http = RawClient(url)

    async def timed(method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        started = time.perf_counter()
        status, payload = await http.request(method, path, body)
        took = time.perf_counter() - started
        lat.append(took)
        if by_kind is not None:
            kind = f"{method} {path if path.count('/') < 2 else path.rsplit('/', 1)[0] + '/…'}"
            by_kind.setdefault(kind, []).append(took)
        if status >= 500:
            errors.append(status)
        return status, payload

    try:
        for round_ in range(4):
            status, payload = await timed(
                "POST", "/conversations/create", {"name": f"c{n}-{round_}"}
            )
            if status != 200:
                continue
            cid = json.loads(payload)["id"]
            acked[cid] = {"name": f"c{n}-{round_}", "messages": 0}
            status, _ = await timed("POST", "/conversation/update", {"id": cid, "name": f"r{n}"})
            if status == 200:
                acked[cid]["name"] = f"r{n}"
            body = {
                "role": "USER",
                "fragment": {"string": {"raw": f"hello {n}"}},
                "conversation": {"id": cid},
            }
            if (await timed("POST", "/messages/create", body))[0] == 200:
                acked[cid]["messages"] += 1
            await timed("GET", f"/conversation/{cid}")
            if BULK and n % 5 == 0 and round_ == 0:
                await timed("GET", "/conversations")
            else:
                await timed("GET", "/conversations/identifiers")
    finally:
        await http.aclose()


async def load(
    url: str, clients: int, by_kind: dict[str, list[float]] | None = None
) -> tuple[list[float], dict[str, Any], list[int]]:
    lat: list[float] = []
    acked: dict[str, Any] = {}
    errors: list[int] = []
    await asyncio.gather(*(one_client(url, n, lat, acked, errors, by_kind) for n in range(clients)))
    return lat, acked, errors


def lost_writes(db: Path, acked: dict[str, Any]) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = {
            cid: (name, count)
            for cid, name, count in conn.execute(
                "SELECT c.id, c.name, (SELECT count(*) FROM messages m"
                " WHERE m.conversation_id = c.id) FROM conversations c"
            )
        }
    conn.close()
    lost = 0
    for cid, want in acked.items():
        if cid not in rows:
            lost += 1 + want["messages"]
            continue
        name, count = rows[cid]
        lost += int(name != want["name"]) + max(0, want["messages"] - count)
    return lost


def run_load(clients: int, code: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.db"
        with serve(db, seed=1000, code=code) as (url, pid):
            time.sleep(1.0)  # the row cache's first body is built in the background
            by_kind: dict[str, list[float]] = {}
            started = time.perf_counter()
            cpu_before = cpu_seconds(pid)
            lat, acked, errors = asyncio.run(load(url, clients, by_kind))
            wall = time.perf_counter() - started
            cpu = cpu_seconds(pid) - cpu_before
        return {
            **quantiles(lat),
            "wall_s": wall,
            "server_cpu_ms_per_request": cpu / len(lat) * 1000,
            "p50_p99_ms_by_request": {
                kind: f"{quantiles(v)['p50_ms']:.0f}/{quantiles(v)['p99_ms']:.0f}"
                for kind, v in by_kind.items()
            },
            "5xx": len(errors),
            "writes_acked": len(acked) * 2 + sum(a["messages"] for a in acked.values()),
            "writes_lost": lost_writes(db, acked),
        }


# -- slowloris ---------------------------------------------------------------------------------


async def ordinary(url: str, until: float, lat: list[float], failures: list[str]) -> None:
    http = RawClient(url)
    try:
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                status, _ = await http.request("GET", "/conversations/identifiers")
            except (OSError, asyncio.IncompleteReadError) as exc:
                failures.append(type(exc).__name__)
                await http.aclose()
                await asyncio.sleep(0.05)
                continue
            if status != 200:
                failures.append(str(status))
            lat.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)
    finally:
        await http.aclose()


def still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return False
    except BlockingIOError:
        return True
    except OSError:
        return False


def run_slowloris(count: int, code: str | None) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(Path(tmp) / "slow.db", seed=100, fd_limit=1024, code=code) as (url, _),
    ):
        port = int(url.rsplit(":", 1)[1])
        slow = []
        for n in range(count):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            except OSError:
                break
            if n % 2:
                sock.sendall(b"GET /conversations HTTP/1.1\r\nHost: localhost\r\n")
            slow.append(sock)
        opened = time.monotonic()
        lat: list[float] = []
        failures: list[str] = []

        async def clients() -> None:
            until = time.monotonic() + 8
            await asyncio.gather(*(ordinary(url, until, lat, failures) for _ in range(20)))

        asyncio.run(clients())
        time.sleep(max(0.0, opened + REQUEST_TIMEOUT + 2 - time.monotonic()))
        held = sum(still_open(sock) for sock in slow)
        for sock in slow:
            sock.close()
        return {**quantiles(lat or [0.0]), "slow_opened": len(slow), "slow_still_open": held,
                "ordinary_failures": len(failures)}  # fmt: skip


# -- fan-out -----------------------------------------------------------------------------------


async def fanout(url: str, pid: int, clients: int, writes: int) -> dict[str, Any]:
    ws_url = url.replace("http://", "ws://") + "/conversations/stream/identifiers"
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=60))
        cid = (await http.post("/conversations/create", json={"name": "x"})).json()["id"]
        got: dict[int, int] = {}
        sockets = []
        for _ in range(clients):
            sockets.append(await stack.enter_async_context(connect(ws_url, max_size=None)))

        async def reader(ws: Any) -> None:
            async for message in ws:
                if "marker" in message or cid in message:
                    got[id(ws)] = got.get(id(ws), 0) + 1

        tasks = [asyncio.create_task(reader(ws)) for ws in sockets]
        await asyncio.sleep(1.0)  # the snapshots are out
        got.clear()
        everyone: list[float] = []
        cpu_before = cpu_seconds(pid)
        for n in range(writes):
            sent = time.perf_counter()
            await http.post("/conversation/update", json={"id": cid, "name": f"n{n}"})
            if clients:
                deadline = time.monotonic() + 60
                while sum(1 for v in got.values() if v > n) < clients:
                    if time.monotonic() > deadline:
                        raise RuntimeError("clients did not get the frame")
                    await asyncio.sleep(0.001)
            everyone.append(time.perf_counter() - sent)
        cpu = cpu_seconds(pid) - cpu_before
        for task in tasks:
            task.cancel()
        return {"cpu_ms_per_write": cpu / writes * 1000, **quantiles(everyone)}


def run_fanout(clients: int, code: str | None) -> dict[str, Any]:
    out: dict[int, Any] = {}
    for count in (0, clients):
        with (
            tempfile.TemporaryDirectory() as tmp,
            serve(Path(tmp) / "f.db", code=code) as (
                url,
                pid,
            ),
        ):
            out[count] = asyncio.run(fanout(url, pid, count, 50))
    return {
        "clients": clients,
        "server_cpu_ms_per_write_0_clients": out[0]["cpu_ms_per_write"],
        f"server_cpu_ms_per_write_{clients}_clients": out[clients]["cpu_ms_per_write"],
        "loop_ms_per_write_for_fanout": out[clients]["cpu_ms_per_write"]
        - out[0]["cpu_ms_per_write"],
        "write_to_all_clients_p50_ms": out[clients]["p50_ms"],
        "write_to_all_clients_p99_ms": out[clients]["p99_ms"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.abuse")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--slow", type=int, default=500)
    parser.add_argument("--stream-clients", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["load", "slowloris", "fanout"], default=None)
    parser.add_argument("--code", default=None, help="run the server from this checkout")
    parser.add_argument("--no-bulk", action="store_true", help="no bulk GET in the load mix")
    args = parser.parse_args(argv)
    global BULK
    BULK = not args.no_bulk
    if args.quick:
        args.runs, args.clients, args.slow, args.stream_clients = 1, 50, 100, 200
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))  # our own clients
    print(f"load {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores", flush=True)
    for run in range(args.runs):
        if args.only in (None, "load"):
            print(f"run {run + 1} load {args.clients} clients:", run_load(args.clients, args.code))
        if args.only in (None, "slowloris"):
            print(f"run {run + 1} slowloris {args.slow}:", run_slowloris(args.slow, args.code))
        if args.only in (None, "fanout"):
            print(f"run {run + 1} fan-out:", run_fanout(args.stream_clients, args.code))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
