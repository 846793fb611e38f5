"""Start-up stays lean: heavy modules are imported only by the paths that need them.

Each check runs in a fresh interpreter (this test process has imported everything already)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A bare `pieces-tui` (no --demo) never needs the embedded server; a first frame (list and an
# empty detail pane) never needs the Markdown parser.
DEFERRED = ("uvicorn", "starlette", "markdown_it")

SCRIPT = textwrap.dedent(
    """
    import asyncio, socket, sys
    from pathlib import Path

    from pieces_tui.cli import create_app
    from pieces_tui.config import Settings

    with socket.socket() as sock:  # a loopback port on which nothing listens
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def main() -> None:
        app = create_app(url=url, discover_hosts=False, settings=Settings(path=Path(sys.argv[1])))
        async with app.run_test(size=(80, 24)) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while app.screen is app.main_screen and loop.time() < deadline:
                await pilot.pause(0.01)  # until the connect screen is up: frames were painted
            await pilot.pause()
        print(" ".join(name for name in DEFERRED if name in sys.modules))

    DEFERRED = sys.argv[2:]
    asyncio.run(main())
    """
)


@pytest.mark.timeout(120)
def test_a_bare_run_to_its_first_frames_imports_no_server_nor_markdown(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "config.json"), *DEFERRED],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported too early: {result.stdout.strip()}"


def test_the_client_package_imports_neither_the_state_nor_textual() -> None:
    # lint-imports checks our import graph; this checks what one import really loads. (Not
    # rich: httpx itself imports it, for its command line, whenever rich and click are installed.)
    code = (
        "import sys, pieces_tui.client; "
        "print(' '.join(m for m in ('pieces_tui.state', 'textual') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
