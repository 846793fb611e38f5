"""Search mode and favorites, driven by the Pilot against the embedded server over real sockets."""

from __future__ import annotations

from pilot_wait import Messages, wait_until

from pieces_tui.client.http import PiecesClient
from pieces_tui.screens.favorites import toggle_favorite
from pieces_tui.screens.search_panel import FIRST_PAGE, SearchPanel
from pieces_tui.state.store import ConversationStore

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
    hook = Messages(SearchPanel.Searched)
    searched = hook.all

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


async def test_star_two_show_favorites_only_and_the_stars_survive_a_restart(
    demo_server, make_app
) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        listing = app.main_screen.conversation_list
        for summary in app.store.ordered():  # the demo stars some: start from none
            if summary.favorited:
                async with PiecesClient(demo_server.url) as other:
                    await other.set_favorited(summary.id, False)
        await wait_until(pilot, lambda: not any(s.favorited for s in app.store.ordered()))
        await pilot.pause()  # the list has every change
        first = listing.highlighted_id
        await pilot.press("f")
        await wait_until(pilot, lambda: app.store.get(first).favorited)
        await pilot.press("j")
        second = listing.highlighted_id
        assert second != first
        await pilot.press("f")
        await wait_until(
            pilot,
            lambda: {s.id for s in app.store.ordered() if s.favorited} == {first, second},
        )
        await wait_until(pilot, lambda: listing.get_row(second).favorited)
        assert listing.get_row(first).favorited and listing.get_row(second).favorited
        await pilot.press("F")
        assert listing.visible_count == 2 and app.main_screen.filtered == 2
        await pilot.press("F")
        assert listing.visible_count == len(app.store)

    app = make_app(demo_server.url)  # a new start: the stars come from the server
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        assert {s.id for s in app.store.ordered() if s.favorited} == {first, second}
        await pilot.press("F")
        assert app.main_screen.conversation_list.visible_count == 2


async def test_a_star_set_elsewhere_shows_live(demo_server, make_app) -> None:
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        listing = app.main_screen.conversation_list
        target = listing.row_at(2)
        async with PiecesClient(demo_server.url) as other:
            await other.set_favorited(target.id, not target.favorited)
            await wait_until(
                pilot, lambda: listing.get_row(target.id).favorited != target.favorited
            )


async def test_a_failed_star_says_why_and_leaves_the_star_as_it_was(demo_server) -> None:
    # The store still holds a conversation the server has deleted (the stream has not said
    # so yet): done without the app, so that no stream event can race the request.
    store = ConversationStore()
    async with PiecesClient(demo_server.url) as client:
        conversation = (await client.conversations())[0]
        store.upsert(conversation)
        before = store.get(conversation.id)
        await client.delete_conversation(conversation.id)
        problem = await toggle_favorite(client, store, conversation.id)
    assert problem is not None and "deleted" in problem
    assert store.get(conversation.id) == before


async def test_results_come_a_page_first_and_the_rest_as_the_reader_scrolls(
    demo_server, make_app
) -> None:
    word = "pagewordzyx"
    count = 130
    async with PiecesClient(demo_server.url) as other:
        for i in range(count):
            await other.create_conversation(
                name=f"Paged {i}", messages=[("USER", f"note {i} on {word}")]
            )
    app = make_app(demo_server.url)
    hook = Messages(SearchPanel.Searched)
    searched = hook.all

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await wait_until(pilot, loaded(app))
        panel = app.main_screen.search_panel
        await pilot.press("s", *word)
        await wait_until(pilot, lambda: bool(searched) and searched[-1].query == word)
        first = [r.id for r in panel.results.results]
        assert FIRST_PAGE <= len(first) < count
        assert "more as you scroll" in str(panel.status_line.render())
        await pilot.press("enter", "end")  # to the results, then their last row
        await wait_until(pilot, lambda: searched[-1].count == count)
        ids = [r.id for r in panel.results.results]
        assert ids[: len(first)] == first and len(set(ids)) == count
        assert str(panel.status_line.render()) == f"{count} conversations"


def highlighted(app, message_id: str) -> list[tuple[str, str]]:
    """(word, style) of each highlighted span in the rendered Markdown of one message."""
    from textual.content import Content
    from textual.widgets import Markdown, Static

    from pieces_tui.widgets.detail import message_blocks
    from pieces_tui.widgets.detail.highlight import CURRENT_STYLE, MATCH_STYLE

    out = []
    for block in message_blocks(app.main_screen.detail):
        if block.message.id != message_id:
            continue
        # A message with no Markdown syntax is its block alone (widgets/detail/blocks.py).
        widgets = [block] if block.plain is not None else []
        widgets += [w for markdown in block.query(Markdown) for w in markdown.query(Static)]
        for widget in widgets:
            content = widget.content
            if isinstance(content, Content):
                out.extend(
                    (content.plain[span.start : span.end], str(span.style))
                    for span in content.spans
                    if span.style in (MATCH_STYLE, CURRENT_STYLE)
                )
    return out


async def test_matched_words_are_highlighted_in_the_rendered_markdown(
    demo_server, make_app
) -> None:
    from pieces_tui.widgets.detail.highlight import CURRENT_STYLE, MATCH_STYLE

    word = "Quokkamatch"
    texts = [
        f"The first {word} is *here*, and {word.lower()}es too.",
        "Nothing to see in this one.",
        f"A list:\n\n- **bold {word}**\n- `code {word}`\n\n<b>{word}</b> stays literal",
    ]
    async with PiecesClient(demo_server.url) as other:
        target = await other.create_conversation(
            name="Highlights", messages=[("USER", text) for text in texts]
        )
        ids = (await other.conversation(target.id)).message_ids()
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        screen = app.main_screen
        await pilot.press("s", *word.lower()[:6])
        await wait_until(
            pilot, lambda: [r.id for r in screen.search_panel.results.results] == [target.id]
        )
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: screen.detail.matches.position == "1/2", within=20)
        # The prefix matches the word and its longer form; the current match is styled apart.
        await wait_until(pilot, lambda: len(highlighted(app, ids[0])) == 2)
        assert highlighted(app, ids[0]) == [
            (word, CURRENT_STYLE),
            (word.lower() + "es", CURRENT_STYLE),
        ]
        await wait_until(pilot, lambda: len(highlighted(app, ids[2])) == 3)
        assert {style for _, style in highlighted(app, ids[2])} == {MATCH_STYLE}
        assert not highlighted(app, ids[1])
        # The Markdown was rendered from the text as it is: "<b>" shows literally.
        rendered = " ".join(
            str(w.content)
            for w in screen.detail.query("#detail-messages Static")
            if "stays literal" in str(w.content)
        )
        assert f"<b>{word}</b>" in rendered

        await pilot.press("n")
        await wait_until(pilot, lambda: screen.detail.matches.position == "2/2")
        assert {style for _, style in highlighted(app, ids[2])} == {CURRENT_STYLE}
        assert {style for _, style in highlighted(app, ids[0])} == {MATCH_STYLE}

        await pilot.press("escape", "escape")  # out of the search: no highlight left
        await wait_until(pilot, lambda: not screen.searching)
        await wait_until(pilot, lambda: not any(highlighted(app, i) for i in ids))
