"""Right of access and erasure: everything stored about one customer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from touchpoint.archive import erasures
from touchpoint.archive import store as archive
from touchpoint.profiles import store
from touchpoint.profiles.models import (
    PROFILE_SK,
    WATCH_PREFIX,
    AliasItem,
    MessageItem,
    ProfileItem,
    WatchItem,
    customer_pk,
    product_pk,
)


def jsonable(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def export(customer_id: str) -> dict[str, Any]:
    """Everything kept about the customer: the profile, every identifier it is known by (e-mail
    and phone as the hashes stored), its messages, and the profiles merged into it."""
    profile, messages = store.load(customer_id)
    merged = []
    for other in sorted(profile.get("merged_from") or ()):
        raw, other_messages = store.load(other)
        merged.append(
            {"customer_id": other, "profile": _shown(raw), "messages": [store.raw(m) for m in other_messages]}
        )
    everyone = {customer_id, *(profile.get("merged_from") or ())}
    return jsonable(
        {
            "profile": _shown(profile),
            "aliases": sorted(profile.get("aliases") or ()),
            "messages": [store.raw(m) for m in messages],
            "merged": merged,
            "archived_events": [json.loads(r.line()) for r in archive.of_customers(everyone)],
        }
    )


def _shown(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in profile.items() if k not in ("pk", "sk", "aliases")}


def forget(customer_id: str) -> int:
    """Delete profile, aliases, messages, product interest, every profile merged into it, and their
    archived events (the archive objects are rewritten without them, and events still in
    Firehose's buffer are removed as they land: archive/erasures.py); returns how many items went."""
    profile, _ = store.load(customer_id)
    everyone = (customer_id, *sorted(profile.get("merged_from") or ()))
    erasures.record(everyone, datetime.now(UTC))
    return sum(_erase(one) for one in everyone) + archive.erase(everyone)


def _erase(customer_id: str) -> int:
    profile, messages = store.load(customer_id)
    pk = customer_pk(customer_id)
    deleted = 0
    with MessageItem.batch_write() as batch:
        for item in messages:
            batch.delete(item)
            deleted += 1
    with AliasItem.batch_write() as aliases:
        for key in profile.get("aliases") or ():
            aliases.delete(AliasItem(key, "ALIAS"))
            deleted += 1
    # interest in products (catalog/watchers.py) is recorded only for viewed and carted ones
    with WatchItem.batch_write() as watches:
        for product in sorted(set(profile.get("viewed") or ()) | set(profile.get("carted") or ())):
            watches.delete(WatchItem(product_pk(product), WATCH_PREFIX + customer_id))
            deleted += 1
    if profile:
        ProfileItem(pk, PROFILE_SK).delete()
        deleted += 1
    return deleted
