"""The stack's sending mode: watch before switching on, and a pause switch.

- `shadow`: everything is decided, re-checked and rendered as if it were sent, then recorded as
  `shadow` (what would have gone out); nothing leaves. A new stack starts here.
- `live`: messages leave.
- `paused`: nothing leaves; due messages wait (held, re-tried every PAUSE_RETRY) and are
  cancelled with `expired_while_paused` once they have waited PAUSE_EXPIRY, so switching back
  to live never sends week-old cart reminders.

The mode `touchpoint mode` sets is stored in the table (one item) and wins; until it is first set,
SEND_MODE decides, else `live` on the local runtime and `shadow` in a deployment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from touchpoint import config, settings
from touchpoint.profiles.models import SettingItem

KEY = "SEND_MODE"
PAUSE_RETRY = timedelta(minutes=15)
PAUSE_EXPIRY = timedelta(hours=24)


class Mode(StrEnum):
    SHADOW = "shadow"
    LIVE = "live"
    PAUSED = "paused"


class ModeError(ValueError):
    """Not a sending mode."""


def parse(value: str) -> Mode:
    try:
        return Mode(value.strip().lower())
    except ValueError:
        names = ", ".join(m.value for m in Mode)
        raise ModeError(f"{value!r} is not a sending mode ({names})") from None


def default() -> Mode:
    configured = settings.get("SEND_MODE")
    if configured:
        return parse(configured)
    return Mode.LIVE if config.local_runtime() else Mode.SHADOW


def stored() -> SettingItem | None:
    try:
        return SettingItem.get("STACK", KEY, consistent_read=True)
    except SettingItem.DoesNotExist:
        return None


def current() -> Mode:
    """One consistent read: a switch to `paused` holds the very next send."""
    return of(stored())


def of(item: SettingItem | None) -> Mode:
    """The mode a stored setting says, else the default."""
    return parse(item.value) if item is not None else default()


def switch(mode: Mode, by: str, now: datetime | None = None) -> SettingItem:
    item = SettingItem(sk=KEY, value=mode.value, changed_at=now or datetime.now(UTC), changed_by=by)
    item.save()
    return item
