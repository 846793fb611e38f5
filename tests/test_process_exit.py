"""How the app's process ends, as a user meets it: a real `pieces-tui` on a pseudo-terminal.

Closing the terminal (SIGHUP) or `kill` (SIGTERM) quits as `q` does and the temporary demo
folder goes; `q` with a delete pending in its undo window sends it before the process ends (the
process skips the interpreter's teardown, which took about a second: benchmarks/quit.py)."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from pieces_tui.server import EmbeddedServer

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


class Terminal:
    """`pieces-tui ARGS` on a pseudo-terminal of 80x24; what it writes is kept in `seen`."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24", **env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pieces_tui", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.seen = bytearray()
        threading.Thread(target=drain, args=(self.master, self.seen), daemon=True).start()

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def hang_up(self) -> None:
        """The terminal goes away (its window closed, its tmux pane killed): the app's next
        writes fail."""
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(WITHIN)
        if self.master >= 0:
            os.close(self.master)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WITHIN
    while not condition():
        assert time.monotonic() < deadline, f"not within {WITHIN} s: {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_signal_removes_the_demo_folder(tmp_path: Path, number: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"TMPDIR": str(temp), "XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    terminal = Terminal(["--demo"], env)
    try:
        # The demo database exists, and the list has painted (the status bar has its count).
        wait_for(lambda: list(temp.glob("pieces-tui-demo-*/demo.db")), "the demo database")
        wait_for(lambda: b"conversations" in terminal.seen, "the status bar's count")
        terminal.proc.send_signal(number)
        terminal.proc.wait(WITHIN)
        assert not list(temp.glob("pieces-tui-demo-*")), list(temp.iterdir())
    finally:
        terminal.close()


def test_the_terminal_going_away_ends_the_app(tmp_path: Path) -> None:
    # Without a signal: the app is not the terminal's session leader here, so only its writes
    # tell it (they fail with EIO). Textual's writer thread died on the first failed write and
    # the app then hung on its full queue for ever, deaf to SIGTERM too.
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"TMPDIR": str(temp), "XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    terminal = Terminal(["--demo"], env)
    try:
        wait_for(lambda: b"conversations" in terminal.seen, "the status bar's count")
        terminal.hang_up()
        terminal.proc.wait(WITHIN)
        assert not list(temp.glob("pieces-tui-demo-*")), list(temp.iterdir())
    finally:
        terminal.close()


def test_q_sends_a_pending_delete_before_the_process_ends(
    tmp_path: Path, demo_server: EmbeddedServer
) -> None:
    config = tmp_path / "pieces-tui"
    config.mkdir()
    (config / "config.json").write_text('{"undo_seconds": 600}', encoding="utf-8")
    before = {c["id"] for c in httpx.get(demo_server.url + "/conversations").json()["iterable"]}
    env = {"XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    terminal = Terminal(["--url", demo_server.url], env)
    try:
        wait_for(lambda: b"live" in terminal.seen, "live")
        terminal.type("d")  # the dialog's default is Cancel: `l` moves to Delete
        wait_for(lambda: b"Cancel" in terminal.seen, "the delete dialog")
        terminal.type("l\r")
        wait_for(lambda: b"Deleted" in terminal.seen, "the undo toast")
        terminal.type("q")
        assert terminal.proc.wait(WITHIN) == 0
    finally:
        terminal.close()
    after = {c["id"] for c in httpx.get(demo_server.url + "/conversations").json()["iterable"]}
    assert len(after) == len(before) - 1 and after < before
    assert list((tmp_path / "cache").rglob("*")), "the list snapshot was written before exit"
