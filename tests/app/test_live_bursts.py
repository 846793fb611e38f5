"""Bursts of live changes: at most one list update per frame, and the open conversation
refreshed at most once per settle, with the list and the pane ending right."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pilot_wait import wait_until
from textual.widgets import Static

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.config import Timings
from pieces_tui.screens.main import DRAIN_SPACING
from pieces_tui.state.store import StoreChange

SIZE = (120, 40)


def counted(target: object, name: str, calls: list[float] | None = None) -> list[float]:
    """Record in `calls` when `target.name` (a public method) is called, and still call it."""
    calls = [] if calls is None else calls
    method: Callable[..., Any] = getattr(target, name)
    loop = asyncio.get_running_loop()

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(loop.time())
        return method(*args, **kwargs)

    setattr(target, name, spy)
    return calls


async def live_with(pilot: Any, app: PiecesApp, count: int) -> None:
    def ready() -> bool:
        screen = app.main_screen
        return (
            screen.status.state == "live"
            and screen.conversation_list.row_count == count
            and screen.detail.conversation_id is not None
            and not screen.detail.loading
        )

    await wait_until(pilot, ready, what=f"live with {count} conversations")


async def test_a_burst_of_renames_updates_the_list_once_per_frame_and_ends_equal(
    server, make_app
) -> None:
    async with PiecesClient(server.url) as direct:
        ids = [(await direct.create_conversation(f"Conversation {i}")).id for i in range(10)]
        app = make_app(server.url)
        async with app.run_test(size=SIZE) as pilot:
            await live_with(pilot, app, 10)
            listing = app.main_screen.conversation_list
            updates = counted(listing, "rows_replaced", counted(listing, "rows_changed"))
            changes: list[StoreChange] = []
            app.store.subscribe(changes.append)
            loop = asyncio.get_running_loop()
            began = loop.time()
            for start in range(0, 200, 10):  # 200 renames, 10 at a time
                await asyncio.gather(
                    *(
                        direct.rename_conversation(ids[k % 10], f"Burst {k:03d}")
                        for k in range(start, start + 10)
                    )
                )
            truth = [(c.id, c.name) for c in await direct.conversations()]

            def equal() -> bool:
                shown = [(listing.row_at(k).id, listing.row_at(k).name) for k in range(10)]
                return listing.row_count == 10 and sorted(shown) == sorted(truth)

            await wait_until(pilot, equal, 30, what="the list equal to the server's")
            await pilot.pause(0.2)  # let any drain still due run
            elapsed = loop.time() - began
            # Never more than one list update per frame, however many changes came in.
            assert len(updates) <= elapsed / DRAIN_SPACING + 2, (len(updates), elapsed)
            assert len(updates) <= len(changes), (len(updates), len(changes))
            names = {listing.row_at(k).id: listing.row_at(k).name for k in range(10)}
            assert names == dict(truth)


async def test_a_burst_of_store_changes_is_one_list_update_per_frame(server, make_app) -> None:
    async with PiecesClient(server.url) as direct:
        for i in range(5):
            await direct.create_conversation(f"Conversation {i}")
        app = make_app(server.url)
        async with app.run_test(size=SIZE) as pilot:
            await live_with(pilot, app, 5)
            models = [await direct.conversation(row.id) for row in app.store.ordered()]
            listing = app.main_screen.conversation_list
            updates = counted(listing, "rows_replaced", counted(listing, "rows_changed"))
            loop = asyncio.get_running_loop()
            began = loop.time()
            # What the synchronizer does in a burst: one write per fetched conversation, each in
            # its own turn of the loop (so none collapses with the next in the message queue).
            for k in range(1000):
                model = models[k % 5]
                app.store.upsert(model.model_copy(update={"name": f"Burst {k:04d}"}))
                await asyncio.sleep(0)
            elapsed = loop.time() - began
            last = {models[k % 5].id: f"Burst {k:04d}" for k in range(995, 1000)}
            await wait_until(
                pilot,
                lambda: all(listing.get_row(cid).name == name for cid, name in last.items()),
                what="the last names listed",
            )
            assert [listing.row_at(k).id for k in range(5)] == app.store.ids()
            assert len(updates) <= elapsed / DRAIN_SPACING + 2, (len(updates), elapsed)
            assert len(updates) < 1000


async def test_the_open_conversation_is_refreshed_once_per_settle_and_shows_the_last(
    server, make_app
) -> None:
    async with PiecesClient(server.url) as direct:
        for i in range(3):
            await direct.create_conversation(f"Conversation {i}", messages=[("USER", "Hello")])
        settle = 0.1
        app = make_app(server.url, timings=Timings(detail_settle=settle))
        async with app.run_test(size=SIZE) as pilot:
            await live_with(pilot, app, 3)
            screen = app.main_screen
            open_id = screen.detail.conversation_id
            assert open_id is not None
            model = await direct.conversation(open_id)
            headers = counted(screen.detail, "show_header")
            loop = asyncio.get_running_loop()
            began = loop.time()
            for k in range(300):
                app.store.upsert(model.model_copy(update={"name": f"Burst {k:03d}"}))
                await asyncio.sleep(0)
            elapsed = loop.time() - began

            def shows_last() -> bool:
                return "Burst 299" in str(screen.detail.query_one("#detail-title", Static).visual)

            await wait_until(pilot, shows_last, what="the pane shows the last name")
            await pilot.pause(0.3)
            elapsed_all = loop.time() - began
            assert len(headers) <= elapsed_all / settle + 2, (len(headers), elapsed, settle)
            assert len(headers) < 300


async def test_live_changes_and_moves_repaint_what_changed_not_the_whole_screen(
    server, make_app
) -> None:
    """A create and a delete change the count the status bar shows, a move opens another
    conversation: each repaints its own widgets, never the whole screen (every widget on it,
    the footer's keys too) as the screen's reactives did when they asked for a repaint."""
    async with PiecesClient(server.url) as direct:
        for i in range(3):
            await direct.create_conversation(f"Conversation {i}")
        app = make_app(server.url)
        async with app.run_test(size=SIZE) as pilot:
            await live_with(pilot, app, 3)
            screen = app.main_screen
            listing = screen.conversation_list
            whole: list[tuple[Any, ...]] = []
            refresh = screen.refresh

            def spy(*regions: Any, **kwargs: Any) -> Any:
                if not regions and not kwargs.get("layout"):
                    whole.append(regions)
                return refresh(*regions, **kwargs)

            screen.refresh = spy  # type: ignore[method-assign]
            created = await direct.create_conversation("Live one")
            await wait_until(pilot, lambda: screen.status.count == 4, what="the create counted")
            listing.highlight(created.id)
            await wait_until(pilot, lambda: screen.pane.conversation_id == created.id)
            await direct.delete_conversation(created.id)
            await wait_until(pilot, lambda: screen.status.count == 3, what="the delete counted")
            screen.refresh = refresh  # type: ignore[method-assign]
            assert whole == []
