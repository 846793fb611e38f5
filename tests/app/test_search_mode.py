"""Search mode and favorites, driven by the Pilot against the embedded server over real sockets."""

from __future__ import annotations

from pilot_wait import wait_until

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


def window_ids(app) -> list[str]:
    from pieces_tui.widgets.detail import message_blocks

    return [block.message.id for block in message_blocks(app.main_screen.detail)]


async def test_n_and_shift_n_jump_between_matches_across_pages(demo_server, make_app) -> None:
    word = "quetzalfinder"
    texts = [
        f"message {i} about {word}" if i in (3, 150, 290) else f"message {i} filler"
        for i in range(300)
    ]
    async with PiecesClient(demo_server.url) as other:
        long = await other.create_conversation(
            name="Long one", messages=[("USER", text) for text in texts]
        )
        all_ids = (await other.conversation(long.id)).message_ids()
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        screen = app.main_screen
        detail = screen.detail
        await pilot.press("s", *word)
        await wait_until(
            pilot, lambda: [r.id for r in screen.search_panel.results.results] == [long.id]
        )
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: detail.matches.position == "1/3", within=20)
        await wait_until(pilot, lambda: all_ids[3] in window_ids(app))
        await pilot.press("n")
        await wait_until(pilot, lambda: all_ids[150] in window_ids(app), within=20)
        assert detail.matches.position == "2/3"
        await pilot.press("n")
        await wait_until(pilot, lambda: all_ids[290] in window_ids(app), within=20)
        await pilot.press("N", "N")
        await wait_until(pilot, lambda: all_ids[3] in window_ids(app), within=20)
        assert detail.matches.position == "1/3"

        # Outside a search, n in the pane is New again.
        await pilot.press("escape", "escape")
        assert not screen.searching and not detail.matches
        await wait_until(pilot, lambda: not detail.loading)
        detail.focus()
        await pilot.press("n")
        from pieces_tui.screens.new_conversation import NewConversationScreen

        await wait_until(pilot, lambda: isinstance(app.screen, NewConversationScreen))
