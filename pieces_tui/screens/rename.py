"""Rename dialog with the current name prefilled."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from pieces_tui.sanitize import clean_line


class RenameScreen(ModalScreen[str | None]):
    """Dismisses with the new name, or None when cancelled or unchanged."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, current_name: str | None) -> None:
        super().__init__()
        self._current = clean_line(current_name or "")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label("Rename conversation", classes="dialog-title")
            yield Input(self._current, placeholder="Conversation name", id="name")
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Rename", id="rename", variant="primary")

    def on_mount(self) -> None:
        name_input = self.query_one("#name", Input)
        name_input.focus()
        name_input.select_all()

    @on(Input.Submitted)
    @on(Button.Pressed, "#rename")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.query_one("#error", Label).update("A name cannot be empty.")
            return
        self.dismiss(None if name == self._current else name)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
