"""The terminal may go away while the app runs (its window closed, its tmux pane killed).

Textual's Linux driver writes through a thread that dies on the first write that fails; the
app's next writes then fill that thread's queue and block for ever, and the app hangs, deaf to
SIGTERM too (its signal handlers run on the blocked loop). `TerminalDriver` gives that thread an
output that swallows the failure and tells the app once, on the loop, that the terminal is gone;
the app then quits as `q` does (pending deletes are sent), its last writes dropped.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["TerminalDriver"]


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
