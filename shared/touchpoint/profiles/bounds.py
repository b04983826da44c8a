"""Keeping the profile item small at any history length.

The product sets (viewed, carted, purchased) and the affinity map grow with every new product a
shopper touches. Past their cap plus a slack, the write replaces them with the strongest entries
(by affinity, which already decays with time), instead of adding to them. The slack makes that a
rewrite once per ten new entries, not on every event, and such a write is conditioned on the
event count it read, so a concurrent event makes it retry rather than be lost. Older history
stays in the event archive. With 13-digit product ids the item stays under 4 KB (one write unit
for four, one read unit) at any history length.
"""

from __future__ import annotations

from typing import Any

from touchpoint.profiles.change import Change

SET_CAPS = {"viewed": 30, "carted": 20, "purchased": 40}
# orders: which checkouts were bought (no reminder for them), which orders were cancelled, and
# what each order still counts in revenue (a refund of an order trimmed away changes no revenue)
ORDER_CAPS = {"ordered_checkouts": 20, "cancelled_orders": 20}
ORDER_NET_CAP = 20
AFFINITY_CAP = 50  # keys: products ("p:") and categories ("c:")
SLACK = 10


def _strongest(candidates: set[str], keep: set[str], cap: int, score: dict[str, float], key: str) -> set[str]:
    """`keep` (this event's entries), then the best-scored others, `cap` in all. Among entries
    with the same score (affinity no longer scores them, or no score exists) the highest ids
    stay: platforms number orders, and mostly products, in the order they were made."""
    others = sorted(candidates - keep, key=lambda c: (score.get(key.format(c), 0.0), len(c), c), reverse=True)
    return set(sorted(keep)[:cap]) | set(others[: max(0, cap - len(keep))])


def _map_after(change: Change, before: dict[str, Any], attr: str) -> dict[str, float]:
    """The map as it will read after this change adds to it."""
    merged = {k: float(v) for k, v in (before.get(attr) or {}).items()}
    for key, amount in change.map_add.get(attr, {}).items():
        merged[key] = merged.get(key, 0.0) + amount
    return merged


def _bound_sets(change: Change, before: dict[str, Any], score: dict[str, float]) -> bool:
    trimmed = False
    for attr, cap in {**SET_CAPS, **ORDER_CAPS}.items():
        added = change.add.get(attr)
        if not isinstance(added, set):
            continue
        union = set(before.get(attr) or ()) | added
        if len(union) > cap + SLACK:
            change.add.pop(attr)
            change.assign[attr] = _strongest(union, added, cap, score, "p:{}")
            trimmed = True
    return trimmed


def _bound_map(
    change: Change, attr: str, merged: dict[str, float], cap: int, score: dict[str, float]
) -> bool:
    """Replace a map this change adds to by its `cap` strongest keys once it passes cap + slack."""
    added = change.map_add.get(attr)
    if not added or len(merged) <= cap + SLACK:
        return False
    kept = _strongest(set(merged), set(added), cap, score, "{}")
    change.map_add.pop(attr)
    change.map_exists.pop(attr, None)
    change.assign[attr] = {k: merged[k] for k in sorted(kept)}
    return True


def bound(change: Change, before: dict[str, Any]) -> None:
    """Trim what would pass its cap; a trimming write expects the event count it read."""
    affinity = _map_after(change, before, "affinity")
    trimmed = _bound_sets(change, before, affinity)
    trimmed = _bound_map(change, "affinity", affinity, AFFINITY_CAP, affinity) or trimmed
    if "order_net" in change.map_add:  # orders carry no score: the highest ids stay
        order_net = _map_after(change, before, "order_net")
        trimmed = _bound_map(change, "order_net", order_net, ORDER_NET_CAP, {}) or trimmed
    if trimmed:
        change.expected_event_count = int(before.get("event_count") or 0)
