"""Quiet hours in the recipient's time zone.

An unknown zone fails closed: the window is the one that is quiet-free in every
candidate zone (the shop's fallback zone, and for North American numbers all four
mainland US zones), so nobody is woken at night because we guessed wrong.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

US_ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def candidate_zones(timezone: str | None, phone: str | None, fallback: str) -> list[ZoneInfo]:
    known = _zone(timezone)
    if known:
        return [known]
    names = [fallback]
    if phone and phone.startswith("+1"):
        names.extend(US_ZONES)
    return [z for z in (_zone(n) for n in names) if z is not None] or [ZoneInfo("UTC")]


def is_quiet(at: datetime, zones: list[ZoneInfo], start: int, end: int) -> bool:
    for zone in zones:
        hour = at.astimezone(zone).hour
        quiet = (hour >= start or hour < end) if start > end else (start <= hour < end)
        if quiet:
            return True
    return False


def next_allowed(at: datetime, zones: list[ZoneInfo], start: int, end: int) -> datetime:
    """The first whole quarter-hour at or after `at` that is outside quiet hours in every zone."""
    candidate = at
    for _ in range(24 * 4 + 1):
        if not is_quiet(candidate, zones, start, end):
            return candidate
        candidate = (candidate + timedelta(minutes=15)).replace(second=0, microsecond=0)
        candidate -= timedelta(minutes=candidate.minute % 15)
    return candidate  # no allowed slot in a day (contradictory zones): caller still holds it
