"""Closing the terminal (SIGHUP) or `kill` (SIGTERM) while `pieces-tui --demo` runs: the app
quits as `q` does and its temporary demo folder goes. A real process on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

WITHIN = 60


def drain(fd: int, seen: bytearray) -> None:
    """Read the app's output (a full pty would block it) until the terminal closes."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        seen.extend(chunk)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WITHIN
    while not condition():
        assert time.monotonic() < deadline, f"not within {WITHIN} s: {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_signal_removes_the_demo_folder(tmp_path: Path, number: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TERM": "xterm-256color", "COLUMNS": "80"}
    env |= {"LINES": "24", "XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pieces_tui", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    threading.Thread(target=drain, args=(master, seen), daemon=True).start()
    try:
        # The demo database exists, and the list has painted (the demo's first name shows).
        wait_for(lambda: list(temp.glob("pieces-tui-demo-*/demo.db")), "the demo database")
        wait_for(lambda: b"conversations" in seen, "the status bar's count")
        proc.send_signal(number)
        proc.wait(WITHIN)
        assert not list(temp.glob("pieces-tui-demo-*")), list(temp.iterdir())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WITHIN)
        os.close(master)
