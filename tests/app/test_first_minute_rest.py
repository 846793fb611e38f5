"""Issue 17, "feels right in the first minute", the rest: times, the status bar at 80 columns,
focus, loading, quitting, the connect screen's typeahead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC

import pytest
from pilot_wait import wait_until
from textual.widgets import Static

from pieces_tui.config import Settings
from pieces_tui.timefmt import SYSTEM_ZONE, absolute_time

from .conftest import loaded

SIZE = (100, 30)
PARIS = "CET-1CEST,M3.5.0,M10.5.0/3"
"""Central European time as a POSIX rule: needs no tz database on the machine."""


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", PARIS)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def meta_text(app) -> str:
    return str(app.main_screen.detail.query_one("#detail-meta", Static).visual)


@pytest.mark.parametrize(
    ("options", "zone"),
    [({}, "CET"), ({"utc": True}, "UTC"), ({"settings_utc": True}, "UTC")],
    ids=["local", "--utc", "setting"],
)
async def test_times_are_local_with_the_zone_unless_utc_is_asked(
    paris, demo_server, make_app, tmp_path, options, zone
) -> None:
    settings = Settings(path=tmp_path / "config.json", utc_times=options.pop("settings_utc", False))
    # now=None: the app's own clock, which carries the zone the times are shown in.
    app = make_app(demo_server.url, now=None, settings=settings, **options)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        row = app.store.get(app.main_screen.conversation_list.highlighted_id)
        assert row is not None
        shown = absolute_time(row.updated, SYSTEM_ZONE if zone == "CET" else UTC)
        await wait_until(pilot, lambda: shown in meta_text(app), what=meta_text(app))
        assert shown.endswith(f" {zone}")


def built(app, conversation_id: str | None) -> bool:
    """The pane's first screenful of `conversation_id` is built: its title, its messages mounted
    and, with the summary, their Markdown in."""
    from pieces_tui.widgets.detail.blocks import message_blocks, settled

    detail = app.main_screen.detail
    row = app.store.get(conversation_id)
    title = str(detail.query_one("#detail-title", Static).visual)
    blocks = message_blocks(detail)
    ours = set(detail.message_ids)
    annotations = list(detail.query_one("#detail-annotations").children)
    return (
        row is not None
        and title == row.name
        and bool(blocks)
        and all(block.message.id in ours for block in blocks)
        and settled(blocks)
        and bool(annotations)
        and settled(annotations)
    )


async def test_opening_shows_one_loading_look_then_all_at_once(demo_server, make_app) -> None:
    """Whenever the loading indicator comes off the pane, what it uncovers is built: the header,
    summary and first messages all at once, never a stage (the header alone, the summary
    without messages). Checked at the moment the indicator comes off: the test wraps the pane's
    `set_loading` (Textual's public hook that the `loading` reactive calls), and calls through."""
    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        detail = app.main_screen.detail
        listing = app.main_screen.conversation_list
        uncovered: list[tuple[str | None, bool]] = []
        set_loading = detail.set_loading

        def probe(loading: bool) -> None:
            if not loading:
                uncovered.append((detail.conversation_id, built(app, detail.conversation_id)))
            set_loading(loading)

        detail.set_loading = probe  # type: ignore[method-assign]
        opened = []
        for _ in range(3):  # a few openings, each of a conversation with a summary
            await pilot.press("down", "down")
            target = listing.highlighted_id
            opened.append(target)
            await wait_until(
                pilot,
                lambda shown=target: detail.conversation_id == shown and not detail.loading,
                30,
            )
        assert [entry for entry in uncovered if entry[0] in opened] == [
            (target, True) for target in opened
        ]


@pytest.mark.parametrize("key", ["/", "u"])
async def test_keys_typed_after_slash_on_the_connect_screen_land_in_the_url(
    make_app, unused_url, key
) -> None:
    from textual.widgets import Input

    from pieces_tui.screens.connect import ConnectScreen

    from .test_first_minute import type_in_one_read

    app = make_app(unused_url)
    async with app.run_test(size=SIZE) as pilot:
        # Pushed while the app may be idle: read it once it is composed and has its focus.
        await wait_until(
            pilot, lambda: isinstance(app.screen, ConnectScreen) and app.screen.focused is not None
        )
        field = app.screen.query_one("#url", Input)
        field.value = ""
        type_in_one_read(app, f"{key}http://127.0.0.1:2")
        await wait_until(pilot, lambda: field.value == "http://127.0.0.1:2", what=field.value)
        assert app.focused is field
        # Esc leaves the box; the screen's own keys work again (r: Retry closes the screen).
        screen = app.screen
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.focused is not field)
        type_in_one_read(app, "r")
        await wait_until(pilot, lambda: screen not in app.screen_stack)


async def test_backslash_as_a_terminal_sends_it(demo_server, make_app) -> None:
    """`\\` is the byte 0x5c from tmux (`send-keys '\\'` or `send-keys -l '\\'`, checked with a
    raw key logger): one hides the list. `send-keys '\\\\'` in single quotes sends two, which
    hide and show it again, so that nothing seems to happen: the report's "not reaching"."""
    from .test_first_minute import type_in_one_read

    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        screen = app.main_screen
        type_in_one_read(app, "\\")
        await wait_until(pilot, lambda: not screen.layout_state.shows_sidebar)
        # Three in one read, each a toggle: shown, hidden, shown.
        type_in_one_read(app, "\\\\\\")
        await wait_until(pilot, lambda: screen.layout_state.shows_sidebar)


async def test_esc_closes_the_palette_and_its_keys_entry_opens_our_help(
    demo_server, make_app
) -> None:
    from textual.command import CommandList, CommandPalette

    from pieces_tui.screens.help import HelpScreen

    app = make_app(demo_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, loaded(app))
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"keys")
        await pilot.press("escape")  # once, with text typed
        await wait_until(pilot, lambda: app.screen is app.main_screen)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"show keys")
        hits = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: hits.option_count > 0, what="hits")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main_screen)
