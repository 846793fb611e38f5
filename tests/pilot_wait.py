"""Waiting on an app under the Pilot: the one helper the UI tests use instead of sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot

M = TypeVar("M", bound=Message)


async def wait_until(
    pilot: Pilot[Any],
    condition: Callable[[], bool | Awaitable[bool]],
    within: float = 10,
    *,
    what: str = "",
) -> None:
    """Let the app run until `condition()` (sync or async) holds; fail after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within} s: {what or condition}")
        await pilot.pause(0.01)


class Notices:
    """Every notification an app raised, recorded from its `Notify` messages: pass it as
    `run_test(message_hook=...)`. Unlike the toasts on screen, none expires before a test
    counts it (a busy machine can take longer than a toast's timeout between two checks)."""

    def __init__(self) -> None:
        self.all: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.all.append(message.notification)

    def texts(self, severity: str | None = None) -> list[str]:
        return [f"{n.title}: {n.message}" for n in self.all if severity in (None, n.severity)]


class Messages(Generic[M]):
    """Every message of one kind the app's pumps handled, in order: pass it as
    `run_test(message_hook=...)` and read `.all`."""

    def __init__(self, kind: type[M]) -> None:
        self.kind = kind
        self.all: list[M] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, self.kind):
            self.all.append(message)
