"""Delete confirmation: names the count and the first few conversations; Cancel is the default."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from pieces_tui.sanitize import clean_line

NAMES_SHOWN = 3
"""How many names the dialog lists before "and N more"."""
NAME_WIDTH = 48
"""Longer names are elided, so the dialog fits 80x24 whatever the server sends."""


def _elide(name: str, width: int = NAME_WIDTH) -> str:
    name = clean_line(name)
    return name if len(name) <= width else name[: width - 1] + "…"


class ConfirmDeleteScreen(ModalScreen[bool]):
    """Ask once before deleting one or many; dismisses with True only on an explicit Delete.

    `names`: the conversations' names, in list order (one per conversation). `undo_seconds`: the
    undo window the delete will get (0: none, so the dialog says it cannot be undone)."""

    BINDINGS = [
        Binding("escape", "dismiss(False)", "Cancel"),
        Binding("left,right,h,l", "app.focus_previous", "Switch button", show=False),
    ]

    def __init__(self, names: Sequence[str], *, undo_seconds: float = 0) -> None:
        super().__init__()
        self._names = [_elide(name) for name in names[:NAMES_SHOWN]]
        self._count = len(names)
        self._undo_seconds = undo_seconds

    def compose(self) -> ComposeResult:
        count = self._count
        with Vertical(id="dialog", classes="dialog -danger"):
            if count == 1:
                yield Label("Delete conversation?", classes="dialog-title")
                body = Content.assemble(
                    "“",
                    (self._names[0], "bold"),
                    "” and its messages will be deleted from Pieces OS.",
                )
            else:
                yield Label(f"Delete {count:,} conversations?", classes="dialog-title")
                lines: list[Content | str] = [
                    f"These {count:,} conversations and their messages will be deleted from "
                    "Pieces OS:"
                ]
                for name in self._names:
                    lines.append(Content.assemble("\n  “", (name, "bold"), "”"))
                if count > len(self._names):
                    lines.append(f"\n  and {count - len(self._names):,} more")
                body = Content.assemble(*lines)
            yield Label(body, classes="dialog-body")
            if self._undo_seconds > 0:
                hint = f"You can undo with u for {self._undo_seconds:g} seconds after."
            else:
                hint = "This cannot be undone."
            yield Label(hint, classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button("Delete", id="delete", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#delete")
    def _delete(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)
