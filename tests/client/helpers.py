"""Shared helpers for the client and state tests: bounded waits (never guessing sleeps), a
synchronizer running for the length of a block."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

from pydantic import Field

from pieces_tui.client.models import (
    ReferencedAnnotation,
    ReferencedAsset,
    ReferencedConversation,
    ReferencedConversationMessage,
    WireModel,
)
from pieces_tui.client.stream import StreamEvent, StreamState
from pieces_tui.state.sync import Synchronizer


async def wait_until(
    predicate: Callable[[], bool | Awaitable[bool]], *, within: float = 20.0, what: str = ""
) -> None:
    """Poll `predicate` (sync or async) until true; fail after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = predicate()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what or predicate}")
        await asyncio.sleep(0.01)


async def next_event(
    stream: AsyncIterator[StreamEvent],
    kind: type[StreamEvent] | tuple[type[StreamEvent], ...],
    *,
    within: float = 10.0,
    skip_states: bool = True,
) -> StreamEvent:
    """The next event of `kind`, skipping `StreamState`s (unless asked for); bounded wait."""

    async def find() -> StreamEvent:
        async for event in stream:
            if isinstance(event, kind):
                return event
            if skip_states and isinstance(event, StreamState):
                continue
            raise AssertionError(f"expected {kind}, got {event!r}")
        raise AssertionError("stream ended")

    return await asyncio.wait_for(find(), within)


class Running:
    """A synchronizer running in a task for the duration of an `async with` block (entered
    once its first load is in, within a generous bound)."""

    def __init__(self, sync: Synchronizer, *, within: float = 20.0) -> None:
        self.sync = sync
        self.within = within
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Synchronizer:
        self.task = asyncio.create_task(self.sync.run())
        await asyncio.wait_for(self.sync.loaded.wait(), self.within)
        return self.sync

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The identifier stream's frame as a pydantic model: the app reads frames with a lean reader
# (client/stream.py), and these tests hold it to this, the SDK's shape.
class StreamedIdentifier(WireModel):
    conversation: ReferencedConversation | None = None
    deleted: bool | None = None
    asset: ReferencedAsset | None = None
    annotation: ReferencedAnnotation | None = None
    conversation_message: ReferencedConversationMessage | None = Field(
        default=None, alias="conversationMessage"
    )


class StreamedIdentifiers(WireModel):
    iterable: list[StreamedIdentifier]
