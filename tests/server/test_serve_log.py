"""`pieces-tui serve` as a user runs it (a subprocess): one log line per WebSocket connection."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import websockets

READY_WITHIN = 60


def test_serve_logs_each_websocket_once(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pieces_tui", "serve", "--demo", "--port", "0"]
    command += ["--db", str(tmp_path / "s.db")]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    out: list[str] = []
    err: list[str] = []
    ready = threading.Event()
    barrier = threading.Event()

    def read_out() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            if line.startswith("listening on"):
                ready.set()

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err.append(line)
            if "GET /.well-known/health" in line:
                barrier.set()

    threading.Thread(target=read_out, daemon=True).start()
    threading.Thread(target=read_err, daemon=True).start()
    try:
        assert ready.wait(READY_WITHIN), f"no 'listening on' within {READY_WITHIN} s: {out}"
        url = out[-1].split()[2]

        async def one_stream() -> None:
            path = url.replace("http://", "ws://") + "/conversations/stream/identifiers"
            async with websockets.connect(path) as socket:
                await socket.recv()

        asyncio.run(one_stream())
        # A request after the stream closed: its line comes after every line about the stream.
        httpx.get(url + "/.well-known/health", timeout=10)
        assert barrier.wait(READY_WITHIN), err
        about = [line for line in err if "stream" in line or "connection" in line.lower()]
        assert len(about) == 1, err
        assert "WS /conversations/stream/identifiers 101" in about[0]
    finally:
        proc.terminate()
        proc.wait(30)
