"""Run the real `pieces-tui` executable (the console script of this environment)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

EXECUTABLE = Path(sys.executable).parent / "pieces-tui"
TIMEOUT = 60  # seconds for one command on a loaded 2-core machine; they take ~1-2 s


@dataclass
class Result:
    code: int
    out: str
    err: str


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PIECES_OS_URL", "COLUMNS"}}
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    """Run `pieces-tui ARGS` with stdout piped (not a terminal)."""
    done = subprocess.run(
        [str(EXECUTABLE), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env if env is not None else clean_env(),
        cwd=cwd,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def run_cli_on_a_terminal(*args: str, columns: int = 120) -> Result:
    """Run `pieces-tui ARGS` with stdout on a pseudo-terminal (stderr piped)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [str(EXECUTABLE), *args],
        stdout=slave,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=clean_env(COLUMNS=str(columns)),
    )
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], TIMEOUT)
            if not ready:
                raise AssertionError(f"no output within {TIMEOUT} s")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(TIMEOUT)
        err = process.stderr.read().decode() if process.stderr else ""
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    out = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return Result(code, out, err)


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on (the port was free a moment ago)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
