"""pieces_tui.timefmt: locale- and timezone-independent time labels."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pieces_tui.timefmt import SYSTEM_ZONE, absolute_time, local_now, relative_time, zone_of

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=5), "5 hours ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(hours=24), "yesterday"),
        (timedelta(hours=33), "yesterday"),  # 2026-11-19 00:00
        (timedelta(hours=34), "2 days ago"),  # 2026-11-18 23:00
        (timedelta(days=6), "6 days ago"),
        (timedelta(days=8), "Nov 12"),
        (timedelta(days=300), "Jan 24"),
        (timedelta(days=400), "Oct 16, 2025"),
        (-timedelta(minutes=2), "just now"),  # small clock skew
        (-timedelta(days=3), "Nov 23"),  # far in the future: show the date
    ],
)
def test_relative_time(ago: timedelta, expected: str) -> None:
    assert relative_time(NOW - ago, NOW) == expected


def test_relative_time_handles_other_timezones_and_naive_values() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert relative_time(datetime(2026, 11, 20, 10, 57, tzinfo=plus_two), NOW) == "3 min ago"
    assert relative_time(datetime(2026, 11, 20, 8, 0), NOW) == "1 hour ago"


def test_absolute_time() -> None:
    assert absolute_time(NOW) == "2026-11-20 09:00 UTC"
    plus_two = timezone(timedelta(hours=2))
    assert absolute_time(datetime(2026, 1, 2, 3, 4, tzinfo=plus_two)) == "2026-01-02 01:04 UTC"
    assert absolute_time(datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04 UTC"


# Central European time as a POSIX rule: needs no tz database on the machine.
PARIS = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", PARIS)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_times_name_their_zone_with_daylight_saving(paris: None) -> None:
    assert absolute_time(NOW, SYSTEM_ZONE) == "2026-11-20 10:00 CET"
    summer = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert absolute_time(summer, SYSTEM_ZONE) == "2026-07-01 11:00 CEST"  # read in November
    assert absolute_time(NOW) == "2026-11-20 09:00 UTC"  # UTC on request
    assert local_now().utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert zone_of(local_now()) is SYSTEM_ZONE and zone_of(datetime(2026, 1, 1)) is UTC


def test_calendar_days_follow_the_shown_zone(paris: None) -> None:
    # 23:30 UTC on the 19th is 00:30 on the 20th in Paris: "yesterday" only there.
    late = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert relative_time(late, now) == "2 days ago"
    assert relative_time(late, now.astimezone(SYSTEM_ZONE)) == "yesterday"
    far = datetime(2026, 11, 12, 23, 30, tzinfo=UTC)
    assert relative_time(far, now) == "Nov 12"
    assert relative_time(far, now.astimezone(SYSTEM_ZONE)) == "Nov 13"
