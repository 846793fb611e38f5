"""Start-up stays lean: heavy modules are imported only by the paths that need them.

Each check runs in a fresh interpreter (this test process has imported everything already)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer
from pieces_tui.state.snapshot import HEAD

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


# The first frame (the list, painted from its snapshot when there is one) needs no network stack
# and no pydantic: the connect worker imports them once the app's `Ready` event (first frame
# displayed) was handled. The message hook sees `Ready` before any handler runs.
NETWORK = ("httpx", "websockets", "pydantic", "msgspec", "pieces_tui.client.http")

FIRST_FRAME = textwrap.dedent(
    """
    import asyncio, gc, json, os, sys
    from pathlib import Path

    from textual import events

    from pieces_tui.cli import create_app
    from pieces_tui.config import Settings
    from pieces_tui.state.snapshot import save_snapshot
    from pieces_tui.state.store import ConversationSummary
    from pieces_tui.timefmt import utc_now

    folder, watched = Path(sys.argv[1]), sys.argv[2:]
    url = "http://127.0.0.1:9"  # nothing listens: the app gets no further than trying
    now = utc_now()
    count = int(os.environ.get("FIRST_FRAME_ROWS", "50"))
    rows = [ConversationSummary(f"c{k}", f"Saved {k}", now, now, 1, "COPILOT")
            for k in range(count)]
    save_snapshot(url, rows, folder / "cache" / "pieces-tui" / "lists")
    # What the test reads back: the modules loaded when the first frame was out, whether that
    # frame held the saved list, what the detail pane had built, the garbage collector's state;
    # then the same a moment after that frame.
    seen: dict[str, object] = {}

    def pane() -> dict[str, object]:
        detail = app.main_screen.detail
        sources = app.stylesheet.source
        return {
            "children": len(detail.children),
            "detail_css": any(path.endswith("detail.tcss") for path, _ in sources),
            "gc": gc.isenabled(),
        }

    def hook(message: object) -> None:
        if isinstance(message, events.Ready) and not seen:
            seen["loaded"] = " ".join(name for name in watched if name in sys.modules) or "-"
            seen["rows"] = len(app.store)
            seen["first_frame"] = pane()

    async def main() -> None:
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while not seen and loop.time() < deadline:
                await pilot.pause(0.01)
            while "httpx" not in sys.modules and loop.time() < deadline:
                await pilot.pause(0.01)  # and the worker does load it after that frame
            while not app.main_screen.detail.built and loop.time() < deadline:
                await pilot.pause(0.01)
            seen["later"] = "httpx" in sys.modules
            seen["after"] = pane()
        print(json.dumps(seen))

    app = create_app(url=url, discover_hosts=False, settings=Settings(path=folder / "c.json"))
    asyncio.run(main())
    """
)


def first_frame(tmp_path: Path, modules: Sequence[str], **env: str) -> dict[str, Any]:
    """Run FIRST_FRAME in a fresh interpreter: which of `modules` were imported before the
    first frame, how many rows it painted, the pane and the collector then and a moment later,
    and whether httpx was imported later."""
    result = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, str(tmp_path), *modules],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **env},
    )
    assert result.returncode == 0, result.stderr
    seen: dict[str, Any] = json.loads(result.stdout)
    return seen


@pytest.mark.timeout(120)
def test_the_first_frame_imports_no_network_stack_nor_pydantic(tmp_path: Path) -> None:
    seen = first_frame(tmp_path, NETWORK)
    assert seen["loaded"] == "-", f"imported before the first frame: {seen['loaded']}"
    assert seen["rows"] == 50  # that frame had the saved list to paint
    assert seen["later"] is True  # the network stack did load after it


def test_every_name_of_the_client_package_resolves_and_loads_only_its_module() -> None:
    code = textwrap.dedent(
        """
        import sys
        import pieces_tui.client as client

        assert "pieces_tui.client.errors" not in sys.modules
        client.PiecesError
        print(" ".join(m for m in ("httpx", "websockets", "pydantic") if m in sys.modules))
        for name in client.__all__:
            getattr(client, name)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


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


# What the first frame does not show is not imported for it either (issue 13, w4-start): the
# dialogs, the connect and help screens, the palette's entries, the search panel (mounted after
# that frame), the detail loader, the delete queue, and pygments (which a dialog's highlighter
# pulls in). The snapshot is larger than its decoded head: the frame counts every row.
NOT_SHOWN = (
    "pieces_tui.screens.connect",
    "pieces_tui.screens.new_conversation",
    "pieces_tui.screens.rename",
    "pieces_tui.screens.confirm_delete",
    "pieces_tui.screens.favorites",
    "pieces_tui.screens.help",
    "pieces_tui.screens.main_commands",
    "pieces_tui.screens.search_panel",
    "pieces_tui.widgets.search_results",
    "pieces_tui.screens.export",
    "pieces_tui.detail_loader",
    "pieces_tui.state.deletes",
    "pygments",
)


@pytest.mark.timeout(120)
def test_the_first_frame_imports_nothing_it_does_not_show(tmp_path: Path) -> None:
    seen = first_frame(tmp_path, NOT_SHOWN, FIRST_FRAME_ROWS=str(HEAD + 100))
    assert seen["loaded"] == "-", f"imported before the first frame: {seen['loaded']}"
    assert seen["rows"] == HEAD + 100


# Nor built or styled (issue 13, w5-start): the first frame's detail pane is its placeholder
# only, and detail.tcss (its sections' styles) is not parsed for it; both come right after it.
# No cyclic collection runs until that frame is out; the collector is back on after it.
@pytest.mark.timeout(120)
def test_the_first_frame_builds_only_the_detail_placeholder_and_collects_no_garbage(
    tmp_path: Path,
) -> None:
    seen = first_frame(tmp_path, ())
    assert seen["first_frame"] == {"children": 1, "detail_css": False, "gc": False}
    assert seen["after"] == {"children": 9, "detail_css": True, "gc": True}


# Without a snapshot, the list comes from the bulk load: the client is built, the stream
# connected and the list loaded and read without pydantic or our models (they are for the full
# conversation, which the pane fetches once the list is in: RESULTS.md, "second pass"). A store
# subscriber sees the bulk load land, before anything else runs on the loop.
MODELS = ("pydantic", "pieces_tui.client.models", "pieces_tui.client.assets")

BULK_LOAD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path

    from pieces_tui.cli import create_app
    from pieces_tui.config import Settings

    url, config, watched = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    seen: list[str] = []

    def landed(change: object) -> None:
        if not seen and len(change.added) >= 3:
            seen.append(" ".join(name for name in watched if name in sys.modules) or "-")
            seen.append(str(len(app.store)))

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while not (seen and app.connection.loaded) and loop.time() < deadline:
                await pilot.pause(0.01)
            while "pydantic" not in sys.modules and loop.time() < deadline:
                await pilot.pause(0.01)  # the pane's fetch does load it, after the list
        print(*seen, "pydantic" in sys.modules)

    app = create_app(url=url, discover_hosts=False, settings=Settings(path=config))
    app.store.subscribe(landed)
    asyncio.run(main())
    """
)


@pytest.mark.timeout(120)
def test_the_bulk_load_without_a_snapshot_imports_no_pydantic(
    server: EmbeddedServer, tmp_path: Path
) -> None:
    async def seed() -> None:
        async with PiecesClient(server.url) as client:
            for k in range(3):
                await client.create_conversation(f"Bulk {k}", [("USER", "hello")])

    asyncio.run(seed())
    result = subprocess.run(
        [sys.executable, "-c", BULK_LOAD, server.url, str(tmp_path / "c.json"), *MODELS],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded, rows, later = result.stdout.split()
    assert loaded == "-", f"imported before the bulk load landed: {loaded}"
    assert rows == "3"
    assert later == "True"  # the pane's fetch of the first conversation did import them
