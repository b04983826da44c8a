"""Property tests: whatever the profile, message and clock, the send-time gate never lets
a marketing message through without consent, at night in any zone the customer may be in,
past the cap, within the smart-sending window, during an open ticket, or after the event
that ends its flow; and it holds out only what would otherwise have gone out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from touchpoint.decide import Action, MessageView, Profile, Status, decide, recheck
from touchpoint.decide.model import ConsentRecord
from touchpoint.events import Checkout, Kind, TouchpointEvent
from touchpoint.playbook.loading import current_playbook

PLAYBOOK = current_playbook()
ZONES = [None, "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Pacific/Auckland", "Not/AZone"]
times = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC))
states = st.sampled_from(["subscribed", "unsubscribed", "not_subscribed", "pending"])


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    now = draw(times)
    consent = {
        ch: ConsentRecord(state=draw(states)) for ch in draw(st.sets(st.sampled_from(["email", "sms"])))
    }
    sent = tuple(
        MessageView(
            f"s{i}",
            "cart_abandonment",
            "x",
            "sent",
            draw(st.sampled_from(["email", "sms"])),
            "t",
            None,
            sent_at=now - timedelta(hours=draw(st.integers(0, 400))),
        )
        for i in range(draw(st.integers(0, 7)))
    )
    exits = {
        k: now - timedelta(minutes=draw(st.integers(-600, 6000)))
        for k in draw(st.sets(st.sampled_from(["order_placed", "checkout_completed"])))
    }
    return Profile(
        customer_id=draw(st.text(min_size=1, max_size=12)),
        email=draw(st.sampled_from([None, "a@example.com"])),
        phone=draw(st.sampled_from([None, "+12125550100", "+15024592181", "+491701234567", "+19075551234"])),
        consent=consent,
        timezone=draw(st.sampled_from(ZONES)),
        country=draw(st.sampled_from([None, "US", "DE", "RU"])),
        province=draw(st.sampled_from([None, "KY", "TX", "NY", "HI"])),
        open_tickets=draw(st.integers(0, 2)),
        last_event_at=exits,
        messages=sent,
    )


@settings(max_examples=400, deadline=None)
@given(profile=profiles(), now=times, channel=st.sampled_from(["email", "sms"]), age=st.integers(0, 5000))
def test_no_unwanted_marketing_send(profile: Profile, now: datetime, channel: str, age: int) -> None:
    step = "email_1h" if channel == "email" else "sms_48h"
    message = MessageView("m", "cart_abandonment", step, "queued", channel, "cart_reminder", now)
    trigger_at = now - timedelta(minutes=age)
    verdict = recheck(profile, message, trigger_at, PLAYBOOK, now)
    if not verdict.send and verdict.status != Status.HOLDOUT:
        return
    # sent, or held out: a held-out message is one that would otherwise have gone out
    assert profile.has_consent(channel)
    assert profile.reachable(channel)
    assert profile.open_tickets == 0
    cap = PLAYBOOK.frequency_caps[channel]  # type: ignore[index]
    recent = [
        m
        for m in profile.messages
        if m.channel == channel and m.sent_at and m.sent_at >= now - timedelta(days=cap.days)
    ]
    assert len(recent) < cap.max
    window = PLAYBOOK.smart_sending.window(channel)
    assert window is not None
    assert not [m for m in recent if m.sent_at and m.sent_at > now - window]
    assert all(when <= trigger_at for when in profile.last_event_at.values())
    if channel in PLAYBOOK.quiet_hours.channels:
        assert profile.zones
        for zone in profile.zones:
            assert 8 <= now.astimezone(zone).hour < 21


@settings(max_examples=200, deadline=None)
@given(profile=profiles(), now=times, age=st.integers(0, 100_000))
def test_planning_never_schedules_without_consent_or_at_night(
    profile: Profile, now: datetime, age: int
) -> None:
    event = TouchpointEvent(
        source="p",
        event_id="e",
        kind=Kind.CHECKOUT_UPDATED,
        occurred_at=now - timedelta(minutes=age),
        checkout=Checkout(token="t"),
    )
    for decision in decide(profile, event, PLAYBOOK, now):
        if decision.action != Action.SCHEDULE:
            continue
        assert profile.has_consent(decision.channel) and profile.reachable(decision.channel)
        assert decision.due_at >= now
        if decision.channel == "sms":
            assert profile.zones
            for zone in profile.zones:
                assert 8 <= decision.due_at.astimezone(zone).hour < 21
