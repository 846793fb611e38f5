"""Search mode and favorites, driven by the Pilot against the embedded server over real sockets."""

from __future__ import annotations

from pilot_wait import Notices, wait_until

from pieces_tui.client.http import PiecesClient
from pieces_tui.screens.search_panel import SearchPanel

from .conftest import loaded

SIZE = (120, 40)
WORD = "zanzibarquux"
"""A word that appears only in one message body (not in any name)."""


async def test_search_a_word_only_in_a_message_body_and_open_it(demo_server, make_app) -> None:
    async with PiecesClient(demo_server.url) as other:
        target = await other.create_conversation(
            name="Plain title", messages=[("USER", f"tell me about {WORD} please")]
        )
    app = make_app(demo_server.url)
    searched: list[SearchPanel.Searched] = []

    def hook(message: object) -> None:
        if isinstance(message, SearchPanel.Searched):
            searched.append(message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await wait_until(pilot, loaded(app))
        screen = app.main_screen
        listing = screen.conversation_list
        before = listing.highlighted_id
        await pilot.press("s", *WORD[:6])  # typed in one go, straight after s
        await wait_until(pilot, lambda: any(m.query == WORD[:6] for m in searched))
        await pilot.press(*WORD[6:])
        await wait_until(pilot, lambda: bool(searched) and searched[-1].query == WORD)
        results = screen.search_panel.results
        assert [r.id for r in results.results] == [target.id]
        row = results.results[0]
        assert row.name == "Plain title" and row.message_hits == 1
        start, end = row.matches[0]
        assert row.snippet[start:end].lower() == WORD

        await pilot.press("enter")  # from the field to the results
        assert app.focused is results
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.detail.conversation_id == target.id)
        assert app.focused is screen.detail

        await pilot.press("escape")  # back to the results
        assert app.focused is results
        await pilot.press("escape")  # back to the full list, where it was
        assert not screen.searching
        assert app.focused is listing and listing.highlighted_id == before
        await wait_until(pilot, lambda: screen.detail.conversation_id == before)
