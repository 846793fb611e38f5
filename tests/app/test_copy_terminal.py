"""`y` in the real app on a real pseudo-terminal: the bytes the terminal receives contain exactly
one OSC 52 sequence, the base64 of the message's Markdown source. No Textual seam is patched:
the app runs as `python -m pieces_tui` with its own Linux driver, as in a user's terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from .test_copy import QUESTION, copy_db, copy_server, osc52_of  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a Linux pseudo-terminal")


def read_until(fd: int, wanted: bytes, seen: bytearray, within: float, start: int = 0) -> bool:
    """Read what the app writes into `seen` until `wanted` is in it past `start`; False after
    `within` seconds."""
    deadline = time.monotonic() + within
    while seen.find(wanted, start) == -1:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            seen.extend(chunk)
    return True


def test_y_writes_one_osc52_sequence_to_the_terminal(copy_server, tmp_path: Path) -> None:  # noqa: F811
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TEXTUAL_ANIMATIONS": "none",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "pieces_tui", "--url", copy_server.url, "--no-cache"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    try:
        # The open conversation's first message is drawn: the pane can take the keys.
        assert read_until(master, b"How do I retry", seen, 90), bytes(seen[-400:])
        mark = len(seen)
        os.write(master, b"\t")
        # The pane has the focus once the footer offers its keys.
        assert read_until(master, b"Copy code", seen, 30, mark), bytes(seen[-400:])
        os.write(master, b"y")
        assert read_until(master, b"\x1b]52;", seen, 60), bytes(seen[-400:])
        start = seen.index(b"\x1b]52;")
        assert read_until(master, b"\x07", seen, 10, start), bytes(seen[start:][:400])
        end = seen.index(b"\x07", start)
        assert seen[start : end + 1].decode("ascii") == osc52_of(QUESTION)
        assert seen.count(b"\x1b]52;") == 1
        os.write(master, b"q")
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        os.close(master)
