"""The last few events applied to a profile, kept on the profile itself.

Every applied event writes its hashed key into the profile's `recent` map, and the write is
conditioned on that key being absent. That makes a redelivery a no-op without a separate marker
item, so an event that changes only the profile is one plain UpdateItem, not a transaction
(which bills every item twice). It also lets a redelivery be recognised on the read, before any
write. The value holds who applied it (`<sequence>.<handling>`): a retried write whose first
answer was lost finds its own handling there and is not called a duplicate.

The map keeps the newest RECENT keys, plus a slack of SLACK, trimmed like the other capped
attributes (profiles/bounds.py). Events whose repetition would change money (orders, refunds) still write a
35-day marker in a transaction as well; for the rest, a redelivery after RECENT newer events
of the same customer would add one more view or open to counters that only rank products.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from touchpoint.profiles.change import Change

ATTR = "recent"
RECENT = 10
SLACK = 5  # a trimming write (conditioned on the event count) once per five events
TOKEN_CHARS = 8


def key_of(dedup_key: str) -> str:
    """72 bits of the event's hashed key: short, and no platform id is kept."""
    digest = hashlib.sha256(dedup_key.encode("utf-8")).digest()[:9]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def token_of(handling: str) -> str:
    return handling[:TOKEN_CHARS]


def applied_by(before: dict[str, Any], dedup_key: str) -> str | None:
    """The handling that applied this event, if the profile remembers it."""
    value = (before.get(ATTR) or {}).get(key_of(dedup_key))
    return str(value).partition(".")[2] if value is not None else None


def _sequence(value: Any) -> int:
    head = str(value).partition(".")[0]
    return int(head) if head.isdigit() else 0


def remember(change: Change, before: dict[str, Any], dedup_key: str, handling: str) -> None:
    """Add this event to the map, on condition it is not there yet; past the slack, keep the
    newest RECENT and condition the write on the event count read (as bounds.bound does)."""
    key = key_of(dedup_key)
    stored = dict(before.get(ATTR) or {})
    sequence = int(before.get("event_count") or 0) + 1
    value = f"{sequence}.{token_of(handling)}"
    change.absent.append((ATTR, key))
    if len(stored) < RECENT + SLACK:
        change.set_in_map(ATTR, key, value, before)
        return
    newest = sorted(stored, key=lambda k: _sequence(stored[k]), reverse=True)[: RECENT - 1]
    change.assign[ATTR] = {**{k: stored[k] for k in newest}, key: value}
    change.expected_event_count = int(before.get("event_count") or 0)
