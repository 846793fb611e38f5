"""`pieces-tui serve --signed-out --port P` as a user runs it (a subprocess): with P taken, it
says which port of 39300-39333 it took, and it answers as Pieces OS with nobody signed in."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from pieces_tui.server.runner import PIECES_PORTS

READY_WITHIN = 60

# Binds in Pieces OS's own port range: one worker for all such tests (pyproject `--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("pieces-os-ports")


def test_serve_signed_out_on_a_taken_port(tmp_path: Path) -> None:
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    for port in PIECES_PORTS:
        try:
            holder.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    else:
        pytest.skip("every port of 39300-39333 is taken on this machine")
    holder.listen()
    command = [sys.executable, "-m", "pieces_tui", "serve", "--signed-out", "--demo"]
    command += ["--port", str(port), "--db", str(tmp_path / "s.db")]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("listening on"):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(READY_WITHIN), f"no 'listening on' within {READY_WITHIN} s: {lines}"
        taken = [line for line in lines if "is taken" in line]
        assert taken and f"port {port} is taken" in taken[0]
        url = lines[-1].split()[2]
        used = int(url.rsplit(":", 1)[1])
        assert used != port and used in PIECES_PORTS
        assert f"using {used}" in taken[0]
        assert "signed out" in lines[-1]
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/.well-known/health").status_code == 200
            assert http.get("/.well-known/version").text.startswith("12.")
            assert http.get("/user").json() == {"user": None}
            refused = http.get("/conversations")
            assert refused.status_code == 401 and "signed in" in refused.text
    finally:
        proc.terminate()
        proc.wait(30)
        holder.close()
