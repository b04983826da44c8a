"""The Dispatcher's work: claim what is due, re-check it, enqueue what may go.

It reads the sparse due index shard by shard, so its cost is O(due), never a scan.
A claim is a conditional update, so two Dispatchers never enqueue one message twice;
the claim leaves a lease on the due index so a message whose queue entry is lost is
found again, and the Sender's own claim keeps that from becoming a second send.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from pynamodb.expressions.update import Action

from touchpoint import aws, config
from touchpoint.decide import Playbook, Status, recheck
from touchpoint.plan import keys
from touchpoint.plan.claims import claim
from touchpoint.profiles import changes, messages, store
from touchpoint.profiles.models import MESSAGE_PREFIX, MessageItem

logger = Logger(child=True)
LEASE = timedelta(minutes=15)


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    lag_seconds: float = 0.0  # how late the most overdue message was claimed (an alarm watches it)

    def as_dict(self) -> dict[str, object]:
        return {"claimed": self.claimed, "lag_seconds": round(self.lag_seconds, 1), **dict(self.outcomes)}


def due(now: datetime) -> list[tuple[str, str]]:
    """Everything due, oldest first across shards: a catch-up run sends in the order planned."""
    found: list[tuple[str, str, str]] = []
    for shard in keys.shards():
        for item in MessageItem.due_index.query(shard, MessageItem.due_sk < keys.due_upper_bound(now)):
            found.append((item.due_sk or "", item.pk, item.sk))
    return [(pk, sk) for _, pk, sk in sorted(found)]


def _claim(pk: str, sk: str, now: datetime) -> MessageItem | None:
    return claim(
        pk,
        sk,
        [
            MessageItem.status.set(Status.QUEUED.value),
            MessageItem.updated_at.set(now),
            MessageItem.due_sk.set(keys.due_sk(now + LEASE, sk.removeprefix(MESSAGE_PREFIX))),
        ],
        MessageItem.status.is_in(Status.PLANNED.value, Status.QUEUED.value)
        & (MessageItem.due_sk < keys.due_upper_bound(now)),
        becomes=Status.QUEUED,
    )


def _expire(pk: str, sk: str, now: datetime, status: Status, reason: str) -> bool:
    return (
        claim(
            pk,
            sk,
            [
                MessageItem.status.set(Status.FAILED.value),
                MessageItem.reasons.set(MessageItem.reasons.append([reason])),
                MessageItem.updated_at.set(now),
                MessageItem.due_pk.remove(),
                MessageItem.due_sk.remove(),
            ],
            (MessageItem.status == status.value) & (MessageItem.due_sk < keys.due_upper_bound(now)),
            becomes=Status.FAILED,
        )
        is not None
    )


def _expire_sending(pk: str, sk: str, now: datetime) -> bool:
    """A Sender died mid-send and its lease ran out, or the provider's answer never came and
    neither did its events within the reconciliation window. The provider may have the message,
    so it is never sent again: it is recorded as failed with the reason, for a person to look at."""
    return _expire(pk, sk, now, Status.SENDING, "outcome_unknown") or _expire(
        pk, sk, now, Status.UNKNOWN, "no_provider_event"
    )


def due_again(item: MessageItem, at: datetime) -> list[Action]:
    """The writes that make a claimed message due again at `at`, for the Dispatcher to find."""
    actions: list[Action] = [
        MessageItem.due_at.set(at),
        MessageItem.due_pk.set(keys.due_pk(item.message_id, item.customer_id)),
        MessageItem.due_sk.set(keys.due_sk(at, item.message_id)),
    ]
    expires = messages.retained_until(item.trigger, at)
    if expires is not None:  # deferred again and again: it must not expire before it is due
        actions.append(MessageItem.expires_at.set(expires))
    return actions


def _settle(
    item: MessageItem, status: Status, reasons: tuple[str, ...], now: datetime, retry_at: datetime | None
) -> None:
    actions: list[Action] = [
        MessageItem.status.set(status.value),
        MessageItem.reasons.set(list(reasons)),
        MessageItem.updated_at.set(now),
    ]
    if retry_at is not None:
        actions += due_again(item, retry_at)
    else:
        actions += [MessageItem.due_pk.remove(), MessageItem.due_sk.remove()]
    # through claim(): if the answer is lost, the SDK's retry meets our own write, not a conflict
    claim(item.pk, item.sk, actions, MessageItem.status == Status.QUEUED.value, becomes=status)


def run(now: datetime, playbook: Playbook) -> DispatchReport:
    report = DispatchReport()
    sqs = aws.client("sqs")
    for pk, sk in due(now):
        item = _claim(pk, sk, now)
        if item is None:
            report.outcomes["outcome_unknown" if _expire_sending(pk, sk, now) else "lost_race"] += 1
            continue
        report.claimed += 1
        if item.due_at is not None:
            report.lag_seconds = max(report.lag_seconds, (now - item.due_at).total_seconds())
        before, others = store.load(item.customer_id, live_at=now)
        profile = changes.as_profile(
            before, item.customer_id, tuple(messages.to_view(m) for m in others if m.sk != sk)
        )
        verdict = recheck(profile, messages.to_view(item), item.trigger_at, playbook, now)
        if verdict.send:
            if verdict.channel:  # the step's fallback channel takes over (e.g. the e-mail bounced)
                item.update(
                    actions=[
                        MessageItem.channel.set(verdict.channel),
                        MessageItem.template.set(verdict.template or item.template),
                        MessageItem.reasons.set(list(verdict.reasons)),
                    ]
                )
            # the Dispatcher's clock travels with the message: the Sender records sends on it
            body = {"pk": pk, "sk": sk, "at": now.isoformat()}
            sqs.send_message(QueueUrl=config.outbound_queue_url(), MessageBody=json.dumps(body))
            # the Sender records "guardrails_passed" with the outcome: one write fewer per send
            report.outcomes["enqueued"] += 1
        elif verdict.retry_at is not None:
            _settle(item, Status.PLANNED, verdict.reasons, now, verdict.retry_at)
            report.outcomes["deferred"] += 1
        else:
            _settle(item, verdict.status, verdict.reasons, now, None)
            report.outcomes[verdict.status.value] += 1
        logger.info("dispatched", extra={"message_id": item.message_id, "verdict": verdict.reasons[-1]})
    return report
