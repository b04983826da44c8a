"""Right of access and erasure: everything stored about one customer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from touchpoint import aws
from touchpoint.archive import erasures
from touchpoint.archive import store as archive
from touchpoint.catalog import watchers
from touchpoint.codes import code_pk
from touchpoint.profiles import store
from touchpoint.profiles.models import (
    PROFILE_SK,
    WATCH_PREFIX,
    AliasItem,
    CodeItem,
    MessageItem,
    ProfileItem,
    WatchItem,
    customer_pk,
    product_pk,
)

# a webhook (Shopify waits 5 s) reads the archive this long: an erasure's sweep goes on in the
# Watches function, an export says it is incomplete
SWEEP_ON_REQUEST = 2.0
TRANSACTION_ITEMS = 100  # DynamoDB's limit


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


def export(customer_id: str, read_archive_for: float | None = None) -> dict[str, Any]:
    """Everything kept about the customer: the profile, every identifier it is known by (e-mail
    and phone as the hashes stored), its messages, the profiles merged into it, and their
    archived events. A webhook reads the archive `read_archive_for` seconds at most (it reads
    every object); when that cuts it short, `archived_events_incomplete` says so, and
    `touchpoint export KEY`, which has no limit, gives them all."""
    profile, messages = store.load(customer_id)
    merged = []
    for other in sorted(profile.get("merged_from") or ()):
        raw, other_messages = store.load(other)
        merged.append(
            {"customer_id": other, "profile": _shown(raw), "messages": [store.raw(m) for m in other_messages]}
        )
    everyone = {customer_id, *(profile.get("merged_from") or ())}
    deadline = None if read_archive_for is None else time.monotonic() + read_archive_for
    archived, complete = archive.of_customers(everyone, deadline)
    exported: dict[str, Any] = {
        "profile": _shown(profile),
        "aliases": sorted(profile.get("aliases") or ()),
        "messages": [store.raw(m) for m in messages],
        "merged": merged,
        "archived_events": [json.loads(r.line()) for r in archived],
    }
    if not complete:
        exported["archived_events_incomplete"] = True
    return jsonable(exported)


def _shown(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in profile.items() if k not in ("pk", "sk", "aliases")}


def forget(customer_id: str, sweep_for: float | None = None) -> int:
    """Delete profile, aliases, messages, product interest, every profile merged into it, and their
    archived events (the archive objects are rewritten without them, and events still in
    Firehose's buffer are removed as they land: archive/erasures.py); returns how many items and
    events went. The archive sweep reads every object, which no webhook may wait for: with
    `sweep_for` seconds it goes on in the background (the Watches function) after that long."""
    profile, _ = store.load(customer_id)
    everyone = (customer_id, *sorted(profile.get("merged_from") or ()))
    erasures.record(everyone, datetime.now(UTC))
    deadline = None
    if sweep_for is not None and erasures.can_resume_later():
        deadline = time.monotonic() + sweep_for
    # the archive first: should queueing its rest fail, the webhook's retry still finds the
    # customer by their aliases and starts again (every step can run twice)
    swept = sweep(everyone, after="", deadline=deadline)
    # the profiles merged in first and the customer's own last: until then a retry finds them all
    interest: set[tuple[str, str]] = set()  # (customer, product) watches to delete
    merged = sum(_erase(other, interest) for other in everyone[1:])
    own, messages = store.load(customer_id)  # read again: what events planned during the sweep goes too
    interest |= _interest_of(customer_id, own)
    deleted = merged + _forget_interest(interest) + _delete_messages(messages)
    return swept + deleted + _delete_identity(customer_id, own)


def sweep(customer_ids: Iterable[str], after: str, deadline: float | None) -> int:
    """One pass of an erasure over the archive objects after `after`: their events go, and the
    watches of the products in them (the capped profile may no longer name them); what the
    deadline leaves is queued for the Watches function. Returns how many events and watches went."""
    customers = sorted(set(customer_ids))
    done = archive.erase(customers, after, deadline)
    interest = {(r.customer_id, p) for r in done.removed for p in watchers.watched_in(r.kind, r.event)}
    if done.resume_after is not None:
        erasures.resume_later(customers, done.resume_after)
    return len(done.removed) + _forget_interest(interest)


def _forget_interest(interest: set[tuple[str, str]]) -> int:
    with WatchItem.batch_write() as watches:
        for customer_id, product in sorted(interest):
            watches.delete(WatchItem(product_pk(product), WATCH_PREFIX + customer_id))
    return len(interest)


def _erase(customer_id: str, interest: set[tuple[str, str]]) -> int:
    """Messages, aliases and the profile; the products it shows interest in go into `interest`."""
    profile, messages = store.load(customer_id)
    interest |= _interest_of(customer_id, profile)
    return _delete_messages(messages) + _delete_identity(customer_id, profile)


def _interest_of(customer_id: str, profile: dict[str, Any]) -> set[tuple[str, str]]:
    """Interest in products (catalog/watchers.py) is recorded only for viewed and carted ones."""
    return {(customer_id, p) for p in set(profile.get("viewed") or ()) | set(profile.get("carted") or ())}


def _delete_messages(messages: list[MessageItem]) -> int:
    with MessageItem.batch_write() as batch:
        for item in messages:
            batch.delete(item)
    for item in messages:
        if item.code:  # the code stays taken (never given twice); who had it is forgotten
            CodeItem(code_pk(item.code)).update(
                actions=[CodeItem.customer_id.remove(), CodeItem.message_id.set("erased")]
            )
    return len(messages)


def _delete_identity(customer_id: str, profile: dict[str, Any]) -> int:
    """The aliases and the profile in one transaction: never a profile no alias leads to, nor
    aliases naming a profile that is gone (a retry finds the customer, or there is nothing left)."""
    keys = sorted(profile.get("aliases") or ())
    if not profile:
        return 0
    spill, together = keys[: -TRANSACTION_ITEMS + 1], keys[-TRANSACTION_ITEMS + 1 :]
    with AliasItem.batch_write() as aliases:  # beyond what one transaction holds (never seen)
        for key in spill:
            aliases.delete(AliasItem(key, "ALIAS"))
    with TransactWrite(connection=aws.connection()) as tx:
        for key in together:
            tx.delete(AliasItem(key, "ALIAS"))
        tx.delete(ProfileItem(customer_pk(customer_id), PROFILE_SK))
    return len(keys) + 1
