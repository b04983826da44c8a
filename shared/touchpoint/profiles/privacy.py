"""Right of access and erasure: everything stored about one customer."""

from __future__ import annotations

from typing import Any

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
    profile, messages = store.load(customer_id)
    profile = {k: v for k, v in profile.items() if k not in ("pk", "sk", "aliases")}
    return jsonable({"profile": profile, "messages": [store.raw(m) for m in messages]})


def forget(customer_id: str) -> int:
    """Delete profile, aliases and messages; returns how many items went."""
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
