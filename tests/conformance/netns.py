"""Where the official Pieces CLI is, and how a session of it runs in a private network.

`PIECES_CLI` names the `pieces` executable of pieces-cli 1.20.1 (`.ci/run` installs it, with its
TUI extra, into a virtualenv of its own: it pins an older Textual than ours). Without it the CLI
tests skip, saying why, unless `PIECES_CLI_REQUIRED=1` (set by `.ci/run`) makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SESSION_TIMEOUT = 900


def _missing(reason: str) -> None:
    if os.environ.get("PIECES_CLI_REQUIRED") == "1":
        pytest.fail(f"PIECES_CLI_REQUIRED=1 but {reason}")
    pytest.skip(reason)


def pieces_cli() -> str:
    """The `pieces` executable, or skip (fail in CI) with the reason."""
    cli = os.environ.get("PIECES_CLI", "")
    if not cli:
        _missing("PIECES_CLI is not set (the path of pieces-cli 1.20.1's `pieces`; see .ci/run)")
    if not os.access(cli, os.X_OK):
        _missing(f"PIECES_CLI={cli} is not an executable")
    if shutil.which("unshare") is None or not netns_available():
        _missing("cannot make a private network namespace (`unshare -rn`) for the CLI")
    return cli


def need_tmux() -> None:
    if shutil.which("tmux") is None:
        _missing("tmux is not installed (.ci/run installs it)")


def netns_available() -> bool:
    try:
        done = subprocess.run(
            ["unshare", "-rn", "ip", "link", "set", "lo", "up"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_session(tmp: Path, db: Path, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Run `tests/conformance/session.py` in a fresh network namespace; its JSON report."""
    spec = {"db": str(db), "cli": pieces_cli(), "home": str(tmp / "home"), "steps": steps, **extra}
    spec_path = tmp / "session.json"
    spec_path.write_text(json.dumps(spec))
    inner = f"ip link set lo up && exec {sys.executable} -m tests.conformance.session {spec_path}"
    done = subprocess.run(
        ["unshare", "-rn", "sh", "-c", inner],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SESSION_TIMEOUT,
    )
    assert done.returncode == 0, f"session failed ({done.returncode}):\n{done.stderr[-4000:]}"
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report
