"""Settling a message whose send timed out: SendGrid's own events say whether it took it.

`processed`, `delivered`, `deferred`, `bounce`, `open` and `click` carry our
`touchpoint_message_id`: the message went out (`sent`). `dropped` means SendGrid never sent
it (`failed`). A message with no event within the window falls due; the Sender records it failed.

Each kind of event is recorded once on the message (`provider:<event>` among its reasons), so a
batch SendGrid repeats answers `duplicate: true`: one write per event either way, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.expressions.update import Action

from touchpoint.decide.model import Status
from touchpoint.events import WENT_OUT, ProviderEvent
from touchpoint.profiles.models import MESSAGE_PREFIX, MessageItem, customer_pk
from touchpoint.sending.claims import claim


@dataclass(frozen=True)
class Reconciled:
    message_id: str
    settled: str | None  # the status it was settled to, or None: nothing was waiting on this
    duplicate: bool = False

    def summary(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "reconciled": self.settled, "duplicate": self.duplicate}


def apply(report: ProviderEvent) -> Reconciled:
    """Record the event on a settled message, or settle the message if its outcome is unknown.

    Recording is tried first: almost every event is about a message already sent."""
    if _record(report):
        return Reconciled(report.message_id, None)
    settled = _settle(report)
    return Reconciled(report.message_id, settled, duplicate=settled is None)


def _record(report: ProviderEvent) -> bool:
    reason = f"provider:{report.event}"
    condition = (
        MessageItem.status.exists()
        & (MessageItem.status != Status.UNKNOWN.value)
        & ~MessageItem.reasons.contains(reason)
    )
    actions: list[Action] = [MessageItem.reasons.set((MessageItem.reasons | []).append([reason]))]
    return (
        claim(customer_pk(report.customer_id), MESSAGE_PREFIX + report.message_id, actions, condition)
        is not None
    )


def _settle(report: ProviderEvent) -> str | None:
    went_out = report.event in WENT_OUT
    status = Status.SENT if went_out else Status.FAILED
    actions: list[Action] = [
        MessageItem.status.set(status.value),
        MessageItem.reasons.set(MessageItem.reasons.append([f"provider:{report.event}"])),
        MessageItem.due_pk.remove(),
        MessageItem.due_sk.remove(),
    ]
    if went_out:
        actions += [
            MessageItem.sent_at.set(report.at),
            MessageItem.provider_id.set(report.provider_id or report.message_id),
        ]
    settled = claim(
        customer_pk(report.customer_id),
        MESSAGE_PREFIX + report.message_id,
        actions,
        MessageItem.status == Status.UNKNOWN.value,
    )
    return status.value if settled else None
