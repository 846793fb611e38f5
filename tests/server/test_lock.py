"""One server per database (lock.py): a second one refuses with a clear message, also when two
`serve --seed` start at the same moment on an empty file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pieces_tui.server import EmbeddedServer
from pieces_tui.server.lock import DatabaseInUse

from .dbstate import integrity, table_counts


def test_a_second_server_on_the_same_database_refuses(tmp_path: Path) -> None:
    path = tmp_path / "one.db"
    with EmbeddedServer(path, demo=True) as first:
        second = EmbeddedServer(path)
        with pytest.raises(DatabaseInUse) as refused:
            second.start()
        message = str(refused.value)
        assert str(path) in message and f"pid {os.getpid()}" in message and first.url in message
        assert not second.running
        assert httpx.get(first.url + "/.well-known/health").text == "ok"
    with EmbeddedServer(path) as again:  # released on stop
        assert httpx.get(again.url + "/.well-known/health").text == "ok"


def test_two_seeded_starts_on_an_empty_database_at_once(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    command = [sys.executable, "-m", "pieces_tui", "serve", "--port", "0", "--db", str(path)]
    procs = [
        subprocess.Popen(
            [*command, "--seed", "300"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        # The loser exits by itself; the winner serves until told to stop.
        outcomes: dict[int, tuple[int | None, str]] = {}
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()  # "listening on ..." or EOF when it exits
            if line.startswith("listening on"):
                outcomes[proc.pid] = (None, line)
            else:
                outcomes[proc.pid] = (proc.wait(timeout=60), line)
        winners = [pid for pid, (code, _) in outcomes.items() if code is None]
        losers = [p for p in procs if outcomes[p.pid][0] is not None]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        loser = losers[0]
        assert loser.stderr is not None
        err = loser.stderr.read()
        assert loser.returncode == 1
        assert "in use by another pieces-tui server" in err and str(path) in err, err
        assert "Traceback" not in err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
    assert table_counts(path)["conversations"] == 300
    assert integrity(path) == ("ok", [])
