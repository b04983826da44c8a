"""Flow runs: which flows an event starts, what one run is keyed by, when a run ends.

A run is the messages one trigger of a flow planned (one checkout's reminders). A flow
has at most one active run per customer unless the playbook says `reentry: parallel`:
with `supersede` a newer trigger cancels the pending run, with `after_end` (the default)
it waits until the run is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from touchpoint.decide.model import PENDING_STATUSES, Action, Decision, MessageView, Profile, Status
from touchpoint.identity import sha256
from touchpoint.kinds import CATALOG_KINDS, Kind
from touchpoint.playbook.model import Flow

if TYPE_CHECKING:  # types only: the event models stay off the Sender's start
    from touchpoint.events import TouchpointEvent

OPT_IN_SOURCES = {Kind.CUSTOMER_UPDATED, Kind.IDENTIFY}
FRESH_OPT_IN = timedelta(days=2)
SUPERSEDED = "superseded"


def message_id(flow: str, step: str, key: str) -> str:
    return f"{flow}.{step}.{sha256(key)[:12]}"


def triggers(event: TouchpointEvent) -> set[Kind]:
    """The event's kind, plus EMAIL_OPT_IN for a customer event with a fresh e-mail opt-in."""
    kinds = {event.kind}
    if event.kind in OPT_IN_SOURCES and any(
        c.channel == "email" and c.state == "subscribed" and c.at >= event.occurred_at - FRESH_OPT_IN
        for c in event.consents
    ):
        kinds.add(Kind.EMAIL_OPT_IN)
    return kinds


def trigger_key(event: TouchpointEvent, flow: Flow) -> str:
    if flow.key == "customer":
        return "customer"
    if flow.key == "day":
        return f"day:{event.occurred_at.date().isoformat()}"
    if event.checkout:
        return f"checkout:{event.checkout.token}"
    if event.order:
        return f"order:{event.order.order_id}"
    if event.ticket:
        return f"ticket:{event.ticket.ticket_id}"
    if event.kind in CATALOG_KINDS and event.products:
        return f"product:{event.products[0].product_id}"
    return event.dedup_key


def unmet_requirement(flow: Flow, profile: Profile, event: TouchpointEvent) -> str | None:
    """The first requirement of the flow this event does not meet, or None."""
    for requirement in flow.requires:
        if requirement == "bad_rating" and not (event.ticket and event.ticket.unhappy):
            return "rating_not_bad"
        if requirement == "first_order" and profile.orders_count != 1:
            return "not_first_order"
        if requirement == "repeat_order" and profile.orders_count < 2:
            return "not_repeat_order"
    return None


def anchor(event: TouchpointEvent, first_delay: timedelta, now: datetime) -> datetime:
    """Event time, moved so a late or replayed delivery never makes a step due in the past."""
    return max(min(event.occurred_at, now), now - first_delay)


def exited(flow: Flow, profile: Profile, trigger_at: datetime) -> str | None:
    """The exit event that ends this run of the flow: one after the trigger, or at the same instant
    if it is another kind (out-of-order delivery: the order came before its checkout)."""
    for kind in flow.exit_on:
        when = profile.last_event_at.get(kind.value)
        if when and (when > trigger_at or (when == trigger_at and kind != flow.trigger)):
            return f"exit:{kind.value}"
    return None


def run_exit(flow: Flow, profile: Profile, event: TouchpointEvent) -> str | None:
    if event.checkout and event.checkout.token in profile.ordered_checkouts:
        return "exit:order_placed"
    return exited(flow, profile, event.occurred_at)


def _other_runs(profile: Profile, name: str, key: str, closed: set[str]) -> list[MessageView]:
    return [
        m
        for m in profile.messages
        if m.flow == name and m.trigger != key and m.status in PENDING_STATUSES and m.message_id not in closed
    ]


@dataclass(frozen=True)
class Entry:
    """May a new run start, and what it cancels when it does."""

    allowed: bool
    cancels: tuple[Decision, ...] = ()


def enter(
    flow: Flow, name: str, profile: Profile, key: str, trigger_at: datetime, closed: set[str], now: datetime
) -> Entry:
    others = _other_runs(profile, name, key, closed)
    if not others or flow.reentry == "parallel":
        return Entry(allowed=True)
    if any(m.trigger_at and m.trigger_at > trigger_at for m in others):
        return Entry(allowed=False)  # a newer run exists: this trigger is a late, older delivery
    if flow.reentry == "after_end":
        return Entry(allowed=False)
    return Entry(allowed=True, cancels=tuple(cancel(others, None, SUPERSEDED, now)))


def superseded(flow: Flow, profile: Profile, message: MessageView) -> bool:
    """Send time: a newer run of a superseding flow started after this message was claimed."""
    if flow.reentry != "supersede" or message.trigger_at is None:
        return False
    return any(
        m.flow == message.flow
        and m.trigger != message.trigger
        and m.trigger_at is not None
        and m.trigger_at > message.trigger_at
        for m in profile.messages
    )


def cancel(
    messages: list[MessageView] | tuple[MessageView, ...], flow: str | None, reason: str, now: datetime
) -> list[Decision]:
    """Cancel what is still planned (of one flow, or of any)."""
    return [
        Decision(
            action=Action.CANCEL,
            message_id=m.message_id,
            flow=m.flow,
            step=m.step,
            channel=m.channel,
            template=m.template,
            due_at=m.due_at or now,
            reasons=(*m.reasons, reason),
            marketing=m.marketing,
        )
        for m in messages
        if m.status == Status.PLANNED and (flow is None or m.flow == flow)
    ]
