"""Quiet hours in every time zone the recipient may be in (decide/zones.py).

An instant is allowed only when it is outside quiet hours in each candidate zone; no
candidate at all, or candidates with no common allowed hour, means no allowed instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SLOT = timedelta(minutes=15)


def is_quiet(at: datetime, zones: tuple[ZoneInfo, ...], start: int, end: int) -> bool:
    if not zones:
        return True
    for zone in zones:
        hour = at.astimezone(zone).hour
        quiet = (hour >= start or hour < end) if start > end else (start <= hour < end)
        if quiet:
            return True
    return False


def next_allowed(at: datetime, zones: tuple[ZoneInfo, ...], start: int, end: int) -> datetime | None:
    """The first whole quarter-hour at or after `at` outside quiet hours in every zone; None when
    there is none within a day (no zone known, or zones too far apart to share a waking hour)."""
    if not zones:
        return None
    candidate = at
    for _ in range(24 * 4 + 1):
        if not is_quiet(candidate, zones, start, end):
            return candidate
        candidate = (candidate + SLOT).replace(second=0, microsecond=0)
        candidate -= timedelta(minutes=candidate.minute % 15)
    return None
