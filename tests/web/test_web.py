"""`pieces-tui web`: the guard, the missing-extra message, and the app in a real browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.browser import (
    EXECUTABLE,
    browser_missing,
    chromium_page,
    get,
    press,
    running_web,
    screen_text,
    wait_for_text,
)

needs_textual_serve = pytest.mark.skipif(
    not __import__("importlib").util.find_spec("textual_serve"),
    reason="textual-serve is not installed (pip install -e '.[web]')",
)


def test_a_missing_extra_says_how_to_install_it() -> None:
    # Hides textual-serve from this one process, as if the extra were not installed.
    probe = (
        "import sys; sys.modules['textual_serve'] = sys.modules['textual_serve.server'] = None;"
        "from pieces_tui.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "web", "--demo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 6
    assert done.stderr == (
        "pieces-tui web: error: web mode needs textual-serve, an optional extra: "
        "pip install 'pieces-tui[web]'\n"
    )


def test_bad_input_is_one_line() -> None:
    for args, says in [
        (["--port", "70000"], "--port must be at most 65535"),
        (["--demo", "--url", "http://127.0.0.1:1"], "not allowed with argument"),
        (["--url", "file:///etc"], "--url must start with http(s)://"),
    ]:
        done = subprocess.run(
            [str(EXECUTABLE), "web", *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


@needs_textual_serve
def test_a_taken_port_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(EXECUTABLE), "web", "--url", "http://127.0.0.1:1", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert f"pieces-tui web: error: cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


@needs_textual_serve
def test_foreign_hosts_and_origins_are_refused() -> None:
    # Sessions are never started here (no WebSocket succeeds), so the URL need not answer.
    with running_web("--url", "http://127.0.0.1:1") as url:
        port = url.rsplit(":", 1)[1]
        status, body = get(url + "/")
        assert status == 200 and "ws://127.0.0.1:" in body
        assert get(url + "/", {"Host": f"localhost:{port}"})[0] == 200
        status, body = get(url + "/", {"Host": "evil.example"})  # DNS rebinding
        assert status == 403 and "Host 'evil.example' is not allowed" in body
        assert "pieces-tui web --allow-host" in body
        status, body = get(url + "/ws", {"Origin": "http://evil.example"})  # a foreign page
        assert status == 403 and "cross-origin request from 'http://evil.example'" in body
        status, _ = get(url + "/static/js/textual.js", {"Origin": "null"})
        assert status == 403
        upgrade = {
            "Origin": "https://evil.example",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        assert get(url + "/ws", upgrade)[0] == 403


@needs_textual_serve
def test_an_allowed_host_name_passes() -> None:
    with running_web("--url", "http://127.0.0.1:1", "--allow-host", "pieces.test") as url:
        port = url.rsplit(":", 1)[1]
        assert get(url + "/", {"Host": "pieces.test:8000"})[0] == 200
        # A page of this web server on the allowed name carries its port (server/guard.py); the
        # same name on another port is another site, as for the embedded server.
        assert get(url + "/", {"Origin": f"http://pieces.test:{port}"})[0] == 200
        assert get(url + "/", {"Origin": "http://pieces.test:1"})[0] == 403
        assert get(url + "/", {"Host": "other.test"})[0] == 403


def test_the_app_in_headless_chromium(tmp_path: Path) -> None:
    missing = browser_missing()
    if missing is not None:
        if os.environ.get("PIECES_TUI_BROWSER_TEST") == "required":  # set by .ci/run
            pytest.fail(f"the browser test must run in CI: {missing}")
        pytest.skip(missing)
    with running_web("--demo") as url, chromium_page(tmp_path / "profile") as page:
        page.goto(url + "/")
        wait_for_text(page, "Typed debounce hook for React")  # the second demo conversation
        press(page, "j", "Enter")
        # Its first message, rendered as Markdown in the detail pane.
        wait_for_text(page, "Write a useDebouncedValue hook in TypeScript.")
        wait_for_text(page, "export function useDebouncedValue<T>(value: T")  # the reply's code
        screen = screen_text(page)
        assert "Typed debounce hook for React" in screen
        assert "claude-3-5-sonnet" in screen  # its model, in the metadata
        page.screenshot(path=str(tmp_path / "web.png"))
        # Export: in web mode the dialog has no folder; the file arrives as a download.
        press(page, "e")
        wait_for_text(page, "Export 1 conversation")
        wait_for_text(page, "The browser downloads the file.")
        with page.expect_download(timeout=60_000) as download_info:
            press(page, "Tab", "Tab", "Enter")  # format -> Cancel -> Export
        download = download_info.value
        assert download.suggested_filename == "Typed debounce hook for React.md"
        saved = tmp_path / "download.md"
        download.save_as(str(saved))
    assert (tmp_path / "web.png").stat().st_size > 0
    assert saved.read_text(encoding="utf-8").startswith("# Typed debounce hook for React")
