"""The terminal may go away while the app runs (its window closed, its tmux pane killed).

Textual's Linux driver writes through a thread that dies on the first write that fails; the
app's next writes then fill that thread's queue and block for ever, and the app hangs, deaf to
SIGTERM too (its signal handlers run on the blocked loop). `TerminalDriver` gives that thread an
output that swallows the failure and tells the app once, on the loop, that the terminal is gone;
the app then quits as `q` does (pending deletes are sent), its last writes dropped.

`EndsWithTerminal` is the app's side of it: that driver, and SIGHUP (the terminal closed) and
SIGTERM heard as `q`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from typing import IO, Any, TypeVar

from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

__all__ = ["EndsWithTerminal", "TerminalDriver"]

ReturnType = TypeVar("ReturnType")


class _Output:
    """A text stream that drops what it cannot write, and calls `gone()` the first time."""

    def __init__(self, stream: IO[str], gone: Callable[[], None]) -> None:
        self._stream = stream
        self._gone = gone
        self._lost = threading.Event()

    def write(self, text: str) -> int:
        if not self._lost.is_set():
            try:
                return self._stream.write(text)
            except (OSError, ValueError):  # EIO, EPIPE; ValueError: the stream was closed
                self._lose()
        return len(text)

    def flush(self) -> None:
        if not self._lost.is_set():
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._lose()

    def _lose(self) -> None:
        self._lost.set()
        self._gone()

    def __getattr__(self, name: str) -> Any:  # fileno, isatty, encoding: the stream's own
        return getattr(self._stream, name)


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver; when the terminal stops taking writes, the app's
    `terminal_gone()` runs on its loop (once)."""

    def __init__(self, app: App[Any], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        on_gone: Callable[[], None] = getattr(app, "terminal_gone", app.exit)
        loop = self._loop

        def gone() -> None:  # on the writer thread
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing to do
                loop.call_soon_threadsafe(on_gone)

        if self._file is not None:  # None: Python was started without a stderr
            self._file = _Output(self._file, gone)  # type: ignore[assignment]


class EndsWithTerminal(App[ReturnType]):
    """An app that quits (through its `action_quit`) when its terminal goes away, and, once
    `exit_on_signals` is set before it runs, on SIGHUP and SIGTERM."""

    exit_on_signals = False
    """The command line sets it; tests do not (they would take the signals of the test
    process)."""

    def get_driver_class(self) -> type[Driver]:
        """Textual's own, except on a Linux/macOS terminal: the same driver, told what to do
        when the terminal goes away."""
        chosen = super().get_driver_class()
        return TerminalDriver if chosen is LinuxDriver else chosen

    def on_mount(self) -> None:
        if self.exit_on_signals:
            loop = asyncio.get_running_loop()
            for number in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(number, self._signalled, number)

    def terminal_gone(self) -> None:
        """The terminal stopped taking writes (closed): quit as `q` does, unseen."""
        logging.getLogger("pieces_tui").info("the terminal went away: quitting")
        self.call_next(self.action_quit)

    def _signalled(self, number: int) -> None:
        logging.getLogger("pieces_tui").info("%s: quitting", signal.Signals(number).name)
        self.call_next(self.action_quit)
