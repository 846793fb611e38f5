"""The export dialog, driven through the Pilot against the embedded server over real sockets:
`e` opens it on the highlighted conversation, it writes the file and names it in a toast,
remembers the folder, fits small terminals, esc cancels without a partial file, and in web mode
hands the text to the browser."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from pilot_wait import Notices, wait_until
from textual.pilot import Pilot
from textual.widgets import Button, Input

from pieces_tui.app import PiecesApp
from pieces_tui.client import PiecesClient
from pieces_tui.config import Settings
from pieces_tui.screens.export import ExportScreen
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.demo import stable_id

from .conftest import loaded
from .test_snapshots import settle, still

RETRY = stable_id("conversation", "py-retry")
RETRY_NAME = "Retry with exponential backoff in Python"
LONG_FOLDER = (
    "/home/ada/Documents/pieces exports/2026/a folder name far too long to fit in the dialog"
)


def entries(folder: Path) -> list[str]:
    """Every entry of `folder`, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def open_dialog(pilot: Pilot[None]) -> ExportScreen:
    app = pilot.app
    assert isinstance(app, PiecesApp)
    await wait_until(pilot, loaded(app))
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    return screen


async def test_e_exports_the_highlighted_conversation(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp], tmp_path: Path
) -> None:
    out = tmp_path / "exports"
    settings = Settings(path=tmp_path / "config.json", export_folder=str(out))
    app = make_app(demo_server.url, settings=settings)
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_dialog(pilot)
        assert screen.folder_input.value == str(out)  # the remembered folder, in full
        await pilot.press("right", "enter")  # JSON
        assert screen.fmt.value == "json"
        await pilot.click("#export")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen), within=30)
    written = out / f"{RETRY_NAME}.json"
    assert entries(out) == [written.name]
    assert json.loads(written.read_text(encoding="utf-8"))["conversation"]["id"] == RETRY
    assert notices.texts() == [f"Export: Exported: {written}"]


async def test_the_folder_is_remembered_in_the_config_file(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp], tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    out = tmp_path / "chosen"
    app = make_app(demo_server.url, settings=Settings(path=config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(pilot)
        assert screen.folder_input.value == str(Path.cwd())  # the default
        screen.folder_input.value = str(out)
        await pilot.click("#folder")
        await pilot.press("enter")  # submitting the folder starts the export
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen), within=30)
    assert entries(out) == [f"{RETRY_NAME}.md"]
    assert Settings.load(config).export_folder == str(out)
    again = make_app(demo_server.url, settings=Settings.load(config))
    async with again.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(pilot)
        assert screen.folder_input.value == str(out)


async def test_a_file_is_never_replaced(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{RETRY_NAME}.md").write_text("mine", encoding="utf-8")
    app = make_app(
        demo_server.url, settings=Settings(path=tmp_path / "c.json", export_folder=str(out))
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot)
        await pilot.click("#export")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen), within=30)
    assert entries(out) == [f"{RETRY_NAME} (2).md", f"{RETRY_NAME}.md"]
    assert (out / f"{RETRY_NAME}.md").read_text(encoding="utf-8") == "mine"


async def test_escape_before_exporting_writes_nothing(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    app = make_app(
        demo_server.url, settings=Settings(path=tmp_path / "c.json", export_folder=str(out))
    )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        assert screen.state == "choosing"
    assert entries(out) == []


async def test_escape_during_an_export_leaves_no_file(
    server: EmbeddedServer, make_app: Callable[..., PiecesApp], tmp_path: Path
) -> None:
    # Beyond BULK_MESSAGES the messages come page by page (one GET each): a minute or more of
    # work, so esc after the first page always lands mid-export.
    count = 6000
    turns = [("USER" if n % 2 == 0 else "ASSISTANT", f"message {n}") for n in range(count)]
    async with PiecesClient(server.url, timeout=120) as client:
        await client.create_conversation("Very long", turns)
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(server.url, settings=Settings(path=tmp_path / "c.json", export_folder=str(out)))
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_dialog(pilot)
        await pilot.click("#export")
        await wait_until(pilot, lambda: (screen.bar.progress or 0) > 0, within=60)
        assert screen.state == "exporting"
        exporting = [w for w in app.workers if w.group == "export"]
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        await wait_until(pilot, lambda: all(w.is_finished for w in exporting), within=30)
        assert exporting and all(w.state.name == "CANCELLED" for w in exporting)
        assert screen.state == "cancelled"
    assert entries(out) == []
    assert notices.texts() == ["Export: Export cancelled: no partial file was written."]


class DeliveringApp(PiecesApp):
    """The app as textual-serve runs it, but with the browser replaced by a list: no browser
    under the Pilot (tests/web drives a real one)."""

    delivered: list[tuple[str, str | None]]

    @property
    def is_web(self) -> bool:
        return True

    def deliver_text(self, path_or_file: str | Path | TextIO, **kwargs: Any) -> str | None:
        assert not isinstance(path_or_file, (str, Path))
        self.delivered.append((path_or_file.read(), kwargs.get("save_filename")))
        return "delivery-1"


async def test_in_web_mode_the_file_goes_to_the_browser(
    demo_server: EmbeddedServer, tmp_path: Path
) -> None:
    from .conftest import frozen_now

    app = DeliveringApp(
        url=demo_server.url,
        settings=Settings(path=tmp_path / "c.json"),
        now=frozen_now,
        discover_hosts=False,
    )
    app.delivered = []
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_dialog(pilot)
        assert not screen.query_one(".-folder").display
        # The hidden folder field's first Changed comes after the dialog's Mount: it must not
        # put the working folder back in the line that says where the file goes.
        await wait_until(pilot, lambda: screen.folder_input.is_mounted)
        for _ in range(3):
            await pilot.pause()
        assert screen.folder_path.path == "The browser downloads the file."
        await pilot.click("#export")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen), within=30)
    [(text, file_name)] = app.delivered
    assert file_name == f"{RETRY_NAME}.md"
    assert text.startswith(f"# {RETRY_NAME}")
    assert notices.texts() == [f"Export: Sent to the browser: {RETRY_NAME}.md"]
    assert not (tmp_path / "c.json").exists()  # no folder to remember


async def test_the_dialog_fits_60x20(
    demo_server: EmbeddedServer, make_app: Callable[..., PiecesApp], tmp_path: Path
) -> None:
    app = make_app(
        demo_server.url, settings=Settings(path=tmp_path / "c.json", export_folder=LONG_FOLDER)
    )
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_dialog(pilot)
        await pilot.pause()
        dialog = screen.query_one("#export-dialog").region
        assert screen.region.contains_region(dialog)
        for button in screen.query(Button):
            assert dialog.contains_region(button.region) and button.region.height == 3
        shown = str(screen.folder_path.render())
        assert "…" in shown and shown.endswith("fit in the dialog")
        assert len(shown) <= screen.folder_path.content_size.width


# -- snapshots ------------------------------------------------------------------------------


def dialog_app(make_app: Callable[..., PiecesApp], url: str, tmp_path: Path) -> PiecesApp:
    return make_app(url, settings=Settings(path=tmp_path / "c.json", export_folder=LONG_FOLDER))


async def open_still(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await open_dialog(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_position = 0
    await still(pilot)


def test_dialog_80x24(snap_compare, demo_server, make_app, tmp_path) -> None:
    app = dialog_app(make_app, demo_server.url, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_still)


def test_dialog_60x20(snap_compare, demo_server, make_app, tmp_path) -> None:
    app = dialog_app(make_app, demo_server.url, tmp_path)
    assert snap_compare(app, terminal_size=(60, 20), run_before=open_still)


def test_dialog_wide(snap_compare, demo_server, make_app, tmp_path) -> None:
    app = dialog_app(make_app, demo_server.url, tmp_path)
    assert snap_compare(app, terminal_size=(160, 48), run_before=open_still)
