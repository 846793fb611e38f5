"""Helpers to run `pieces-tui web` and look at it in headless Chromium (the system's, through
Playwright's `executable_path`: no browser is ever downloaded). Used by the browser test and by
`python -m screenshots.web`."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EXECUTABLE = Path(sys.executable).parent / "pieces-tui"
CHROMIUM = os.environ.get("PIECES_TUI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
START_TIMEOUT = 60.0

# textual-serve draws the terminal on a canvas (xterm.js), so the text is not in the DOM. This
# init script catches the xterm.js `Terminal` as textual.js stores it (`this.terminal = ...`),
# so the test can read the screen the user sees from the terminal's own buffer.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer) { window.__piecesTerminal = value; }
  },
});
"""
SCREEN_TEXT = """() => {
  const terminal = window.__piecesTerminal;
  if (!terminal) { return ""; }
  const buffer = terminal.buffer.active;
  const rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


def browser_missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; .ci/run does)"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        return "textual-serve is not installed (pip install -e '.[web]')"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextlib.contextmanager
def running_web(*args: str) -> Iterator[str]:
    """`pieces-tui web --port P ARGS` running until the block ends; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(EXECUTABLE), "web", "--port", str(port), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its app sessions go with it at the end
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                raise AssertionError(f"pieces-tui web exited with {process.returncode}: {err}")
            with contextlib.suppress(OSError):
                if get(url + "/")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"pieces-tui web did not answer within {START_TIMEOUT} s")
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # any app session left behind
        if process.stderr is not None:
            process.stderr.close()


@contextlib.contextmanager
def chromium_page(profile: Path, width: int = 1280, height: int = 800) -> Iterator[Any]:
    """A page in headless system Chromium with a fresh profile at `profile`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height},
        )
        try:
            context.add_init_script(CATCH_TERMINAL)
            yield context.new_page()
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def wait_for_text(page: Any, text: str, timeout: float = 60.0) -> None:
    """Wait until `text` is on the terminal's screen in `page`."""
    page.wait_for_function(
        f"(text) => ({SCREEN_TEXT})().includes(text)", arg=text, timeout=timeout * 1000
    )


def screen_text(page: Any) -> str:
    text: str = page.evaluate(SCREEN_TEXT)
    return text


def press(page: Any, *keys: str) -> None:
    """Type keys into the terminal (its hidden textarea has the keyboard focus)."""
    page.focus(".xterm-helper-textarea")
    for key in keys:
        page.keyboard.press(key)
