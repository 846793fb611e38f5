"""Human-readable timestamps that do not depend on the machine's locale or timezone.

Every calculation happens in UTC so that tests, snapshots and screenshots come out the same
everywhere. Naive datetimes are taken to be UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["absolute_time", "relative_time", "utc_now"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
# A timestamp slightly in the future (clock skew between server and client) still reads "just now".
_SKEW_TOLERANCE = 5 * _MINUTE


def _as_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _short_date(when: datetime, now: datetime) -> str:
    month = _MONTHS[when.month - 1]
    if when.year == now.year:
        return f"{month} {when.day}"
    return f"{month} {when.day}, {when.year}"


def relative_time(when: datetime, now: datetime) -> str:
    """Describe `when` relative to `now`: "just now", "3 min ago", "2 hours ago", "yesterday",
    "4 days ago", "Nov 12" (same year) or "Nov 12, 2024".

    Args:
        when: The moment to describe.
        now: The current moment (injected so callers can freeze the clock).
    """
    when = _as_utc(when)
    now = _as_utc(now)
    seconds = (now - when).total_seconds()
    if seconds < 0:
        return "just now" if -seconds <= _SKEW_TOLERANCE else _short_date(when, now)
    if seconds < _MINUTE:
        return "just now"
    if seconds < _HOUR:
        return f"{int(seconds // _MINUTE)} min ago"
    if seconds < _DAY:
        return f"{_plural(int(seconds // _HOUR), 'hour')} ago"
    days = (now.date() - when.date()).days
    if days <= 1:
        return "yesterday"
    if seconds < _WEEK:
        return f"{days} days ago"
    return _short_date(when, now)


def absolute_time(when: datetime) -> str:
    """Format `when` as an unambiguous UTC timestamp, e.g. "2026-11-20 09:00 UTC"."""
    return _as_utc(when).strftime("%Y-%m-%d %H:%M UTC")


def utc_now() -> datetime:
    """Now, in UTC: the one clock of the app (tests inject a frozen one instead)."""
    return datetime.now(UTC)
