"""Helpers of the state tests: a manual clock, a counting client, the server's ids. The bounded
wait and the running synchronizer are the client tests' (`tests/client/helpers.py`)."""

from __future__ import annotations

import asyncio

from client.helpers import Running, wait_until

from pieces_tui.client import PiecesClient
from pieces_tui.state.store import ConversationStore


class ManualTime:
    """An injectable clock and sleep: time moves only when the test calls `advance`."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + delay, future))
        await future

    @property
    def sleeping(self) -> int:
        return sum(1 for _, future in self._sleepers if not future.done())

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for due, future in self._sleepers:
            if due <= self.now and not future.done():
                future.set_result(None)


class CountingClient(PiecesClient):
    """The real client, counting the deletes it sends and the most in flight at once."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.deletes_sent: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def delete_conversation(self, conversation_id: str) -> None:
        self.deletes_sent.append(conversation_id)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await super().delete_conversation(conversation_id)
        finally:
            self.in_flight -= 1


async def server_ids(url: str) -> list[str]:
    """The server's conversations, in the store's display order, asked directly."""
    async with PiecesClient(url) as direct:
        expected = ConversationStore()
        expected.apply_summaries(await direct.conversation_summaries())
        return expected.ids()


__all__ = ["CountingClient", "ManualTime", "Running", "server_ids", "wait_until"]
