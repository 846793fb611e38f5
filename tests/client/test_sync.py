"""Synchronizer: initial load, live changes, restart with changes while down, coalescing."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx

from pieces_tui.client import PiecesClient
from pieces_tui.client.stream import (
    Changed,
    Deleted,
    IdentifierStream,
    Snapshot,
    StreamEvent,
    StreamState,
)
from pieces_tui.server import EmbeddedServer
from pieces_tui.state.store import ConversationStore, ConversationSummary
from pieces_tui.state.sync import Synchronizer

from .helpers import Running, wait_until


def later_clock() -> Callable[[], datetime]:
    """A server clock well after the fixtures' (2026-12-01), one second per call."""
    ticks = itertools.count()
    start = datetime(2027, 6, 1, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(ticks))


async def store_matches_server(store: ConversationStore, client: PiecesClient) -> bool:
    expected = ConversationStore()
    expected.apply_snapshot(await client.conversations())
    return list(store.ordered()) == list(expected.ordered())


async def test_initial_load_and_live_changes(demo_server: EmbeddedServer) -> None:
    store = ConversationStore()
    states: list[StreamState] = []
    async with PiecesClient(demo_server.url) as client:
        sync = Synchronizer(client, store, on_state=states.append)
        async with Running(sync):
            assert len(store) > 0
            assert await store_matches_server(store, client)
            assert [s.state for s in states[:2]] == ["connecting", "live"]

            created = await client.create_conversation("Brand new")
            await wait_until(lambda: store.index_of(created.id) == 0, what="new at the top")

            oldest = store.ordered()[-1]
            await client.add_message(oldest.id, "USER", "bump")
            await wait_until(lambda: store.index_of(oldest.id) == 0, what="bumped to the top")
            summary = store.get(oldest.id)
            assert summary is not None and summary.message_count == oldest.message_count + 1

            await client.rename_conversation(created.id, "Renamed")

            def renamed() -> bool:
                row = store.get(created.id)
                return row is not None and row.name == "Renamed"

            await wait_until(renamed, what="rename")
            await client.delete_conversation(created.id)
            await wait_until(lambda: created.id not in store, what="delete")
            assert await store_matches_server(store, client)


async def test_restart_with_changes_while_down(
    server: EmbeddedServer, make_server: Callable[..., EmbeddedServer]
) -> None:
    store = ConversationStore()
    states: list[StreamState] = []
    async with PiecesClient(server.url) as client:
        keep, drop, touch = [await client.create_conversation(f"c{i}") for i in range(3)]
        stream = IdentifierStream(server.url, max_delay=0.3)
        sync = Synchronizer(client, store, stream=stream, on_state=states.append)
        async with Running(sync):
            await wait_until(lambda: len(store) == 3, what="initial load")
            await asyncio.to_thread(server.stop)
            await wait_until(lambda: states[-1].state in ("reconnecting", "offline"))

            # Change the database while the server is down, through a second server on it.
            # (The fixture's default id factory and clock would restart from the beginning and
            # collide with the rows already there, so this one gets fresh ids and a later clock.)
            other = make_server(
                db_path=server.db_path, id_factory=lambda: str(uuid.uuid4()), clock=later_clock()
            )
            async with PiecesClient(other.url) as side:
                new = await side.create_conversation("made while down")
                await side.delete_conversation(drop.id)
                await side.rename_conversation(keep.id, "renamed while down")
                await side.add_message(touch.id, "USER", "written while down")
            await asyncio.to_thread(other.stop)

            await asyncio.to_thread(server.start)
            await wait_until(lambda: store_matches_server(store, client), within=15, what="resync")
            assert states[-1] == StreamState("live")
            assert new.id in store and drop.id not in store
            assert store.ids()[0] == touch.id
            renamed = store.get(keep.id)
            assert renamed is not None and renamed.name == "renamed while down"


class FeedStream:
    """A hand-fed event source: lets a test deliver stream events at exact moments."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue()

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self

    async def __anext__(self) -> StreamEvent:
        event = await self.queue.get()
        if event is None:
            raise StopAsyncIteration
        return event

    async def aclose(self) -> None:
        self.queue.put_nowait(None)


class CountingTransport(httpx.AsyncHTTPTransport):
    """The real transport, counting requests per path (instrumentation, not a mock)."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


async def test_changed_bursts_coalesce_and_deletes_win(server: EmbeddedServer) -> None:
    # The stream is hand-fed so the burst of events arrives while a fetch is in flight, which
    # the real server cannot be made to do on cue.
    store = ConversationStore()
    transport = CountingTransport()
    feed = FeedStream()
    async with (
        PiecesClient(server.url) as writer,
        PiecesClient(server.url, transport=transport) as client,
    ):
        first = await writer.create_conversation("one")
        sync = Synchronizer(client, store, stream=feed)
        task = asyncio.create_task(sync.run())
        try:
            feed.queue.put_nowait(Snapshot([first.id]))
            await asyncio.wait_for(sync.loaded.wait(), 10)
            await writer.rename_conversation(first.id, "final name")
            for _ in range(20):
                feed.queue.put_nowait(Changed(first.id))

            def has_final_name() -> bool:
                row = store.get(first.id)
                return row is not None and row.name == "final name"

            await wait_until(has_final_name)
            await wait_until(lambda: not sync._fetches, what="fetches done")
            fetches = transport.paths.count(f"/conversation/{first.id}")
            assert 1 <= fetches <= 2, transport.paths

            # A Changed for an id the server no longer has (404) removes it.
            await writer.delete_conversation(first.id)
            feed.queue.put_nowait(Changed(first.id))
            await wait_until(lambda: first.id not in store, what="404 means deleted")

            # A Deleted arriving while a fetch is in flight is not undone by that fetch.
            second = await writer.create_conversation("two")
            feed.queue.put_nowait(Changed(second.id))
            feed.queue.put_nowait(Deleted(second.id))
            await wait_until(lambda: not sync._fetches, what="fetches settled")
            assert second.id not in store
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_loads_without_a_working_stream(server: EmbeddedServer) -> None:
    # A stream that never delivers a snapshot: the bulk load still happens after the timeout.
    store = ConversationStore()
    async with PiecesClient(server.url) as client:
        made = await client.create_conversation("visible anyway")
        sync = Synchronizer(client, store, stream=FeedStream(), initial_timeout=0.05)
        async with Running(sync):
            assert store.ordered() == (ConversationSummary.of(made),)
