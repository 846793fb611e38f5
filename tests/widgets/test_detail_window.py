"""The detail pane's message window, with an in-memory fetcher (no server): what it asks for,
what it mounts, and where the reader stays as messages are mounted above."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from pilot_wait import wait_until
from textual.app import App, ComposeResult
from textual.widgets import Static

from pieces_tui.paths import styles_dir
from pieces_tui.widgets.detail import (
    FETCH_BATCH,
    MAX_MOUNTED,
    ConversationDetail,
    ConversationView,
    MessageBlock,
    MessageView,
    message_blocks,
)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def message(k: int) -> MessageView:
    role = "USER" if k % 2 == 0 else "ASSISTANT"
    return MessageView(id=f"m{k:06d}", role=role, text=f"Message number {k}.")


class Fetcher:
    """Serves messages by id from memory and records every request."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    async def __call__(self, ids: Sequence[str]) -> list[MessageView]:
        self.calls.append(list(ids))
        if self.fail:
            raise RuntimeError("server went away")
        return [message(int(i[1:])) for i in ids]


def view(count: int, *, given: int = 0) -> ConversationView:
    return ConversationView(
        id="c1",
        name="Long",
        type="COPILOT",
        created=NOW,
        updated=NOW,
        messages=[message(k) for k in range(given)],
        message_ids=[f"m{k:06d}" for k in range(count)],
    )


class PaneApp(App[None]):
    CSS_PATH = [styles_dir() / "app.tcss", styles_dir() / "detail.tcss"]

    def compose(self) -> ComposeResult:
        yield ConversationDetail(id="detail", now=lambda: NOW)


def pane(app: App[None]) -> ConversationDetail:
    return app.query_one(ConversationDetail)


def mounted_ids(app: App[None]) -> list[str]:
    return [block.message.id for block in message_blocks(pane(app))]


def contiguous(ids: list[str]) -> bool:
    numbers = [int(i[1:]) for i in ids]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def line(app: App[None], which: str) -> Static:
    return pane(app).query_one(f"#detail-{which}", Static)


async def test_opens_with_a_screenful_of_the_first_messages_fetched_by_id() -> None:
    app = PaneApp()
    fetch = Fetcher()
    async with app.run_test(size=(100, 30)) as pilot:
        pane(app).show_conversation(view(2_000), fetch)
        await wait_until(pilot, lambda: len(mounted_ids(app)) >= FETCH_BATCH)
        await wait_until(pilot, lambda: not pane(app).window.fetching)
        ids = mounted_ids(app)
        assert ids[0] == "m000000" and contiguous(ids)
        # Only about a screen ahead is fetched, not the conversation.
        assert sum(len(call) for call in fetch.calls) < 60
        assert all(len(call) <= FETCH_BATCH for call in fetch.calls)
        later = line(app, "later")
        assert later.display and "more messages" in str(later.visual)
        assert not line(app, "earlier").display


async def test_scrolling_down_fetches_more_and_the_window_stays_bounded() -> None:
    app = PaneApp()
    fetch = Fetcher()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = pane(app)
        detail.show_conversation(view(2_000), fetch)
        await wait_until(pilot, lambda: bool(mounted_ids(app)))

        def scrolled_past_120() -> bool:
            # Each look scrolls to the end again: a batch is mounted, laid out, then the next
            # fetched. Bounded in time, not in looks (200 looks ran out once on a loaded box,
            # where the app lays out fewer frames per look).
            detail.scroll_end(animate=False)
            return int(mounted_ids(app)[-1][1:]) > 120 and not detail.window.fetching

        await wait_until(pilot, scrolled_past_120, within=60, what="message 120 mounted")
        # Blocks trimmed off the top leave the DOM when their removal is processed: wait for
        # what is mounted to be the window (it was never more than the window itself).
        window = detail.window
        await wait_until(pilot, lambda: mounted_ids(app) == window.ids[window.lo : window.hi])
        ids = mounted_ids(app)
        assert contiguous(ids)
        assert int(ids[-1][1:]) > 120
        assert len(ids) <= MAX_MOUNTED
        assert line(app, "earlier").display  # the first messages were unmounted


async def test_paging_goes_on_when_a_block_is_laid_out_without_a_resize(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fault Textual produces, not the pane: under load, blocks mounted at the end of the
    # window were laid out on screen without a `Resize` (about 1 run in 30 of the test above),
    # and the pane, already at the end, never looked at its edges again. Here no block's
    # `Resize` reaches it at all, every time.
    monkeypatch.setattr(MessageBlock, "on_resize", lambda self: None)
    app = PaneApp()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = pane(app)
        detail.show_conversation(view(2_000), Fetcher())
        await wait_until(pilot, lambda: bool(mounted_ids(app)))

        def scrolled_past_120() -> bool:
            detail.scroll_end(animate=False)
            return int(mounted_ids(app)[-1][1:]) > 120 and not detail.window.fetching

        await wait_until(pilot, scrolled_past_120, within=60, what="message 120 mounted")


async def test_end_jumps_to_the_latest_then_scrolling_up_keeps_the_reader_in_place() -> None:
    app = PaneApp()
    fetch = Fetcher()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = pane(app)
        detail.show_conversation(view(100_000), fetch)
        await wait_until(pilot, lambda: bool(mounted_ids(app)))
        detail.focus()
        await pilot.press("G")
        await wait_until(pilot, lambda: mounted_ids(app)[-1:] == ["m099999"])
        await wait_until(pilot, lambda: not detail.window.fetching)
        await pilot.pause()
        assert detail.scroll_y == detail.max_scroll_y
        assert contiguous(mounted_ids(app))
        assert line(app, "earlier").display
        assert "earlier messages" in str(line(app, "earlier").visual)
        # Every fetch asked for a handful: the 100,000 were never requested.
        assert sum(len(call) for call in fetch.calls) < 100

        # Scroll up to the top of the window: earlier messages are mounted above, and the
        # message that was at the top of the screen stays where it was.
        first = message_blocks(detail)[0]
        on_screen_at_top = first.region.y + round(detail.scroll_y)
        detail.scroll_home(animate=False)
        await wait_until(pilot, lambda: mounted_ids(app)[0] != first.message.id)
        await wait_until(pilot, lambda: not detail.window.fetching)
        await pilot.pause()
        await pilot.pause()
        assert contiguous(mounted_ids(app))
        assert first.is_attached and first.region.y == on_screen_at_top
        assert detail.scroll_y > 0

        # g goes back to the very first message.
        await pilot.press("g")
        await wait_until(pilot, lambda: mounted_ids(app)[:1] == ["m000000"])
        assert detail.scroll_y == 0
        assert not line(app, "earlier").display


async def test_a_failed_fetch_says_so_and_scrolling_retries() -> None:
    app = PaneApp()
    fetch = Fetcher(fail=True)
    async with app.run_test(size=(100, 30)) as pilot:
        detail = pane(app)
        detail.show_conversation(view(1_000, given=8), fetch)
        later = line(app, "later")
        await wait_until(pilot, lambda: "could not load" in str(later.visual))
        assert "server went away" in str(later.visual)
        calls = len(fetch.calls)
        fetch.fail = False
        detail.scroll_end(animate=False)
        await wait_until(pilot, lambda: len(fetch.calls) > calls)
        await wait_until(pilot, lambda: len(mounted_ids(app)) > 8)
        assert contiguous(mounted_ids(app))


async def test_a_short_conversation_needs_no_fetcher() -> None:
    app = PaneApp()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = pane(app)
        detail.show_conversation(view(40, given=40))
        await wait_until(pilot, lambda: bool(mounted_ids(app)))
        await pilot.press("G")
        await wait_until(pilot, lambda: len(mounted_ids(app)) == 40)
        assert not line(app, "later").display and not line(app, "earlier").display


def tall_view(count: int) -> ConversationView:
    """Messages of 20 lines each: a screen of 30 rows shows two of them."""
    tall = [
        MessageView(id=f"m{k:06d}", role="USER", text=f"Message {k}\n\n" + "line\n\n" * 10)
        for k in range(count)
    ]
    return ConversationView(
        id="c1", name="Tall", type="COPILOT", created=NOW, updated=NOW, messages=tall
    )


async def test_a_jump_into_the_first_batch_before_it_is_all_mounted_stays_in_it() -> None:
    """An opening mounts a screenful first (two of these messages) and the rest of its batch
    after the first frame: a jump (a search match) to the sixth message meanwhile mounts the
    rest and scrolls to it, in the same window, as when all twelve were mounted at once."""
    app = PaneApp()
    async with app.run_test(size=(100, 30)) as pilot:
        detail = pane(app)
        detail.show_loading("c1")
        detail.show_conversation(tall_view(30))
        assert len(mounted_ids(app)) < 6
        detail.set_matches(["m000005"])
        await wait_until(pilot, lambda: not detail.loading, 60, what="revealed")
        await wait_until(
            pilot,
            lambda: "m000005" in [block.message.id for block in detail.on_screen()],
            60,
            what="the sixth message on screen",
        )
        assert detail.window.lo == 0
        assert mounted_ids(app)[:12] == [f"m{k:06d}" for k in range(12)]
        assert not line(app, "earlier").display
