"""One session of the official Pieces CLI against the embedded server, in a private network.

Run by `netns.run_session` as `python -m tests.conformance.session SPEC.json` inside a fresh
network namespace (`unshare -rn`), where loopback is ours alone: the CLI finds Pieces OS by
probing 127.0.0.1:39300-39333 and takes the first that answers, so on a shared machine another
program's server in that range could otherwise answer instead of the fixture.

The session serves the fixture database on 39300 (the real EmbeddedServer, real sockets), then
runs each step of the spec in order: a CLI command (arguments, stdin) or a tmux interaction
(keys to send, text to wait for on the screen). After each step it records what the server then
holds, read through its own HTTP API. The report is one JSON document on stdout.

The CLI runs with its telemetry off: pieces-cli 1.20.1 initialises Sentry unconditionally (no
switch; `pieces/app.py`), so its HTTP(S) proxy is set to a closed loopback port (127.0.0.1:9)
with loopback exempted: Sentry's envelopes fail at once and nothing leaves the machine.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from pieces_tui.server import EmbeddedServer

PORT = 39300
NO_TELEMETRY = {
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost,::1",
    "no_proxy": "127.0.0.1,localhost,::1",
}


def cli_env(home: Path) -> dict[str, str]:
    """A clean HOME (the CLI keeps config and logs under the XDG data dir) and no telemetry."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        TERM="xterm-256color",
        COLUMNS="120",
        **NO_TELEMETRY,
    )
    return env


def server_state(url: str) -> list[dict[str, Any]]:
    """Conversations as the server holds them: id, name, message and annotation counts, newest
    first."""
    answer = httpx.get(f"{url}/conversations", timeout=30).json()
    return [
        {
            "id": item["id"],
            "name": item.get("name"),
            "messages": len(item["messages"]["iterable"]),
            "annotations": len(item["annotations"]["iterable"]),
        }
        for item in answer["iterable"]
    ]


def run_cli(step: dict[str, Any], cli: str, env: dict[str, str]) -> dict[str, Any]:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [cli, "--ignore-onboarding", *step["args"]],
            input=step.get("input", ""),
            capture_output=True,
            text=True,
            env=env,
            timeout=step.get("timeout", 180),
        )
        out = {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    except subprocess.TimeoutExpired as exc:
        out = {"rc": None, "stdout": _text(exc.stdout), "stderr": _text(exc.stderr)}
    out["seconds"] = round(time.monotonic() - started, 2)
    return out


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


class RequestCounter(logging.Handler):
    """Counts the distinct paths the server answered, from its one-line request log (for the
    benchmark: when has a client fetched every conversation)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self._lock = threading.Lock()
        self._paths: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        parts = record.getMessage().split(" ")
        if len(parts) >= 2:
            with self._lock:
                self._paths.add(f"{parts[0]} {parts[1]}")

    def reset(self) -> None:
        with self._lock:
            self._paths.clear()

    def count(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for path in self._paths if path.startswith(prefix))


class Tmux:
    """A tmux server of our own (`-L`, no user config) holding one session."""

    def __init__(self, name: str) -> None:
        self.base = ["tmux", "-L", name, "-f", "/dev/null"]

    def run(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=30)
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def wait_for(
        self,
        texts: list[str],
        within: float,
        started: float,
        served: Callable[[], bool] = lambda: True,
    ) -> tuple[bool, str, float]:
        """Poll the screen (and `served`) until every text is on it; (found, screen, seconds
        since `started`)."""
        screen = ""
        while time.monotonic() - started < within:
            screen = self.screen()
            if all(text in screen for text in texts) and served():
                return True, screen, time.monotonic() - started
            time.sleep(0.05)
        return False, screen, time.monotonic() - started


def run_tmux_step(
    step: dict[str, Any], tmux: Tmux, env: dict[str, str], counter: RequestCounter
) -> Any:
    """Optionally (re)start the session's program (`start`), send `keys`, then wait until the
    screen shows every `wait_for` text and, with `requests: [prefix, n]`, the server has answered
    `n` distinct paths starting with `prefix` since the start."""
    started = time.monotonic()
    if "start" in step:
        tmux.run("kill-session", "-t", "main")
        counter.reset()
        command = " ".join(
            [f"{key}={_quote(value)}" for key, value in env.items()]
            + [_quote(part) for part in step["start"]]
        )
        width, height = step.get("size", [160, 45])
        tmux.run("new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height))
        started = time.monotonic()
        tmux.run("send-keys", "-t", "main", f"exec env -i {command}", "Enter")
    for key in step.get("keys", []):
        tmux.run("send-keys", "-t", "main", key)
        time.sleep(step.get("key_pause", 0.3))
    prefix, wanted = step.get("requests", ["", 0])
    found, screen, seconds = tmux.wait_for(
        step.get("wait_for", []),
        step.get("timeout", 120),
        started,
        lambda: counter.count(prefix) >= wanted,
    )
    return {"found": found, "screen": screen, "seconds": round(seconds, 3)}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    home = Path(spec["home"])
    home.mkdir(parents=True, exist_ok=True)
    env = cli_env(home)
    report: dict[str, Any] = {"steps": []}
    tmux = Tmux(spec.get("tmux_name", "pieces-conformance"))
    counter = RequestCounter()
    server_log = logging.getLogger("pieces_tui.server")
    server_log.setLevel(logging.INFO)
    server_log.propagate = False
    server_log.addHandler(counter)
    with EmbeddedServer(
        spec["db"],
        port=PORT,
        seed=spec.get("seed", 0),
        signed_out=spec.get("signed_out", False),
        log_requests=True,
    ) as srv:
        report["url"] = srv.url
        report["before"] = server_state(srv.url)
        try:
            for step in spec["steps"]:
                if step.get("kind") == "tmux":
                    result = run_tmux_step(step, tmux, env, counter)
                else:
                    result = run_cli(step, spec["cli"], env)
                result["state"] = server_state(srv.url)
                report["steps"].append(result)
        finally:
            tmux.run("kill-server")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
