"""`c` on a message with several code blocks: a small picker, as lazygit's copy menus are.

Each block is one line (language, size, first line); `1`-`9` copy that block at once, the arrows
and enter pick any, esc cancels. Dismisses with the index of the block chosen, or None.

It lives beside the pane (not in `screens/`) because only the pane opens it and widgets may not
import screens; it knows nothing but the labels it is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

__all__ = ["CodePicker"]


class CodePicker(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__()
        self._labels = list(labels)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -wide"):
            yield Label(f"Copy which code block? ({len(self._labels)})", classes="dialog-title")
            options = [
                Option(Content.assemble((f"{n}  " if n <= 9 else "   ", "bold"), label))
                for n, label in enumerate(self._labels, start=1)
            ]
            yield OptionList(*options, id="code-blocks")
            yield Label("1-9 or enter copies · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: Key) -> None:
        if event.character is not None and event.character in "123456789":
            index = int(event.character) - 1
            if index < len(self._labels):
                event.stop()
                self.dismiss(index)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)
