"""Opening a conversation (issue 13, item 5): the first screenful first.

The loading indicator comes off as soon as the header, the summary and the first screenful of
messages are built (not after `REVEAL_LIMIT`, which the tests set to an hour so that a reveal
that waited for it fails); an opening mounts only the messages that fill the screen before that
first frame, and the rest of the first batch right after. Timing is measured by
`benchmarks/open.py`, not here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pilot_wait import wait_until
from textual.strip import Strip

from pieces_tui.client import PiecesClient
from pieces_tui.detail_loader import load_detail
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.db import Database
from pieces_tui.widgets.conversation_list import ConversationList
from pieces_tui.widgets.detail import MESSAGE_BATCH, message_blocks
from pieces_tui.widgets.detail import pane as detail_pane

from .conftest import loaded
from .test_large_conversations import conversation

SIZE = (100, 30)
WIDE = (200, 60)

# Each assistant message is a screenful or more on its own (a heading, prose, a code block, a
# list and a table): a screen shows two or three messages of such a conversation.
RICH = """## Step {k}

Retry the request with **exponential backoff**: the delay doubles after each failure, up to a cap,
and a transport error is retried while an HTTP error is not.

```python
async def fetch(url: str, tries: int = 5) -> Response:
    delay = 0.25
    for attempt in range(tries):
        try:
            return await client.get(url)
        except TransportError:
            await asyncio.sleep(delay)
            delay *= 2
    raise RuntimeError("gave up")
```

- the delay doubles
- the cap is ten seconds

| attempt | delay |
|---|---|
| 1 | 0.25 s |
| 2 | 0.5 s |
"""


@pytest.fixture(autouse=True)
def _no_reveal_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reveal that waits for the timer would take an hour: every wait below fails first."""
    monkeypatch.setattr(detail_pane, "REVEAL_LIMIT", 3600.0)


@pytest.fixture
def opening_server(tmp_path: Path, make_server: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    path = tmp_path / "opening.db"
    db = Database(path)
    db.insert_conversations(
        [
            conversation("latest", 2, 0, lambda k: f"Hello {k}"),
            conversation("rich", 30, 10, lambda k: RICH.format(k=k) if k % 2 else f"Part {k}?"),
            conversation("plain", 40, 20, lambda k: f"Message {k} of the plain one."),
            conversation("empty", 0, 30, lambda k: ""),
            # A text whose Markdown has no block at all: a link reference definition.
            conversation("blockless", 1, 40, lambda k: "[ref]: https://example.com"),
        ]
    )
    db.close()
    return make_server(db_path=path)


def watch_reveals(app) -> list[tuple[str | None, list[str]]]:
    """(conversation id, ids of the message blocks mounted) each time the pane's loading
    indicator comes off: the pane's `set_loading` (Textual's public hook the `loading` reactive
    calls) is wrapped and called through."""
    detail = app.main_screen.detail
    reveals: list[tuple[str | None, list[str]]] = []
    set_loading = detail.set_loading

    def probe(loading: bool) -> None:
        if not loading:
            ids = [block.message.id for block in message_blocks(detail)]
            reveals.append((detail.conversation_id, ids))
        set_loading(loading)

    detail.set_loading = probe  # type: ignore[method-assign]
    return reveals


async def open_conversation(app, pilot, conversation_id: str) -> None:
    detail = app.main_screen.detail
    app.main_screen.conversation_list.highlight(conversation_id)
    await wait_until(
        pilot,
        lambda: detail.conversation_id == conversation_id and not detail.loading,
        60,
        what=f"{conversation_id} shown without its loading indicator",
    )


@pytest.mark.parametrize("size", [SIZE, WIDE], ids=["100x30", "200x60"])
async def test_an_opening_mounts_a_screenful_first_then_the_rest_of_its_batch(
    opening_server, make_app, size
) -> None:
    """Markdown-rich messages: fewer than a batch are mounted when the indicator comes off, and
    they fill the pane once laid out; the rest of the batch follows the first frame."""
    app = make_app(opening_server.url)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, loaded(app), 60)
        reveals = watch_reveals(app)
        await open_conversation(app, pilot, "conversation-rich")
        detail = app.main_screen.detail
        [(_, first)] = [entry for entry in reveals if entry[0] == "conversation-rich"]
        assert 1 <= len(first) < MESSAGE_BATCH
        assert first == [f"rich-{k:06d}" for k in range(len(first))]
        await wait_until(pilot, lambda: len(message_blocks(detail)) >= MESSAGE_BATCH, 60)
        await pilot.pause()
        blocks = {block.message.id: block for block in message_blocks(detail)}
        bottom = max(blocks[i].region.bottom for i in first)
        assert bottom >= detail.scrollable_content_region.bottom, "the first screenful is full"


async def test_short_messages_open_a_whole_batch_at_once(opening_server, make_app) -> None:
    """One-line messages: a screenful is the whole first batch (as before)."""
    app = make_app(opening_server.url)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, loaded(app), 60)
        reveals = watch_reveals(app)
        await open_conversation(app, pilot, "conversation-plain")
        [(_, first)] = [entry for entry in reveals if entry[0] == "conversation-plain"]
        assert first == [f"plain-{k:06d}" for k in range(MESSAGE_BATCH)]


@pytest.mark.parametrize("key", ["empty", "blockless", "rich", "plain"])
async def test_the_indicator_comes_off_without_waiting_for_its_limit(
    opening_server, make_app, key
) -> None:
    """With nothing to fill in (no message), a message whose Markdown has no block, or the
    usual kinds: the pane shows it as soon as it is built."""
    app = make_app(opening_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app), 60)
        await open_conversation(app, pilot, f"conversation-{key}")


async def test_the_message_count_hint_changes_nothing_but_the_order_of_requests(
    opening_server,
) -> None:
    """`load_detail` with the list's message count (conversation and messages asked for
    together) gives the same view as without it; a hint that is wrong does too."""
    async with PiecesClient(opening_server.url) as client:
        for key in ("rich", "plain", "empty"):
            cid = f"conversation-{key}"
            plain = await load_detail(client, cid)
            for hint in (len(plain.all_message_ids), 0, 10_000):
                assert await load_detail(client, cid, message_count=hint) == plain


async def test_an_opening_does_not_repaint_the_whole_screen(opening_server, make_app) -> None:
    """Moving the highlight and opening a conversation repaint the list's rows and the pane,
    not every widget of the screen: the screen is never asked to refresh itself whole (its
    `refresh`, Textual's public method, is wrapped and called through). The screen's record of
    what the pane is doing was a reactive, whose every change did that."""
    app = make_app(opening_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app), 60)
        screen = app.main_screen
        await open_conversation(app, pilot, "conversation-latest")
        whole: list[tuple[object, ...]] = []
        refresh = screen.refresh

        def probe(*regions, **kwargs):  # type: ignore[no-untyped-def]
            if not regions:
                whole.append(tuple(kwargs.items()))
            return refresh(*regions, **kwargs)

        screen.refresh = probe  # type: ignore[method-assign]
        for key in ("plain", "rich", "latest"):
            await open_conversation(app, pilot, f"conversation-{key}")
        assert whole == []


async def test_the_first_conversation_opens_once_the_list_that_landed_is_drawn(
    demo_server, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its fetch is the first to import pydantic and the models (~0.15 s on the loop): the list
    that just landed is painted first, not after it. (The first highlight opened it at once,
    and the screen reached the list's repaint only after that fetch's first steps.)"""
    drawn_rows = False
    drawn_then: list[bool] = []
    render_line = ConversationList.render_line
    show_loading = detail_pane.ConversationDetail.show_loading

    def drawing(listing: ConversationList, y: int) -> Strip:
        nonlocal drawn_rows
        drawn_rows = drawn_rows or listing.visible_count > 0
        return render_line(listing, y)

    def recording(pane: detail_pane.ConversationDetail, conversation_id: str) -> None:
        drawn_then.append(drawn_rows)
        show_loading(pane, conversation_id)

    monkeypatch.setattr(ConversationList, "render_line", drawing)
    monkeypatch.setattr(detail_pane.ConversationDetail, "show_loading", recording)
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(drawn_then), within=30, what="the first opening")
    assert drawn_then[0], "the pane's first fetch began before the list had drawn its rows"
