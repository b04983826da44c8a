"""Folding one customer's profile into another when an event proves they are one person.

Pure: it only extends the survivor's Change; pipeline.py stages the alias re-pointing,
the loser's tombstone and the cancellation of its pending messages in the same
transaction, so the merge is all-or-nothing like every other event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from touchpoint.identity import STRONG_PREFIXES
from touchpoint.kinds import TRACKED_KINDS
from touchpoint.profiles.change import Change
from touchpoint.profiles.changes import add_set, parse_time

SETS = ("viewed", "carted", "purchased", "ordered_checkouts", "cancelled_orders", "open_tickets")
MAX_ALIASES = 40  # per profile: a merge re-points at most this many in its one transaction (limit 100)


def _strong_first(key: str) -> tuple[bool, str]:
    return (not key.startswith(STRONG_PREFIXES), key)


def carried_aliases(loser: dict[str, Any]) -> list[str]:
    """The loser's aliases a merge re-points to the survivor: strong ones first, at most
    MAX_ALIASES. Any beyond keep pointing at the merged-away profile."""
    return sorted(loser.get("aliases") or (), key=_strong_first)[:MAX_ALIASES]


def bounded_new_aliases(new: set[str], held: int) -> set[str]:
    """The new aliases an event may add to a profile that holds `held`: every strong one, and
    anonymous ids and phones while there is room, so that no profile grows past what one merge
    can carry (many anonymous ids on one user would otherwise make a merge fail for ever)."""
    room = max(0, MAX_ALIASES - held)
    ordered = sorted(new, key=_strong_first)
    return {k for i, k in enumerate(ordered) if i < room or k.startswith(STRONG_PREFIXES)}


COUNTERS = ("orders_count", "discounted_orders", "revenue_cents", "event_count")
CONTACT = ("email", "phone", "first_name", "last_name", "names_from", "country", "province", "timezone")
MAPS = ("affinity", "engagement", "order_net")


def absorb(change: Change, survivor: dict[str, Any], loser: dict[str, Any], loser_id: str = "") -> None:
    """Extend the survivor's change with everything the loser knew, and remember the loser, so
    that erasing the survivor erases the merged-away profile too."""
    add_set(change, "merged_from", {loser_id} | set(loser.get("merged_from") or ()) - {""})
    for attr in SETS:
        add_set(change, attr, set(loser.get(attr) or ()))
    add_set(change, "aliases", set(carried_aliases(loser)))
    for attr in COUNTERS:
        amount = int(loser.get(attr) or 0)
        if amount:
            current = change.add.get(attr, 0)
            change.add[attr] = (current if isinstance(current, int) else 0) + amount
    for attr in CONTACT:
        if loser.get(attr) and not survivor.get(attr) and attr not in change.assign:
            change.assign[attr] = loser[attr]
    _newest_consent(change, survivor, loser)
    _latest_times(change, survivor, loser)
    for attr in MAPS:
        for key, amount in (loser.get(attr) or {}).items():
            change.add_to_map(attr, key, float(amount), survivor)


def _at(record: dict[str, Any]) -> datetime:
    return parse_time(record.get("at")) or datetime.min.replace(tzinfo=UTC)


def _newest_consent(change: Change, survivor: dict[str, Any], loser: dict[str, Any]) -> None:
    for channel in ("email", "sms"):
        attr = f"consent_{channel}"
        theirs = loser.get(attr) or {}
        ours = change.assign.get(attr) or survivor.get(attr) or {}
        if theirs and _at(theirs) > _at(ours):
            change.assign[attr] = theirs


def _latest_times(change: Change, survivor: dict[str, Any], loser: dict[str, Any]) -> None:
    """The later time of each tracked kind, and the earlier first sighting."""
    for kind in TRACKED_KINDS:
        attr = f"at_{kind.value}"
        theirs_at, ours_at = (
            parse_time(loser.get(attr)),
            parse_time(change.assign.get(attr) or survivor.get(attr)),
        )
        if theirs_at and (ours_at is None or theirs_at > ours_at):
            change.assign[attr] = theirs_at
    first, ours_first = parse_time(loser.get("first_seen_at")), parse_time(survivor.get("first_seen_at"))
    if first and ours_first and first < ours_first:
        change.assign["first_seen_at"] = first
