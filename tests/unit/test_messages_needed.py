"""The pipeline reads a customer's messages only for an event decide() acts on: a flow it starts
or ends, or a consent it withdraws (engine.looks_at_messages). For every other event, decide()'s
own steps must find nothing to do whatever messages the customer has, or skipping the read would
change a decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from touchpoint.decide import MessageView, Profile, looks_at_messages
from touchpoint.decide.engine import Situation, stop_what_the_event_ends, triggered_flows
from touchpoint.decide.model import ConsentRecord
from touchpoint.events import Checkout, Consent, Kind, LineItem, Order, Ticket, TouchpointEvent
from touchpoint.playbook.loading import current_playbook

PLAYBOOK = current_playbook()
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def _pending_in_every_flow() -> Profile:
    """A customer with an open message of every step of every flow, on every channel."""
    views = tuple(
        MessageView(f"{name}.{step.id}", name, step.id, "planned", step.channel, step.template, NOW)
        for name, flow in PLAYBOOK.flows.items()
        for step in flow.steps
    )
    return Profile(
        customer_id="c1",
        email="a@example.com",
        phone="+12125550100",
        consent={ch: ConsentRecord(state="subscribed") for ch in ("email", "sms")},
        orders_count=1,
        messages=views,
    )


consents = st.builds(
    Consent,
    channel=st.sampled_from(["email", "sms"]),
    state=st.sampled_from(["subscribed", "unsubscribed", "not_subscribed", "pending"]),
    at=st.sampled_from([NOW, NOW - timedelta(days=90)]),
    source=st.just("t"),
)


@st.composite
def events(draw: st.DrawFn) -> TouchpointEvent:
    kind = draw(st.sampled_from(list(Kind)))
    return TouchpointEvent(
        source="t",
        event_id="e1",
        kind=kind,
        occurred_at=NOW,
        consents=tuple(draw(st.lists(consents, max_size=2))),
        checkout=Checkout(token="k1") if kind.value.startswith("checkout") else None,
        order=Order(order_id="o1") if kind.value.startswith("order") else None,
        ticket=Ticket(ticket_id="t1", status="solved", rating="bad")
        if kind.value.startswith("ticket")
        else None,
        products=(LineItem(product_id="p1"),),
    )


@settings(max_examples=300, deadline=None)
@given(event=events())
def test_an_event_decide_does_not_look_at_needs_no_messages(event: TouchpointEvent) -> None:
    if looks_at_messages(event, PLAYBOOK):
        return
    situation = Situation(_pending_in_every_flow(), event, PLAYBOOK, NOW)
    assert stop_what_the_event_ends(situation) == []
    assert triggered_flows(situation) == []


def _event(kind: Kind, *withdrawn: str) -> TouchpointEvent:
    gone = tuple(Consent(channel=ch, state="unsubscribed", at=NOW, source="t") for ch in withdrawn)  # type: ignore[arg-type]
    return TouchpointEvent(source="t", event_id="e", kind=kind, occurred_at=NOW, consents=gone)


def test_which_events_read_messages_with_the_default_playbook() -> None:
    assert not looks_at_messages(_event(Kind.PAGE_VIEWED), PLAYBOOK)
    assert not looks_at_messages(_event(Kind.CUSTOMER_UPDATED), PLAYBOOK)
    assert not looks_at_messages(_event(Kind.TICKET_OPENED), PLAYBOOK)
    assert looks_at_messages(_event(Kind.PRODUCT_VIEWED), PLAYBOOK)  # browse abandonment starts
    assert looks_at_messages(_event(Kind.ORDER_PLACED), PLAYBOOK)  # the cart flow ends
    assert looks_at_messages(_event(Kind.CUSTOMER_UPDATED, "sms"), PLAYBOOK)  # pending texts end
