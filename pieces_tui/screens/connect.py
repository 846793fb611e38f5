"""Shown when no Pieces OS answers: retry, enter a URL, or open the embedded demo.

It has its own keys (its footer and `?` list only them), says which addresses answered and why
each was not Pieces OS, and offers the URL that failed in the URL box so it can be corrected.
`offer_choices` is the flow around it: the screen up, the connection knocking meanwhile, and
the connection started again with what the user chose (or by the first answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Input, Label

from pieces_tui.sanitize import clean_line
from pieces_tui.screens.help import HelpScreen, binding_rows
from pieces_tui.urls import EXAMPLE, check_url, normal_url
from pieces_tui.widgets.footer import Footer

if TYPE_CHECKING:
    from textual.app import App

    from pieces_tui.connection import Connection, ConnectionLost

MAX_REJECTED = 4
"""Addresses that answered but not as Pieces OS, listed at most (the rest are counted)."""


@dataclass(frozen=True)
class ConnectChoice:
    action: Literal["retry", "url", "demo"]
    url: str | None = None


@dataclass(frozen=True)
class ConnectProblem:
    """What the screen says: the headline, why, where we looked, what else answered (one
    line per address) and, when the cause says, what the user can do."""

    title: str
    reason: str
    looked_at: str
    url: str | None = None
    rejected: Sequence[str] = ()
    choices: Sequence[str] = ()


def offer_choices(app: App[Any], connection: Connection, lost: ConnectionLost) -> None:
    """No server answered: the connect screen, and (when the connection retries by itself) a
    knock with backoff meanwhile, which retries as the user would once something answers."""
    problem = ConnectProblem(
        lost.title,
        f"{lost.reason} Trying again by itself…" if lost.retrying else lost.reason,
        lost.looked_at,
        url=lost.url,
        rejected=lost.rejected,
        choices=lost.choices,
    )
    screen = ConnectScreen(problem)

    def chosen(choice: ConnectChoice | None) -> None:
        connection.stop_knocking()
        if choice is None:
            return
        if choice.action == "demo":
            from pieces_tui.demo_runner import DemoServer

            connection.retry(demo=connection.demo or DemoServer())
        elif choice.action == "url" and choice.url is not None:
            connection.retry(url=choice.url)
        else:
            connection.retry()

    app.push_screen(screen, chosen)
    if not lost.retrying:
        return

    def answered() -> bool:
        if screen is not app.screen:
            return False  # gone, or something on top of it: not now
        screen.dismiss(ConnectChoice("retry"))
        return True

    connection.knock(answered)


class ConnectScreen(Screen[ConnectChoice]):
    """A full screen: there is nothing else to show until we have a server."""

    AUTO_FOCUS = "#retry"
    """Focused when the screen is shown. Not queried in `on_mount`: the buttons, inside a
    container, may not be mounted yet then (`NoMatches` on `#retry`, seen when the refusal
    arrives while the app is idle, right after its first frame); `_focus_retry` runs after the
    next refresh in case the auto focus found nothing yet."""

    BINDINGS = [
        Binding("r", "choose('retry')", "Retry"),
        Binding("u,slash", "focus_url", "Enter URL", key_display="u"),
        Binding("d", "choose('demo')", "Open demo"),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("q", "app.quit", "Quit"),
        Binding("escape", "leave_url", "Leave the URL box", show=False),
    ]

    def __init__(self, problem: ConnectProblem) -> None:
        super().__init__()
        self.problem = problem

    def compose(self) -> ComposeResult:
        problem = self.problem
        with Vertical(id="connect", classes="dialog"):
            yield Label(Content(clean_line(problem.title)), id="title", classes="dialog-title")
            with VerticalScroll(id="connect-body"):
                yield from self._body()
            # Keys typed after `u` or `/` edit the URL shown (select-on-focus would drop it).
            yield Input(
                value=problem.url or "", placeholder=EXAMPLE, id="url", select_on_focus=False
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Retry", id="retry", variant="primary")
                yield Button("Connect to URL", id="connect-url")
                yield Button("Open demo", id="demo", variant="success")
        yield Footer()

    def _body(self) -> ComposeResult:
        problem = self.problem
        yield Label(Content(clean_line(problem.reason)), id="reason", classes="dialog-body")
        if problem.looked_at:
            yield Label(
                Content(f"Looked at {clean_line(problem.looked_at)}"),
                id="looked-at",
                classes="dialog-hint",
            )
        if problem.rejected:
            yield Label(Content(self._rejected_text()), id="rejected", classes="dialog-hint")
        if problem.choices:
            lines = [f"• {clean_line(choice)}" for choice in problem.choices]
            yield Label(
                Content("\n".join(["You can:", *lines])), id="choices", classes="dialog-body"
            )
        else:
            yield Label(
                "Start Pieces OS and retry, point pieces-tui at another address, "
                "or explore the embedded demo server.",
                classes="dialog-body",
            )

    def _rejected_text(self) -> str:
        rejected = self.problem.rejected
        lines = [f"• {clean_line(line)}" for line in rejected[:MAX_REJECTED]]
        if len(rejected) > MAX_REJECTED:
            lines.append(f"• and {len(rejected) - MAX_REJECTED} more (see the log)")
        return "\n".join(["Answered, but not as Pieces OS does:", *lines])

    def on_mount(self) -> None:
        self._fit()
        self.call_after_refresh(self._focus_retry)

    def _focus_retry(self) -> None:
        if self.focused is None:
            self.query_one("#retry", Button).focus()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Keep the URL box and the buttons on screen: the explanation scrolls instead (the
        title, the box, the buttons, the borders and the footer take 17 rows)."""
        self.query_one("#connect-body").styles.max_height = max(3, self.size.height - 17)

    async def action_choose(self, action: Literal["retry", "demo"]) -> None:
        await self.dismiss(ConnectChoice(action))

    def action_focus_url(self) -> None:
        # At once, not via `focus()` (queued behind pending keys): what is typed next lands there.
        self.set_focus(self.query_one("#url", Input))

    def action_leave_url(self) -> None:
        self.query_one("#retry", Button).focus()

    def action_help(self) -> None:
        rows = [*binding_rows(self.BINDINGS), ("tab", "Next button or box")]
        self.app.push_screen(HelpScreen([("Pieces OS not found", rows)]))

    @on(Button.Pressed, "#retry")
    def _retry(self) -> None:
        self.dismiss(ConnectChoice("retry"))

    @on(Button.Pressed, "#demo")
    def _demo(self) -> None:
        self.dismiss(ConnectChoice("demo"))

    @on(Input.Submitted, "#url")
    @on(Button.Pressed, "#connect-url")
    def _connect_url(self) -> None:
        field = self.query_one("#url", Input)
        problem = check_url(field.value)
        if problem is not None:
            self.notify(problem, severity="warning")
            self.set_focus(field)
            return
        self.dismiss(ConnectChoice("url", normal_url(field.value)))
