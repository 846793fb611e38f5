"""The help screen: every key binding, grouped by where it applies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, description) pairs for the bindings that have a description."""
    rows: list[tuple[str, str]] = []
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        keys = binding.key_display or ", ".join(
            _key_name(key) for key in binding.key.split(",") if key.strip()
        )
        rows.append((keys, binding.description))
    return rows


def _key_name(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "escape": "esc",
        "delete": "del",
        "pageup": "pgup",
        "pagedown": "pgdn",
        "ctrl+p": "^p",
    }
    key = key.strip()
    return names.get(key, key)


class HelpScreen(ModalScreen[None]):
    """Lists every binding; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> None:
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -help"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                for title, rows in self._sections:
                    yield Label(title, classes="help-section")
                    width = max((len(keys) for keys, _ in rows), default=0) + 2
                    lines = [
                        Content.assemble((keys.ljust(width), "bold $accent"), description)
                        for keys, description in rows
                    ]
                    yield Static(Content("\n").join(lines), classes="help-rows")
            yield Label("esc closes · ctrl+p opens the command palette", classes="dialog-hint")
