"""Erasure also covers the events still in Firehose's buffer when it ran.

`forget` rewrites the archive objects that exist, but Firehose holds the last minutes of events
before it writes them, so an erased customer's latest events can land in the archive afterwards.
`forget` therefore records when each customer was erased (an ErasureItem, kept KEPT), and the
Watches function, which reads every new archive object anyway, removes the events of erased
customers received before their erasure: one BatchGetItem per object, and a rewrite only when
there is something to remove.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from touchpoint.archive import store
from touchpoint.archive.record import Landed
from touchpoint.profiles.models import ErasureItem, erasure_pk

# Firehose retries a failing delivery to S3 for up to a day; a late object after that is not expected
KEPT = timedelta(days=2)


def record(customer_ids: Iterable[str], at: datetime) -> None:
    with ErasureItem.batch_write() as batch:
        for customer_id in sorted(set(customer_ids)):
            batch.save(ErasureItem(erasure_pk(customer_id), erased_at=at, expires_at=at + KEPT))


def erased(customer_ids: Iterable[str]) -> dict[str, datetime]:
    """When each of these customers was erased, for those erased lately."""
    wanted = {erasure_pk(customer_id): customer_id for customer_id in set(customer_ids)}
    if not wanted:
        return {}
    found = ErasureItem.batch_get([(pk, "ERASED") for pk in sorted(wanted)])
    return {wanted[item.pk]: item.erased_at for item in found}


def settle(key: str, records: list[Landed]) -> list[Landed]:
    """The object's events without those of customers erased after they arrived; the object is
    rewritten without them (S3 then announces it again: the second reading finds nothing to do)."""
    gone = erased(r.customer_id for r in records if r.customer_id)
    kept = [r for r in records if not (r.customer_id in gone and r.received_at <= gone[r.customer_id])]
    if len(kept) < len(records):
        store.rewrite(key, kept)
    return kept
