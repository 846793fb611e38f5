"""The scriptable commands never import Textual (nor the official SDK): they start fast and
work where only the client layer is wanted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pieces_tui.server import EmbeddedServer
from pieces_tui.server.demo import stable_id
from tests.commands.conftest import TIMEOUT, clean_env

PROBE = """
import sys
from pieces_tui.cli import main
try:
    code = main(sys.argv[1:])
finally:
    loaded = sorted({m.split(".")[0] for m in sys.modules} & {"textual", "pieces_os_client"})
    print("LOADED", loaded, file=sys.stderr)
raise SystemExit(code)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["show", stable_id("conversation", "py-retry")],
        ["show", stable_id("conversation", "py-retry"), "--format", "json"],
        ["export", stable_id("conversation", "py-retry")],
        ["show", "no-such-id"],
        ["search", "retry"],
    ],
)
def test_commands_do_not_import_textual(
    demo_server: EmbeddedServer, tmp_path: Path, args: list[str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args, "--url", demo_server.url],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=TIMEOUT,
    )
    assert done.returncode in {0, 1}, done.stderr
    assert "LOADED []" in done.stderr
