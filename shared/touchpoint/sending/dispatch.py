"""The Dispatcher's work: find what is due and put it on the outbound queue, oldest first.

It reads the sparse due index shard by shard, so its cost is O(due), never a scan, and it
writes nothing: the Sender claims each message, re-checks it against the profile it reads
anyway, and sends. The queue is FIFO with one message group per customer, so one customer's
messages are sent one at a time in the order they fell due, and the re-check of the second
sees the first (smart sending, frequency caps). A message stays due until the Sender claims
it, so a queue entry that is lost is enqueued again on the next run; a run that repeats an
entry within five minutes is dropped by the queue's deduplication, and a later repeat meets a
claim that is already taken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from touchpoint import aws, config
from touchpoint.identity import sha256
from touchpoint.plan import keys
from touchpoint.profiles.models import MessageItem

logger = Logger(child=True)
BATCH = 10  # SendMessageBatch's limit
# one SendMessageBatch per 10 takes about 10-20 ms: 5,000 a run is well inside the 60 s timeout,
# and 300,000 an hour is more than a shop's flows plan
MOST_PER_RUN = 5_000


@dataclass(frozen=True)
class Due:
    """One entry of the due index: which message, and since when."""

    pk: str
    sk: str
    due_sk: str

    def entry(self, index: int, at: datetime) -> dict[str, str]:
        """Its queue entry: one group per customer; the same message due at the same instant
        always has the same deduplication id."""
        return {
            "Id": str(index),
            "MessageBody": json.dumps({"pk": self.pk, "sk": self.sk, "at": at.isoformat()}),
            "MessageGroupId": self.pk,
            "MessageDeduplicationId": sha256(f"{self.pk}|{self.sk}|{self.due_sk}")[:64],
        }


@dataclass
class DispatchReport:
    enqueued: int = 0
    not_enqueued: int = 0  # refused by the queue: still due, the next run tries again
    lag_seconds: float = 0.0  # how late the most overdue message was found (an alarm watches it)

    def as_dict(self) -> dict[str, object]:
        return {
            "enqueued": self.enqueued,
            "not_enqueued": self.not_enqueued,
            "lag_seconds": round(self.lag_seconds, 1),
        }


def due(now: datetime, most: int | None = None) -> list[Due]:
    """What is due, oldest first across shards (a catch-up run sends in the order planned), the
    `most` oldest when given: each shard is read in due order, so its first `most` hold every
    entry of the overall first `most` that lives there."""
    found = [
        Due(item.pk, item.sk, item.due_sk or "")
        for shard in keys.shards()
        for item in MessageItem.due_index.query(
            shard, MessageItem.due_sk < keys.due_upper_bound(now), limit=most
        )
    ]
    return sorted(found, key=lambda d: (d.due_sk, d.pk, d.sk))[:most]


def _enqueue(batch: list[Due], now: datetime) -> int:
    """One SendMessageBatch; returns how many the queue refused (they stay due)."""
    answer = aws.client("sqs").send_message_batch(
        QueueUrl=config.outbound_queue_url(), Entries=[d.entry(i, now) for i, d in enumerate(batch)]
    )
    for failed in answer.get("Failed", []):
        logger.warning("not enqueued, the next run retries", extra={"entry": batch[int(failed["Id"])].sk})
    return len(answer.get("Failed", []))


def run(now: datetime) -> DispatchReport:
    """One run puts at most MOST_PER_RUN on the queue, the oldest: after an outage the backlog
    drains run by run (the lag alarm shows it) instead of one run reading it all and timing out."""
    report = DispatchReport()
    found = due(now, MOST_PER_RUN)
    if found:
        report.lag_seconds = max(0.0, (now - keys.due_at_of(found[0].due_sk)).total_seconds())
    for start in range(0, len(found), BATCH):
        batch = found[start : start + BATCH]
        refused = _enqueue(batch, now)
        report.enqueued += len(batch) - refused
        report.not_enqueued += refused
    logger.info("dispatched", extra=report.as_dict())
    return report
