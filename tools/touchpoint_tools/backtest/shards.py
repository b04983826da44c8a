"""Splitting a replay by customer, so shards replay in separate processes and merge into the same
report whatever their number.

Customers replay independently: each one's events, messages and responses (seeded per shopper
and per message) touch no one else's. A synthetic shop's shoppers are known apart by number. For
archived events, the events of one person are linked by every identifier they carry (e-mail,
phone, platform, user and anonymous ids, and our own customer id that delivery feedback
echoes): identifiers that ever appear together are one customer, and each such group goes to
the shard its smallest identifier hashes to. The assignment depends on the events alone, never
on the number of shards being asked for in a way that could split a group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from touchpoint.events import TouchpointEvent
from touchpoint.identity import STRONG_KINDS, alias_prefix, minted_id
from touchpoint.profiles.store import alias_keys

STRONG_PREFIXES = tuple(alias_prefix(kind) for kind in STRONG_KINDS)

Arrival = tuple[datetime, TouchpointEvent]


def _identifiers(event: TouchpointEvent) -> list[str]:
    """Every name the event gives its customer, our own customer ids included."""
    if event.identity.customer_id:
        return [f"cid:{event.identity.customer_id}"]
    keys = alias_keys(event.identity)
    if not keys:
        return []
    strong = [k for k in keys if k.startswith(STRONG_PREFIXES)]
    minted = {minted_id(keys), *([minted_id(strong)] if strong else [])}
    return [*keys, *(f"cid:{c}" for c in sorted(minted))]


class _Groups:
    """Union-find over identifiers."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        root = self.parent.setdefault(key, key)
        while root != self.parent[root]:
            root = self.parent[root]
        while key != root:  # path compression
            self.parent[key], key = root, self.parent[key]
        return root

    def join(self, keys: list[str]) -> None:
        roots = sorted({self.find(k) for k in keys})
        for other in roots[1:]:
            self.parent[other] = roots[0]  # the smallest identifier names the group


def _bucket(name: str, shards: int) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % shards


def split(arrivals: Iterable[Arrival], shards: int) -> list[list[Arrival]]:
    """The arrivals in `shards` parts, each in the original order; events naming no one (catalog
    changes the replay does not keep) go with the first part, once."""
    arrivals = list(arrivals)
    groups = _Groups()
    names = [_identifiers(event) for _, event in arrivals]
    for keys in names:
        if keys:
            groups.join(keys)
    parts: list[list[Arrival]] = [[] for _ in range(shards)]
    for arrival, keys in zip(arrivals, names, strict=True):
        parts[_bucket(groups.find(keys[0]), shards) if keys else 0].append(arrival)
    return parts
