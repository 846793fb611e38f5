"""`pieces-tui serve` stops on SIGTERM and Ctrl+C whenever the signal lands (shutdown.py).

The old handler called `threading.Event.set()` and hung when the signal arrived while the main
thread was inside `Event.wait` holding the same lock. The forced-timing tests below deliver the
signal at the worst instants of the new wait: after its flag check and before it blocks, and
while it blocks."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from pieces_tui.server import shutdown
from pieces_tui.server.shutdown import StopSignal

BOUND = 30.0  # a wait that would block this long means the signal was lost


def test_a_signal_between_the_check_and_the_block_still_wakes_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_select = select.select

    def signal_then_select(*args: Any) -> Any:
        # Forced timing: the signal arrives once wait() has found no stop request and is about
        # to block. A wait that relied on the handler to wake it would now sleep BOUND seconds.
        signal.raise_signal(signal.SIGTERM)
        return real_select(*args)

    with StopSignal() as stop:
        monkeypatch.setattr(shutdown.select, "select", signal_then_select)
        started = time.monotonic()
        assert stop.wait(BOUND)
        monkeypatch.undo()
    assert time.monotonic() - started < BOUND / 2
    assert stop.signum == signal.SIGTERM


def test_a_signal_while_blocked_wakes_the_wait() -> None:
    with StopSignal() as stop:
        assert not stop.wait(0.01)
        timer = threading.Timer(0.2, signal.pthread_kill, (threading.main_thread().ident, 2))
        timer.start()
        try:
            assert stop.wait(BOUND)
        finally:
            timer.cancel()
    assert stop.signum == signal.SIGINT


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    command = [sys.executable, "-m", "pieces_tui", "serve", "--port", "0"]
    proc = subprocess.Popen(
        [*command, "--db", str(tmp_path / "s.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("listening on")
        for _ in range(3):  # a burst, as a user pressing Ctrl+C repeatedly sends
            proc.send_signal(sig)
        assert proc.wait(timeout=BOUND) == 0
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert "shutting down" in err and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
