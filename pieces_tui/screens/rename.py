"""Rename dialog with the current name prefilled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from pieces_tui.client import PiecesError
from pieces_tui.labels import NAME_MAX_LENGTH, NAME_TOO_LONG
from pieces_tui.sanitize import clean_line
from pieces_tui.state.problems import human_error
from pieces_tui.typeahead import keys_ready


class RenameScreen(ModalScreen[str | None]):
    """Dismisses with the new name once `rename` has done it, or None when cancelled or
    unchanged; stays open with the reason when it fails."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self, current_name: str | None, rename: Callable[[str], Awaitable[object]]
    ) -> None:
        super().__init__()
        self._current = clean_line(current_name or "")
        self._rename = rename

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label("Rename conversation", classes="dialog-title")
            yield Input(
                self._current,
                placeholder="Conversation name",
                id="name",
                max_length=max(NAME_MAX_LENGTH, len(self._current)),
            )
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Rename", id="rename", variant="primary")

    def on_mount(self) -> None:
        name_input = self.query_one("#name", Input)
        keys_ready(self, name_input)
        name_input.select_all()

    @on(Input.Submitted)
    @on(Button.Pressed, "#rename")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self._show_error("A name cannot be empty.")
            return
        if len(name) > NAME_MAX_LENGTH:
            self._show_error(NAME_TOO_LONG)
            return
        if name == self._current:
            self.dismiss(None)
            return
        self._send(name)

    def _show_error(self, text: str) -> None:
        self.query_one("#error", Label).update(Content(text))

    @work(exclusive=True, group="rename", exit_on_error=False)
    async def _send(self, name: str) -> None:
        button = self.query_one("#rename", Button)
        button.disabled = True
        self._show_error("")
        try:
            await self._rename(name)
        except PiecesError as error:
            text = clean_line(human_error("Could not rename", error))
            self._show_error(text)
            # Also as a notification: it outlives the dialog if the user closes it.
            self.notify(text, severity="error")
            return
        finally:
            button.disabled = False
        self.dismiss(name)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
