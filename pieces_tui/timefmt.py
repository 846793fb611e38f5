"""Human-readable timestamps that do not depend on the machine's locale.

Times are shown in the zone of the app's clock: `local_now` (the default) carries the machine's
zone, with its daylight-saving rules, and `utc_now` (`--utc`, the `utc_times` setting) UTC.
Tests, snapshots and screenshots inject a frozen UTC clock, so they come out the same everywhere.
Naive datetimes are taken to be UTC.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo

__all__ = ["SYSTEM_ZONE", "absolute_time", "local_now", "relative_time", "utc_now", "zone_of"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
# A timestamp slightly in the future (clock skew between server and client) still reads "just now".
_SKEW_TOLERANCE = 5 * _MINUTE


class _SystemZone(tzinfo):
    """The machine's zone as `time.localtime` sees it (`TZ`, /etc/localtime), daylight saving
    included: a summer date shows its summer offset and name even when read in winter."""

    def fromutc(self, dt: datetime) -> datetime:
        stamp = (dt.replace(tzinfo=UTC) - _EPOCH).total_seconds()
        local = time.localtime(stamp)
        return datetime(*local[:6], microsecond=dt.microsecond, tzinfo=self)

    def _local(self, dt: datetime | None) -> time.struct_time:
        if dt is None:
            return time.localtime()
        wall = (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, 0, 0, -1)
        return time.localtime(time.mktime(wall))

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None  # unknown apart from the offset; nothing here needs it

    def tzname(self, dt: datetime | None) -> str:
        return self._local(dt).tm_zone

    def __repr__(self) -> str:
        return "SYSTEM_ZONE"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SYSTEM_ZONE: tzinfo = _SystemZone()


def zone_of(now: datetime) -> tzinfo:
    """The zone times are shown in: the clock's (a naive clock is taken to be UTC)."""
    return now.tzinfo or UTC


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
    zone = zone_of(now)
    when = _as_utc(when).astimezone(zone)  # calendar days ("yesterday") in the shown zone
    now = _as_utc(now).astimezone(zone)
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


def absolute_time(when: datetime, zone: tzinfo = UTC) -> str:
    """Format `when` in `zone` with the zone named, e.g. "2026-11-20 09:00 UTC" or
    "2026-11-20 10:00 CET" (a zone without a name shows its offset, "+0530")."""
    shown = _as_utc(when).astimezone(zone)
    name = shown.tzname() or shown.strftime("%z")
    return f"{shown.strftime('%Y-%m-%d %H:%M')} {name}"


def utc_now() -> datetime:
    """Now, in UTC: the app's clock with `--utc` (tests inject a frozen one instead)."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """Now, in the machine's zone: the app's clock by default."""
    return datetime.now(SYSTEM_ZONE)
