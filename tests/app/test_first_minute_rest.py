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
