"""`f` with rows marked stars them all (or unstars them all when all are starred), one request
each, with one summary naming what failed. The failure is the server answering 500 to one
conversation's read, which a healthy embedded server cannot be made to do: the proxy answers it
in its place (real sockets; the request never reaches the server)."""

from __future__ import annotations

from collections.abc import Callable

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.server import EmbeddedServer

from .conftest import SIZE, has_notice, notices, recorder, seed, started, wait_until
from .proxy import FaultProxy

REASON = "database is locked (injected by the test proxy)"


async def starred_on_server(url: str) -> set[str]:
    async with PiecesClient(url) as direct:
        return {c.id for c in await direct.conversations() if c.favorited}


async def test_bulk_star_and_unstar_with_one_summary_and_failures_named(
    server: EmbeddedServer, proxy: FaultProxy, make_app: Callable[..., PiecesApp]
) -> None:
    ids = await seed(server.url, 6)
    proxy.set_upstream(server.port)
    app = make_app(proxy.url)
    async with app.run_test(size=SIZE, message_hook=recorder(app)) as pilot:
        await started(pilot, app, 6)
        screen = app.main_screen
        listing = screen.conversation_list
        rows = list(listing.visible_ids())
        marked = rows[:4]
        await pilot.press("space", "space", "space", "space")
        await wait_until(pilot, lambda: screen.marked == 4)
        failing = marked[2]
        failing_name = app.store.get(failing).name
        proxy.fail("GET", f"/conversation/{failing}", body=REASON)

        await pilot.press("f")
        await wait_until(pilot, has_notice(app, "Starred: Starred 3 conversations."))
        last = notices(app)[-1]
        assert f"Could not change 1: “{failing_name}”" in last and REASON in last, last
        assert await starred_on_server(server.url) == set(marked) - {failing}
        await wait_until(
            pilot, lambda: {i for i in ids if app.store.get(i).favorited} == set(marked) - {failing}
        )
        assert screen.marked == 4  # the marks stay, so f can be pressed again

        proxy.clear_failures()
        await pilot.press("f")  # not all starred yet: star the rest
        await wait_until(pilot, has_notice(app, "Starred: Starred 4 conversations."))
        assert await starred_on_server(server.url) == set(marked)

        await pilot.press("f")  # all starred: unstar them all
        await wait_until(pilot, has_notice(app, "Unstarred: Unstarred 4 conversations."))
        assert await starred_on_server(server.url) == set()
        await wait_until(pilot, lambda: not any(app.store.get(i).favorited for i in ids))
