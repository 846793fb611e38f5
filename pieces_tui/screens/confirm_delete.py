"""Delete confirmation: names the conversation; Cancel is the default."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from pieces_tui.sanitize import clean_line
from pieces_tui.typeahead import keys_ready

SHOWN_NAME = 90
"""Longer names are elided in the middle; the whole name is the body's tooltip."""


def elide(name: str, limit: int = SHOWN_NAME) -> str:
    if len(name) <= limit:
        return name
    half = (limit - 1) // 2
    return f"{name[:half]}…{name[-(limit - 1 - half) :]}"


class ConfirmDeleteScreen(ModalScreen[bool]):
    """Ask before deleting; dismisses with True only on an explicit Delete."""

    BINDINGS = [
        Binding("escape", "dismiss(False)", "Cancel"),
        Binding("left,right,h,l", "app.focus_previous", "Switch button", show=False),
    ]

    def __init__(self, conversation_name: str) -> None:
        super().__init__()
        self._conversation_name = clean_line(conversation_name)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -danger"):
            yield Label("Delete conversation?", classes="dialog-title")
            body = Label(
                Content.assemble(
                    "“",
                    (elide(self._conversation_name), "bold"),
                    "” and its messages will be deleted from Pieces OS.",
                ),
                classes="dialog-body",
            )
            if len(self._conversation_name) > SHOWN_NAME:
                body.tooltip = Content(self._conversation_name)
            yield body
            yield Label("This cannot be undone.", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button("Delete", id="delete", variant="error")

    def on_mount(self) -> None:
        keys_ready(self, self.query_one("#cancel", Button))

    @on(Button.Pressed, "#delete")
    def _delete(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)
