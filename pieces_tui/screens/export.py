"""The export dialog: format, destination folder, a progress bar; esc cancels.

It runs the export itself (`pieces_tui.export`, in a worker of this screen), so cancelling is
cancelling that worker: the file in progress is never written (an export writes nothing before
every message has arrived, and then through a temporary file renamed into place). The folder
chosen is remembered in the settings. In web mode (`App.is_web`) there is no folder: each file
goes to the browser as a download (`App.deliver_text`).

It dismisses with the results (`ExportResult`s; in web mode their `path` is the bare file name)
or `None` when cancelled, and tells the user in a toast either way.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.getters import query_one
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioButton, RadioSet

from pieces_tui.client import PiecesError
from pieces_tui.config import Settings
from pieces_tui.export import ExportResult, Format, export_conversations, render
from pieces_tui.labels import UNTITLED
from pieces_tui.paths import styles_dir
from pieces_tui.sanitize import clean_line, clean_name
from pieces_tui.widgets.elided_path import ElidedPath

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient

__all__ = ["ExportScreen", "default_folder"]

STEPS = 1000
"""Progress bar units per conversation (its messages are spread over them)."""


def default_folder(settings: Settings) -> Path:
    """The remembered folder, else the current directory, in full."""
    if settings.export_folder:
        return Path(settings.export_folder).expanduser()
    return Path.cwd()


class ExportScreen(ModalScreen[list[ExportResult] | None]):
    """Export `conversation_ids` (named `names`, for the title) with `client`."""

    CSS_PATH = styles_dir() / "export.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    state: reactive[str] = reactive("choosing")
    """"choosing", "exporting", "done" or "cancelled"."""

    format_set = query_one("#format", RadioSet)
    folder_input = query_one("#folder", Input)
    folder_path = query_one("#folder-path", ElidedPath)
    bar = query_one("#progress", ProgressBar)
    status = query_one("#export-status", Label)

    def __init__(
        self,
        client: PiecesClient,
        conversation_ids: Sequence[str],
        names: Sequence[str | None],
        settings: Settings,
    ) -> None:
        super().__init__()
        self._client = client
        self._ids = list(dict.fromkeys(conversation_ids))
        self._names = list(names)
        self._settings = settings

    @property
    def web(self) -> bool:
        return self.app.is_web

    def compose(self) -> ComposeResult:
        count = len(self._ids)
        title = "Export 1 conversation" if count == 1 else f"Export {count} conversations"
        first = clean_name(self._names[0] or UNTITLED) if self._names else UNTITLED
        subject = first if count == 1 else f"{first} and {count - 1} more"
        with Vertical(id="export-dialog", classes="dialog -export"):
            yield Label(title, classes="dialog-title")
            yield Label(subject, id="export-subject", classes="dialog-body", markup=False)
            with Horizontal(classes="export-row"):
                yield Label("Format", classes="export-label")
                with RadioSet(id="format"):
                    yield RadioButton("Markdown", value=True, id="md")
                    yield RadioButton("JSON", id="json")
            with Horizontal(classes="export-row -folder"):
                yield Label("Folder", classes="export-label")
                yield Input(str(default_folder(self._settings)), id="folder")
            yield ElidedPath(id="folder-path")
            yield ProgressBar(total=STEPS * max(1, count), id="progress", show_eta=False)
            yield Label("", id="export-status", classes="dialog-hint", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", id="export", variant="primary")

    def on_mount(self) -> None:
        if self.web:
            for row in self.query(".-folder"):
                row.display = False
            self.folder_path.path = "The browser downloads the file."
        else:
            self._show_folder(self.folder_input.value)
        self.format_set.focus()

    @property
    def fmt(self) -> Format:
        pressed = self.format_set.pressed_button
        return Format.JSON if pressed is not None and pressed.id == "json" else Format.MARKDOWN

    @on(Input.Changed, "#folder")
    def _folder_changed(self, event: Input.Changed) -> None:
        # In web mode the field is hidden, and its first Changed (its value, set in compose)
        # arrives after Mount: the line keeps saying where the file goes instead.
        if not self.web:
            self._show_folder(event.value)

    def _show_folder(self, value: str) -> None:
        self.folder_path.path = str(self._resolve(value))

    @staticmethod
    def _resolve(value: str) -> Path:
        folder = Path(value.strip() or ".").expanduser()
        return folder if folder.is_absolute() else Path.cwd() / folder

    @on(Input.Submitted, "#folder")
    @on(Button.Pressed, "#export")
    def _start(self) -> None:
        if self.state != "choosing":
            return
        folder = self._resolve(self.folder_input.value)
        if not self.web:
            if folder.exists() and not folder.is_dir():
                self.status.update(f"Not a folder: {clean_line(str(folder))}")
                return
            self._remember(folder)
        self.state = "exporting"
        for widget in (self.format_set, self.folder_input, self.query_one("#export", Button)):
            widget.disabled = True
        self.query_one("#cancel", Button).focus()
        self._export(self.fmt, folder)

    def _remember(self, folder: Path) -> None:
        if self._settings.export_folder == str(folder):
            return
        self._settings.export_folder = str(folder)
        try:
            self._settings.save()
        except OSError as error:
            self.notify(f"Could not save settings: {error}", severity="warning")

    def _progress(self, index: int, done: int, total: int) -> None:
        share = done / total if total else 1.0
        self.bar.update(progress=STEPS * index + int(STEPS * share))
        prefix = f"{index + 1} of {len(self._ids)}: " if len(self._ids) > 1 else ""
        self.status.update(f"{prefix}{done:,} of {total:,} messages")

    @work(exclusive=True, group="export", exit_on_error=False)
    async def _export(self, fmt: Format, folder: Path) -> None:
        if self.web:
            results = await self._deliver(fmt)
        else:
            results = await export_conversations(
                self._client, self._ids, folder, fmt, progress=self._progress
            )
        self.state = "done"
        self._tell(results)
        self.dismiss(results)

    async def _deliver(self, fmt: Format) -> list[ExportResult]:
        results: list[ExportResult] = []
        for index, conversation_id in enumerate(self._ids):

            def one(done: int, total: int, index: int = index) -> None:
                self._progress(index, done, total)

            try:
                rendered = await render(self._client, conversation_id, fmt, progress=one)
            except PiecesError as error:
                results.append(ExportResult(conversation_id, error=error))
                continue
            self.app.deliver_text(io.StringIO(rendered.text), save_filename=rendered.file_name)
            results.append(ExportResult(conversation_id, path=Path(rendered.file_name)))
        return results

    def _tell(self, results: Sequence[ExportResult]) -> None:
        written = [r.path for r in results if r.path is not None]
        failed = [r for r in results if r.error is not None]
        verb = "Sent to the browser" if self.web else "Exported"
        if len(written) == 1:
            self.notify(f"{verb}: {written[0]}", title="Export")
        elif written:
            where = "" if self.web else f" into {written[0].parent}"
            lines = "\n".join(p.name for p in written)
            self.notify(f"{verb} {len(written)} files{where}:\n{lines}", title="Export")
        for result in failed:
            self.notify(
                f"Could not export {result.conversation_id}: {result.error}",
                title="Export",
                severity="error",
            )

    def action_cancel(self) -> None:
        """esc: close the dialog; an export under way stops and leaves no partial file (files
        finished before stay)."""
        if self.state == "exporting":
            self.workers.cancel_group(self, "export")
            self.state = "cancelled"
            self.notify("Export cancelled: no partial file was written.", title="Export")
        if self.state != "done":
            self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
