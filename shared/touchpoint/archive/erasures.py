"""Erasure also covers the events still in Firehose's buffer when it ran.

`forget` rewrites the archive objects that exist, but Firehose holds the last minutes of events
before it writes them, so an erased customer's latest events can land in the archive afterwards.
`forget` therefore records when each customer was erased (an ErasureItem, kept KEPT), and the
Watches function, which reads every new archive object anyway, removes the events of erased
customers received before their erasure: one BatchGetItem per object, and a rewrite only when
there is something to remove.

The sweep of the objects that exist reads every one of them, more than a webhook can wait for:
`forget` on a request sweeps for a moment, then queues the rest (`resume_later`) for the
Watches function, which sweeps until its time is nearly up and queues the rest again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from touchpoint import aws, config
from touchpoint.archive import store
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


def settle(key: str, customer_ids: Iterable[str]) -> dict[str, datetime]:
    """The erasures of the object's customers made after their events arrived; when there are
    any, the object is rewritten without those events (S3 then announces it again: the second
    reading finds nothing to do). An event received after its customer's erasure stays."""
    gone = erased(customer_ids)
    if gone:
        store.rewrite_without(key, lambda r: r.customer_id in gone and r.received_at <= gone[r.customer_id])
    return gone


def can_resume_later() -> bool:
    """A sweep of the archive can go on in the background (the Watches function's queue)."""
    return bool(config.watch_queue_url())


def resume_later(customer_ids: Iterable[str], after: str) -> None:
    """The rest of a sweep, for the Watches function: raises when the queue refuses, so the
    caller's retry sweeps again (an object swept twice has nothing left to remove)."""
    body = {"erase": {"customers": sorted(customer_ids), "after": after}}
    aws.client("sqs").send_message(QueueUrl=config.watch_queue_url(), MessageBody=json.dumps(body))
