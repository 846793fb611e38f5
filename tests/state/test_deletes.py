"""The undo window of deletes (`PendingDeletes`), over real sockets against the embedded server.

The store is kept in step by a running `Synchronizer` (real HTTP and WebSocket), so the stream's
own announcements of our deletes, and other clients' changes, reach it as they would in the app.
The window's time is a `ManualTime`: tests close it with `advance`, never by waiting for it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from faults.proxy import FaultProxy

from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer
from pieces_tui.state.deletes import DeleteProgress, DeleteSummary, PendingBatch, PendingDeletes
from pieces_tui.state.store import ConversationStore
from pieces_tui.state.sync import Synchronizer

from .helpers import CountingClient, ManualTime, Running, server_ids, wait_until

WINDOW = 5.0


async def settle(store: ConversationStore, other: PiecesClient) -> None:
    """Wait until the stream delivered everything sent so far: a marker conversation created now
    shows up after every earlier event (the stream is ordered); then it is deleted again."""
    marker = await other.create_conversation("marker")
    await wait_until(lambda: marker.id in store, what="the marker")
    await other.delete_conversation(marker.id)
    await wait_until(lambda: marker.id not in store, what="the marker gone")


class Rig:
    """A store synchronized with the server, a counting client and `PendingDeletes` over them."""

    def __init__(self, url: str, *, window: float = WINDOW) -> None:
        self.time = ManualTime()
        self.client = CountingClient(url)
        self.store = ConversationStore()
        self.progress: list[DeleteProgress] = []
        self.done: list[tuple[PendingBatch, DeleteSummary]] = []
        self.deletes = PendingDeletes(
            self.client,
            self.store,
            window=window,
            on_progress=self.progress.append,
            on_done=lambda batch, summary: self.done.append((batch, summary)),
            sleep=self.time.sleep,
            clock=self.time.clock,
        )
        self.running = Running(Synchronizer(self.client, self.store))

    async def close_window(self, batch: PendingBatch) -> DeleteSummary:
        """Let the window's timer start, move time past it, and wait for the summary."""
        await wait_until(lambda: self.time.sleeping > 0, what="the window's timer")
        self.time.advance(WINDOW)
        summary = await asyncio.wait_for(batch.wait(), 60)
        assert summary is not None
        return summary


@pytest.fixture
async def make_rig() -> AsyncIterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def factory(url: str, **kwargs: float) -> Rig:
        rig = Rig(url, **kwargs)
        rigs.append(rig)
        return rig

    yield factory
    for rig in rigs:
        await rig.deletes.aclose()
        await rig.client.aclose()


async def test_bulk_delete_of_200_ends_with_the_server_equal_to_the_store(
    make_server: Callable[..., EmbeddedServer], make_rig: Callable[..., Rig]
) -> None:
    server = make_server(seed=230)
    rig = make_rig(server.url)
    async with rig.running, PiecesClient(server.url) as other:
        doomed = rig.store.ids()[10:210]
        batch = rig.deletes.schedule(doomed)
        assert batch is not None and batch.ids == tuple(doomed)
        assert batch.message() == "Deleted 200 — u to undo"
        assert len(rig.store) == 30 and not any(cid in rig.store for cid in doomed)
        assert len(await server_ids(server.url)) == 230  # nothing sent during the window
        assert rig.client.deletes_sent == []

        summary = await rig.close_window(batch)
        assert len(summary.deleted) == 200 and summary.done == 200
        assert summary.failed == () and summary.already_gone == () and summary.changed == ()
        assert summary.message() == "Deleted 200 conversations."
        assert rig.done == [(batch, summary)]
        assert [p.done for p in rig.progress] == list(range(1, 201))
        assert all(p.total == 200 and p.failed == 0 for p in rig.progress)
        assert 1 < rig.client.max_in_flight <= 8
        assert rig.deletes.batches == ()

        await settle(rig.store, other)  # our own deletes, announced by the stream, change nothing
        assert rig.store.ids() == await server_ids(server.url)
        assert len(rig.store) == 30


async def test_undo_brings_back_50_rows_in_their_places_and_sends_nothing(
    make_server: Callable[..., EmbeddedServer], make_rig: Callable[..., Rig]
) -> None:
    server = make_server(seed=120)
    rig = make_rig(server.url)
    async with rig.running, PiecesClient(server.url) as other:
        before = rig.store.ordered()
        doomed = [*rig.store.ids()[::2][:49], rig.store.ids()[-1]]  # spread, and the last row
        batch = rig.deletes.schedule(doomed)
        assert batch is not None and len(batch) == 50
        assert len(rig.store) == 70
        # The window starts, then the user undoes: the rows are back exactly where they were.
        await wait_until(lambda: rig.time.sleeping > 0, what="the window's timer")
        assert rig.deletes.undo() is batch
        assert batch.state == "undone"
        assert rig.store.ordered() == before
        assert await batch.wait() is None
        assert rig.deletes.undo() is None  # nothing more to undo
        # Time passes well beyond the window: nothing is ever sent.
        rig.time.advance(10 * WINDOW)
        await settle(rig.store, other)
        assert rig.client.deletes_sent == []
        assert rig.done == []
        assert rig.store.ordered() == before
        assert rig.store.ids() == await server_ids(server.url)


async def test_the_latest_batch_is_undone_first_and_an_earlier_one_still_goes(
    make_server: Callable[..., EmbeddedServer], make_rig: Callable[..., Rig]
) -> None:
    server = make_server(seed=10)
    rig = make_rig(server.url)
    async with rig.running:
        ids = rig.store.ids()
        first = rig.deletes.schedule(ids[:2])
        second = rig.deletes.schedule(ids[5:6])
        assert first is not None and second is not None
        assert second.message() == "Deleted “Synthetic conversation 00005” — u to undo"
        assert rig.deletes.schedule(ids[:2]) is None  # already pending
        assert rig.deletes.pending_count() == 3
        assert rig.deletes.undo() is second
        assert rig.deletes.waiting == (first,)
        summary = await rig.close_window(first)
        assert summary.deleted == tuple(ids[:2])
        assert await server_ids(server.url) == ids[2:]


async def test_flush_sends_the_pending_deletes_at_once(
    make_server: Callable[..., EmbeddedServer], make_rig: Callable[..., Rig]
) -> None:
    server = make_server(seed=40)
    rig = make_rig(server.url)
    async with rig.running, PiecesClient(server.url) as other:
        ids = rig.store.ids()
        first = rig.deletes.schedule(ids[:20])
        second = rig.deletes.schedule(ids[30:40])
        assert first is not None and second is not None
        assert rig.deletes.pending_count() == 30
        summaries = await asyncio.wait_for(rig.deletes.flush(), 60)  # the clock never moved
        assert [len(s.deleted) for s in summaries] == [20, 10]
        assert rig.deletes.pending_count() == 0 and rig.deletes.undo() is None
        assert await server_ids(server.url) == ids[20:30]
        await settle(rig.store, other)
        assert rig.store.ids() == ids[20:30]


async def test_window_zero_sends_at_once(
    make_server: Callable[..., EmbeddedServer], make_rig: Callable[..., Rig]
) -> None:
    server = make_server(seed=5)
    rig = make_rig(server.url, window=0)
    async with rig.running:
        ids = rig.store.ids()
        batch = rig.deletes.schedule(ids[:1])
        assert batch is not None
        summary = await asyncio.wait_for(batch.wait(), 60)
        assert summary is not None and summary.deleted == (ids[0],)
        assert rig.time.sleeping == 0
        assert await server_ids(server.url) == ids[1:]


async def test_pending_rows_stay_out_through_reloads_and_changes_elsewhere(
    make_server: Callable[..., EmbeddedServer], make_rig: Callable[..., Rig]
) -> None:
    """The synchronizer's writes for a held row (a fetch after another client's change, a bulk
    reload) update the held copy only: the row does not come back while its delete is pending.
    The change is known: an undo shows the row as changed, a delete says it was changed."""
    server = make_server(seed=6)
    rig = make_rig(server.url)
    async with rig.running as sync, PiecesClient(server.url) as other:
        ids = rig.store.ids()
        batch = rig.deletes.schedule(ids[1:3])
        assert batch is not None
        await other.rename_conversation(ids[1], "Renamed elsewhere")
        await other.add_message(ids[2], "USER", "bumped elsewhere")
        await settle(rig.store, other)
        assert await sync.resync()  # what a reconnection does
        held = rig.store.held(ids[1])
        assert held is not None and held.summary.name == "Renamed elsewhere"
        assert ids[1] not in rig.store and ids[2] not in rig.store
        assert rig.deletes.undo() is batch
        assert rig.store.get(ids[1]) == held.summary
        assert rig.store.ids() == await server_ids(server.url)  # ids[2] moved to the top

        again = rig.deletes.schedule(ids[1:3])
        assert again is not None
        await other.rename_conversation(ids[1], "Renamed once more")
        await wait_until(
            lambda: (
                (h := rig.store.held(ids[1])) is not None and h.summary.name == "Renamed once more"
            ),
            what="the held copy follows the rename",
        )
        summary = await rig.close_window(again)
        assert summary.deleted == (ids[2], ids[1])  # display order when scheduled
        assert summary.changed == (ids[1],)
        assert summary.severity == "warning"
        assert "changed by another client" in summary.message()
        assert "“Renamed once more”" in summary.message()  # its newest name
        assert await server_ids(server.url) == [ids[0], *ids[3:]]


async def test_a_delete_racing_another_clients_delete_counts_as_done(
    make_server: Callable[..., EmbeddedServer], make_rig: Callable[..., Rig]
) -> None:
    server = make_server(seed=8)
    rig = make_rig(server.url)
    async with rig.running, PiecesClient(server.url) as other:
        ids = rig.store.ids()
        batch = rig.deletes.schedule(ids[:5])
        assert batch is not None
        # Another client deletes two of them during the window; the stream says so.
        await other.delete_conversation(ids[0])
        await other.delete_conversation(ids[3])
        await wait_until(
            lambda: all((h := rig.store.held(cid)) is not None and h.gone for cid in ids[0:4:3]),
            what="the stream's deletes seen on the held rows",
        )
        summary = await rig.close_window(batch)
        assert summary.already_gone == (ids[0], ids[3])
        assert summary.deleted == (ids[1], ids[2], ids[4])
        assert summary.done == 5 and summary.failed == ()
        assert summary.message() == (
            "Deleted 5 conversations. 2 of them were already deleted elsewhere."
        )
        await settle(rig.store, other)
        assert rig.store.ids() == await server_ids(server.url) == ids[5:]


async def test_a_delete_the_server_fails_comes_back_with_its_reason(
    make_server: Callable[..., EmbeddedServer], make_rig: Callable[..., Rig]
) -> None:
    server = make_server(seed=6)
    async with FaultProxy(server.port) as proxy, PiecesClient(server.url) as other:
        rig = make_rig(proxy.url)
        async with rig.running:
            before = rig.store.ordered()
            ids = rig.store.ids()
            # A healthy server cannot be made to fail a delete: the proxy answers for it.
            proxy.fail("POST", f"/conversations/{ids[2]}/delete", status=500, body="disk on fire")
            batch = rig.deletes.schedule(ids[1:4])
            assert batch is not None
            summary = await rig.close_window(batch)
            assert summary.deleted == (ids[1], ids[3])
            assert [f.id for f in summary.failed] == [ids[2]]
            assert "500" in summary.failed[0].reason
            assert "disk on fire" in summary.failed[0].reason
            assert summary.severity == "error" and summary.title == "Delete failed"
            assert summary.message() == (
                "Deleted 2 conversations. Could not delete “Synthetic conversation 00002” "
                "(back in the list): Pieces OS answered 500: disk on fire"
            )
            assert rig.progress[-1].failed == 1
            assert rig.store.ordered() == tuple(r for r in before if r.id not in summary.deleted)
            assert rig.store.index_of(ids[2]) == 1  # back in its place
            await settle(rig.store, other)
            assert rig.store.ids() == await server_ids(server.url)
            assert ids[2] in await server_ids(server.url)


KILLED_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from pieces_tui.client import PiecesClient
    from pieces_tui.state.deletes import PendingDeletes
    from pieces_tui.state.store import ConversationStore

    async def main() -> None:
        async with PiecesClient(sys.argv[1]) as client:
            store = ConversationStore()
            store.apply_summaries(await client.conversation_summaries())
            deletes = PendingDeletes(client, store, window=3600)
            batch = deletes.schedule(store.ids())
            print("scheduled", len(batch), len(store), flush=True)
            await asyncio.Event().wait()

    asyncio.run(main())
    """
)


async def test_a_kill_during_the_window_deletes_nothing(
    make_server: Callable[..., EmbeddedServer], tmp_path: Path
) -> None:
    server = make_server(seed=50)
    before = await server_ids(server.url)
    script = tmp_path / "pending.py"
    script.write_text(KILLED_SCRIPT)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), server.url, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.split() == [b"scheduled", b"50", b"0"]
    finally:
        os.kill(process.pid, signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 60)
    assert process.returncode == -signal.SIGKILL
    assert await server_ids(server.url) == before
