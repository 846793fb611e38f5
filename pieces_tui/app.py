"""The pieces-tui application: themes, the connection, and which screen is up.

Everything else has its own room: `connection.py` finds the server and keeps the store in step
with it; `screens/main.py` turns the store's changes into the list and the detail pane;
`detail_loader.py` decides what the pane fetches.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import SystemCommand
from textual.logging import TextualHandler
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from pieces_tui.config import Settings, Timings
from pieces_tui.connection import Connection, ConnectionLost, ServerNotice
from pieces_tui.paths import cache_dir, styles_dir
from pieces_tui.sanitize import clean_line, clean_text
from pieces_tui.screens.main import MainScreen
from pieces_tui.terminal import EndsWithTerminal
from pieces_tui.timefmt import local_now, utc_now
from pieces_tui.typeahead import KeysReady, Typeahead

if TYPE_CHECKING:
    from pieces_tui.demo_runner import DemoServer

# The connect screen is imported when it is first needed: the first frame is the main screen
# (tests/test_deferred_imports.py).


class PiecesApp(EndsWithTerminal[None]):
    """Browse Pieces OS conversations. Create it through `pieces_tui.cli.create_app`.

    Quitting (`q`, the terminal closed, SIGHUP or SIGTERM once `exit_on_signals` is set) sends
    pending deletes first and removes the demo's temporary data."""

    CSS_PATH = styles_dir() / "app.tcss"
    """The detail pane reads styles/detail.tcss itself, after the first frame."""
    TITLE = "pieces-tui"

    def __init__(
        self,
        *,
        url: str | None = None,
        demo: DemoServer | None = None,
        settings: Settings | None = None,
        now: Callable[[], datetime] | None = None,
        discover_hosts: bool = True,
        timings: Timings | None = None,
        list_cache: bool = True,
        utc: bool = False,
    ) -> None:
        super().__init__()
        self._settings = settings if settings is not None else Settings.load()
        if now is None:  # the clock's zone is the one times are shown in (timefmt.py)
            now = utc_now if utc or self._settings.utc_times else local_now
        self.timings = timings if timings is not None else Timings()
        cached = list_cache and self._settings.list_cache
        self.connection = Connection(
            self,
            url=url,
            demo=demo,
            discover_hosts=discover_hosts,
            timings=self.timings,
            cache_folder=cache_dir() / "lists" if cached else None,
            last_url=self._settings.last_url,
            remember_url=self._remember_url,
        )
        self.store = self.connection.store
        self.main_screen = MainScreen(
            self.connection,
            now=now,
            timings=self.timings,
            settings=self._settings,
            undo_seconds=self._settings.undo_seconds,
        )
        self._log_handler = TextualHandler()
        self.typeahead = Typeahead(self)
        self._collect_after_start = False
        """Whether `on_load` paused the garbage collector (`on_ready` resumes it)."""

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and await self.typeahead.take(event)
        ):
            return
        await super().on_event(event)

    @on(KeysReady)
    async def _keys_ready(self) -> None:
        await self.typeahead.release()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification, whoever raises it. Error texts from the server are untrusted:
        control characters and escape sequences go (`clean_text`), and markup is never parsed
        (a widget's `notify` passes `markup=True` by default; it is ignored here)."""
        super().notify(
            clean_text(message),
            title=clean_line(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_load(self) -> None:
        """No cyclic garbage collection from here (the CSS is read; the screen is about to be
        composed) until the first frame is out (`on_ready`): the start allocates tens of
        thousands of objects that all live on, and the collections they set off cost ~30 ms
        before that frame (a full one among them; the bare Textual app: ~3 ms)."""
        self._collect_after_start = gc.isenabled()
        gc.disable()

    def _resume_collection(self) -> None:
        if self._collect_after_start:
            self._collect_after_start = False
            gc.enable()

    def on_mount(self) -> None:
        logging.getLogger("pieces_tui").addHandler(self._log_handler)
        if self._settings.theme in self.available_themes:
            self.theme = self._settings.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.push_screen(self.main_screen)
        self.connection.start(self.main_screen)

    def on_ready(self) -> None:
        """The first frame is out: only now the connection loads httpx, websockets, pydantic."""
        self._resume_collection()
        self.connection.first_frame()
        self.main_screen.after_first_frame()

    def _remember_theme(self, theme: Theme) -> None:
        if theme.name != self._settings.theme:
            self._settings.theme = theme.name
            self._save_settings()

    def _remember_url(self, url: str) -> None:
        self._settings.last_url = url
        self._save_settings()

    def _save_settings(self) -> None:
        try:
            self._settings.save()
        except OSError as error:
            self.notify(f"Could not save settings: {error}", severity="warning")

    # -- no server: offer choices, and keep knocking meanwhile ---------------------------------

    @on(ConnectionLost)
    def _connection_lost(self, event: ConnectionLost) -> None:
        from pieces_tui.screens.connect import offer_choices

        offer_choices(self, self.connection, event)

    @on(ServerNotice)
    def _server_notice(self, event: ServerNotice) -> None:
        self.notify(event.text, title="Pieces OS version", severity="warning", timeout=20)

    # -- one place for failures ------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Unexpected worker failures, whichever room started the worker: tell the user, log
        it, keep running."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if not self.is_running:
                # Quitting: a worker that outlived the widgets it fills (the pane's load, as
                # the screen goes) is not news, and there is no one left to tell.
                logging.getLogger("pieces_tui").debug(
                    "worker %s failed while quitting: %r", event.worker.name, error
                )
                return
            logging.getLogger("pieces_tui").error(
                "worker %s failed", event.worker.name, exc_info=error
            )
            self.notify(
                clean_line(f"{type(error).__name__}: {error}"),
                title="Something went wrong",
                severity="error",
            )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            # Textual's "Keys" panel lists bindings that do nothing here: our help has them all.
            if command.title != "Keys":
                yield command
        if isinstance(screen, MainScreen):
            yield from screen.system_commands()

    async def action_quit(self) -> None:
        """Pending deletes are sent first (the undo window closes early), then quit."""
        await self.main_screen.bulk.flush()
        self.exit()

    async def on_unmount(self) -> None:
        self._resume_collection()  # quit before the first frame
        logging.getLogger("pieces_tui").removeHandler(self._log_handler)
        await self.connection.aclose()
