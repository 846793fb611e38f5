"""(f) The user deletes a conversation another client is deleting too: the server answers the
second delete 404. The app takes that as done: an informative notice, no error, the row goes.

Three orders: the other delete lands while the confirm dialog is open (the stream removes the
row first); while the live stream is held (the app still shows the row when its delete gets the
404); and while the app's own request is held in flight (both deletes truly overlap).
"""

from __future__ import annotations

from collections.abc import Callable

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.server import EmbeddedServer

from .conftest import (
    SIZE,
    assert_in_step,
    delete_via_ui,
    errors,
    notices,
    recorder,
    seed,
    started,
    wait_until,
)
from .proxy import FaultProxy

ALREADY = "already deleted elsewhere"


async def test_delete_racing_another_clients_delete(
    server: EmbeddedServer, proxy: FaultProxy, make_app: Callable[..., PiecesApp]
) -> None:
    await seed(server.url, 5)
    proxy.set_upstream(server.port)
    app = make_app(proxy.url)
    async with (
        app.run_test(size=SIZE, message_hook=recorder(app)) as pilot,
        PiecesClient(server.url) as other,
    ):
        await started(pilot, app, 5)

        def already_told() -> int:
            return sum(ALREADY in text for text in notices(app))

        # 1. Deleted elsewhere while the confirm dialog is open.
        target = app.main_screen.conversation_list.highlighted_id

        async def other_deletes_first() -> None:
            await other.delete_conversation(target)
            await wait_until(pilot, lambda: target not in app.store, what="stream removed it")

        await delete_via_ui(pilot, app, confirm_when=other_deletes_first)
        await wait_until(pilot, lambda: already_told() == 1, what="told it was already gone")
        await assert_in_step(pilot, app, server.url)

        # 2. Deleted elsewhere while the live stream is held: the row is still on screen.
        proxy.stall(True, only="ws")
        target = app.main_screen.conversation_list.highlighted_id
        await other.delete_conversation(target)
        assert target in app.store
        await delete_via_ui(pilot, app)
        await wait_until(pilot, lambda: already_told() == 2)
        assert target not in app.store and app.main_screen.conversation_list.get_row(target) is None
        proxy.stall(False)
        await assert_in_step(pilot, app, server.url)

        # 3. Both requests in flight: the app's is held until the other delete has landed.
        proxy.stall(True, only="http")
        target = app.main_screen.conversation_list.highlighted_id
        request = ("POST", f"/conversations/{target}/delete")
        await delete_via_ui(pilot, app)
        await wait_until(pilot, lambda: request in proxy.requests, what="the app's delete sent")
        await other.delete_conversation(target)
        proxy.stall(False)
        await wait_until(pilot, lambda: already_told() == 3)
        await assert_in_step(pilot, app, server.url)
        assert len(app.store) == 2
        assert not errors(app), errors(app)
