"""Shown when no Pieces OS answers: retry, enter a URL, or open the embedded demo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label

from pieces_tui.sanitize import clean_line


@dataclass(frozen=True)
class ConnectChoice:
    action: Literal["retry", "url", "demo"]
    url: str | None = None


class ConnectScreen(Screen[ConnectChoice]):
    """A full screen: there is nothing else to show until we have a server."""

    BINDINGS = [
        Binding("r", "choose('retry')", "Retry"),
        Binding("u", "focus_url", "Enter URL"),
        Binding("d", "choose('demo')", "Open demo"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, reason: str, looked_at: str) -> None:
        super().__init__()
        self._reason = clean_line(reason)
        self._looked_at = looked_at

    def compose(self) -> ComposeResult:
        with Vertical(id="connect", classes="dialog"):
            yield Label("Pieces OS is not running", classes="dialog-title")
            yield Label(Content(self._reason), id="reason", classes="dialog-body")
            yield Label(Content(f"Looked at {self._looked_at}"), classes="dialog-hint")
            yield Label(
                "Start Pieces OS and retry, point pieces-tui at another address, "
                "or explore the embedded demo server.",
                classes="dialog-body",
            )
            yield Input(placeholder="http://127.0.0.1:39300", id="url")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Retry", id="retry", variant="primary")
                yield Button("Connect to URL", id="connect-url")
                yield Button("Open demo", id="demo", variant="success")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#retry", Button).focus()

    async def action_choose(self, action: Literal["retry", "demo"]) -> None:
        await self.dismiss(ConnectChoice(action))

    def action_focus_url(self) -> None:
        self.query_one("#url", Input).focus()

    @on(Button.Pressed, "#retry")
    def _retry(self) -> None:
        self.dismiss(ConnectChoice("retry"))

    @on(Button.Pressed, "#demo")
    def _demo(self) -> None:
        self.dismiss(ConnectChoice("demo"))

    @on(Input.Submitted, "#url")
    @on(Button.Pressed, "#connect-url")
    def _connect_url(self) -> None:
        url = self.query_one("#url", Input).value.strip()
        if not url.startswith(("http://", "https://")):
            self.notify("Enter a URL such as http://127.0.0.1:39300", severity="warning")
            self.query_one("#url", Input).focus()
            return
        self.dismiss(ConnectChoice("url", url.rstrip("/")))
