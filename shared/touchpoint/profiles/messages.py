"""The one mapping between a stored message (MessageItem), what decide() sees of it
(MessageView) and what decide() asks for (Decision): fields of the same name are the same
thing, copied by name here and nowhere else."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.decide.model import Action, Decision, MessageView
from touchpoint.plan import keys
from touchpoint.profiles.models import MESSAGE_PREFIX, MessageItem, customer_pk

if TYPE_CHECKING:
    from touchpoint.profiles.change import Change

VIEW_FIELDS = tuple(f.name for f in fields(MessageView))
# what a decision writes onto its message item, besides status, reasons and bookkeeping
DECISION_FIELDS = ("message_id", "flow", "step", "channel", "template", "due_at", "marketing", "trigger")
DECISION_EXTRAS = ("offer", "variant")
# how long a message outlives its due time: beyond the 7-day attribution window and any frequency
# cap, and as long as the event markers (pipeline.MARKER_TTL) that keep a redelivery out
RETENTION = timedelta(days=35)
LIFETIME_TRIGGER = "customer"  # a once-per-customer run (decide/runs.py): kept, or it would run again
PRESENCE = "has_messages"  # the profile's mark (ProfileItem.has_messages)


def retained_until(trigger: str | None, due_at: datetime) -> datetime | None:
    """When a message may expire, so the customer's partition (which every event reads) stays
    bounded. A once-per-customer run never expires: at most one message per step of the playbook."""
    return None if trigger == LIFETIME_TRIGGER else due_at + RETENTION


def may_have(profile: dict[str, Any]) -> bool:
    """Whether the customer's partition may hold messages, judged from its profile alone.
    Messages are written only in the transaction that updates their profile, and that write
    marks it (`mark_presence`); no profile, no messages; a profile from before the mark may."""
    return bool(profile) and profile.get(PRESENCE) is not False


def mark_presence(change: Change, before: dict[str, Any], found: bool, staged: bool) -> None:
    """Keep the profile's mark in the event's own write. Once messages exist it is True for good
    (they outlive any one read); False is written only where no mark is yet, so it never undoes a
    concurrent writer's True."""
    if found or staged:
        if before.get(PRESENCE) is not True:
            change.assign[PRESENCE] = True
    elif PRESENCE not in before:
        change.assign_if_absent[PRESENCE] = False


def live(item: MessageItem, now: datetime) -> bool:
    """Not expired yet: `models.unexpired`, the reads' filter, for the in-memory backtest."""
    return item.expires_at is None or item.expires_at > now


def to_view(item: MessageItem) -> MessageView:
    values: dict[str, Any] = {name: getattr(item, name) for name in VIEW_FIELDS}
    values.update(
        marketing=bool(item.marketing), reasons=tuple(item.reasons or ()), trigger=item.trigger or ""
    )
    return MessageView(**values)


def to_item(
    decision: Decision,
    customer_id: str,
    trigger_at: datetime,
    created_at: datetime,
    now: datetime,
    context: dict[str, Any],
) -> MessageItem:
    """The item a planned, suppressed (or re-planned) decision writes; only a scheduled one
    carries the due-index keys the Dispatcher reads."""
    scheduled = decision.action == Action.SCHEDULE
    values: dict[str, Any] = {name: getattr(decision, name) for name in (*DECISION_FIELDS, *DECISION_EXTRAS)}
    return MessageItem(
        customer_pk(customer_id),
        MESSAGE_PREFIX + decision.message_id,
        **values,
        customer_id=customer_id,
        status=decision.status.value,
        reasons=list(decision.reasons),
        trigger_at=trigger_at,
        created_at=created_at,
        updated_at=now,
        context=context,
        attempts=0,
        expires_at=retained_until(decision.trigger, max(decision.due_at, now)),
        due_pk=keys.due_pk(decision.message_id, customer_id) if scheduled else None,
        due_sk=keys.due_sk(decision.due_at, decision.message_id) if scheduled else None,
    )
