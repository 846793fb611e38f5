"""The next page of search results fails to load: the reader is told, and moving near the end
of the results again asks again (the proxy answers the one search request with a 500 in the
server's place: a healthy embedded server cannot be made to fail a search)."""

from __future__ import annotations

from collections.abc import Callable

from pilot_wait import Messages

from pieces_tui.app import PiecesApp
from pieces_tui.client.http import PiecesClient
from pieces_tui.screens.search_panel import FIRST_PAGE, SearchPanel
from pieces_tui.server import EmbeddedServer

from .conftest import SIZE, started, wait_until
from .proxy import FaultProxy

REASON = "search index busy (injected by the test proxy)"
WORD = "pagewordqvx"
COUNT = 130


async def test_a_failed_next_page_says_so_and_is_asked_again(
    server: EmbeddedServer, proxy: FaultProxy, make_app: Callable[..., PiecesApp]
) -> None:
    async with PiecesClient(server.url) as direct:
        for i in range(COUNT):
            await direct.create_conversation(
                name=f"Paged {i}", messages=[("USER", f"note {i} on {WORD}")]
            )
    proxy.set_upstream(server.port)
    app = make_app(proxy.url)
    hook = Messages(SearchPanel.Searched)
    searched = hook.all

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await started(pilot, app, COUNT)
        panel = app.main_screen.search_panel
        await pilot.press("s", *WORD)
        await wait_until(pilot, lambda: bool(searched) and searched[-1].query == WORD)
        first = [row.id for row in panel.results.results]
        assert FIRST_PAGE <= len(first) < COUNT

        rule = proxy.fail("POST", "/conversations/search", status=500, body=REASON, times=1)
        await pilot.press("enter", "end")  # to the results, then their last row
        await wait_until(
            pilot,
            lambda: "move or scroll to try again" in str(panel.status_line.render()),
            what="the failed page told",
        )
        assert rule.hits == 1
        status = str(panel.status_line.render())
        assert "could not load more" in status and "injected" in status
        assert [row.id for row in panel.results.results] == first  # what was shown stays

        await pilot.press("up", "end")  # near the end again: asked again, and it works
        await wait_until(pilot, lambda: searched[-1].count == COUNT, what="the rest loaded")
        ids = [row.id for row in panel.results.results]
        assert ids[: len(first)] == first and len(set(ids)) == COUNT
        assert str(panel.status_line.render()) == f"{COUNT} conversations"
