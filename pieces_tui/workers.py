"""The workers one owner (the connection) runs on the app, by group.

Each is started from a coroutine function, never a coroutine object: a worker cancelled before
it starts (the app quit) then leaves no coroutine that was never awaited. `end()` cancels them
all and waits until they have ended, so that what they use (the HTTP client) can be closed
after them: a request sent on a closed client would fail in a task nobody awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerCancelled, WorkerError, WorkerFailed

__all__ = ["Workers"]


class Workers:
    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._running: dict[str, Worker[Any]] = {}

    def run(self, group: str, work: Callable[[], Awaitable[object]]) -> None:
        """Run `work` in the worker of `group`, replacing the one running (its failures reach
        the app's one `Worker.StateChanged` handler)."""
        self._running[group] = self._app.run_worker(
            work, group=group, exclusive=True, exit_on_error=False
        )

    def cancel(self, group: str) -> None:
        worker = self._running.pop(group, None)
        if worker is not None:
            worker.cancel()

    async def end(self, timeout: float) -> None:  # noqa: ASYNC109
        """Cancel every worker and wait (at most `timeout` seconds) until all have ended."""
        workers = [worker for worker in self._running.values() if not worker.is_finished]
        self._running.clear()
        for worker in workers:
            worker.cancel()
        if workers:
            await asyncio.wait([asyncio.ensure_future(_ended(w)) for w in workers], timeout=timeout)


async def _ended(worker: Worker[Any]) -> None:
    """Wait for a cancelled worker to end, however it ends."""
    with contextlib.suppress(WorkerCancelled, WorkerFailed, WorkerError):
        await worker.wait()
