"""pieces_tui.timefmt: locale- and timezone-independent time labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pieces_tui.timefmt import absolute_time, relative_time

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
