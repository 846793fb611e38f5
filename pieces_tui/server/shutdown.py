"""A stop request from SIGINT/SIGTERM that a signal handler can make at any instant.

A Python signal handler runs in the main thread between two bytecodes, possibly while that same
thread is inside `threading.Event.wait`, holding the lock that `Event.set` needs: calling `set()`
from the handler then deadlocks, and `pieces-tui serve` ignores every later signal. Here the handler
takes no lock at all: it stores the signal number (one attribute store), and the main thread learns
of it through the signal module's wakeup file descriptor, which the interpreter writes to at the C
level when the signal arrives, before any Python code runs. `wait` blocks in `select` on the other
end of that socket pair, so a signal that lands between "check the flag" and "block" still wakes it.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
from collections.abc import Callable, Iterable
from types import FrameType, TracebackType
from typing import Any

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class StopSignal:
    """Install with `with StopSignal() as stop:` in the main thread; `stop.wait(t)` is True once
    a stop was asked for."""

    def __init__(self, signals: Iterable[int] = (signal.SIGINT, signal.SIGTERM)) -> None:
        self.signals = tuple(signals)
        self.signum: int | None = None
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous: dict[int, Handler] = {}
        self._previous_fd = -1

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler: a single store, safe at any point of the main thread."""
        self.signum = signum

    def __enter__(self) -> StopSignal:
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for sig in self.signals:
            self._previous[sig] = signal.signal(sig, self.handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds or until a stop signal arrives; True if one did."""
        if self.signum is None:
            with contextlib.suppress(InterruptedError):
                select.select([self._reader], [], [], timeout)
            with contextlib.suppress(BlockingIOError, OSError):
                while self._reader.recv(512):
                    pass
        return self.signum is not None
