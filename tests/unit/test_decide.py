"""The decision engine, table-driven, without AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from touchpoint.decide import Action, Decision, MessageView, Playbook, Profile, Status, decide, recheck
from touchpoint.decide.model import ConsentRecord
from touchpoint.events import Checkout, Consent, Identity, Kind, LineItem, Order, Ticket, TouchpointEvent
from touchpoint.playbook import loading
from touchpoint.playbook.loading import current_playbook

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PLAYBOOK = current_playbook()
PLAYBOOK_PATH = loading.playbook_path()
SUBSCRIBED = ConsentRecord(state="subscribed", at=NOW - timedelta(days=30), source="test")


def profile(**kw: object) -> Profile:
    defaults: dict[str, object] = {
        "customer_id": "c_test_visible",
        "email": "a@example.com",
        "consent": {"email": SUBSCRIBED},
    }
    return Profile(**{**defaults, **kw})  # type: ignore[arg-type]


def checkout_event(at: datetime = NOW, token: str = "t1") -> TouchpointEvent:
    return TouchpointEvent(
        source="test",
        event_id=f"c-{token}-{at}",
        kind=Kind.CHECKOUT_UPDATED,
        occurred_at=at,
        identity=Identity(email="a@example.com"),
        checkout=Checkout(token=token, items=(LineItem(product_id="p1", title="Hat"),)),
    )


def by_step(decisions: list[Decision]) -> dict[str, Decision]:
    return {d.step: d for d in decisions}


def test_cart_abandonment_schedules_the_three_steps() -> None:
    p = profile(
        phone="+12125550100", timezone="America/New_York", consent={"email": SUBSCRIBED, "sms": SUBSCRIBED}
    )
    steps = by_step(decide(p, checkout_event(), PLAYBOOK, NOW))
    assert steps["email_1h"].action == Action.SCHEDULE and steps["email_1h"].due_at == NOW + timedelta(
        hours=1
    )
    assert (
        steps["email_24h"].due_at == NOW + timedelta(hours=24)
        and (steps["email_24h"].offer or {})["code"] == "COMEBACK10"
    )
    # 48 h later is 15:00 UTC = 10:00 in New York: allowed for SMS
    assert steps["sms_48h"].action == Action.SCHEDULE and steps["sms_48h"].due_at == NOW + timedelta(hours=48)
    assert "quiet_hours_deferred" not in steps["sms_48h"].reasons


def test_sms_inside_quiet_hours_is_deferred_to_morning() -> None:
    late = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 21:00 in New York
    p = profile(
        phone="+12125550100", timezone="America/New_York", consent={"email": SUBSCRIBED, "sms": SUBSCRIBED}
    )
    sms = by_step(decide(p, checkout_event(late), PLAYBOOK, late))["sms_48h"]
    local = sms.due_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert local.hour == 8 and "quiet_hours_deferred" in sms.reasons


def test_sms_waits_for_an_hour_allowed_in_every_zone_the_address_allows() -> None:
    # Kentucky is split: Louisville is Eastern, Paducah Central. 02:30 UTC is 20:30 in Paducah
    # but 21:30 in Louisville (the outside finding): the SMS must wait for 08:00 Central
    at = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    p = profile(
        phone="+15024592181", country="US", province="KY", consent={"email": SUBSCRIBED, "sms": SUBSCRIBED}
    )
    sms = by_step(decide(p, checkout_event(at - timedelta(hours=48)), PLAYBOOK, at - timedelta(hours=48)))[
        "sms_48h"
    ]
    assert sms.action == Action.SCHEDULE and "quiet_hours_deferred" in sms.reasons
    assert sms.due_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 08:00 Chicago, 09:00 Louisville


def test_no_known_zone_means_no_sms_never_the_shops_zone() -> None:
    p = profile(phone="+15555550100", consent={"email": SUBSCRIBED, "sms": SUBSCRIBED})  # not a real area
    sms = by_step(decide(p, checkout_event(), PLAYBOOK, NOW))["sms_48h"]
    assert sms.action == Action.SUPPRESS and sms.reasons[-1] == "timezone_unknown"


def test_zones_far_apart_have_no_common_waking_hour() -> None:
    p = profile(phone="+15024592181", country="RU", consent={"email": SUBSCRIBED, "sms": SUBSCRIBED})
    sms = by_step(decide(p, checkout_event(), PLAYBOOK, NOW))["sms_48h"]
    assert sms.action == Action.SUPPRESS and sms.reasons[-1] == "quiet_hours:no_common_window"


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"consent": {}}, "no_consent:email"),
        ({"consent": {"email": ConsentRecord(state="unsubscribed")}}, "no_consent:email"),
        ({"email": None}, "unreachable:email"),
    ],
)
def test_blocked_steps_are_recorded_as_suppressed(kw: dict[str, object], reason: str) -> None:
    email = by_step(decide(profile(**kw), checkout_event(), PLAYBOOK, NOW))["email_1h"]
    assert email.action == Action.SUPPRESS and reason in email.reasons


def test_late_delivery_never_makes_a_step_due_in_the_past() -> None:
    stale = NOW - timedelta(days=400)
    steps = by_step(decide(profile(), checkout_event(stale), PLAYBOOK, NOW))
    assert steps["retarget_30m"].due_at == NOW  # the earliest step starts now, the others keep their spacing
    assert steps["email_1h"].due_at == NOW + timedelta(minutes=30)
    assert steps["email_24h"].due_at == NOW + timedelta(hours=23, minutes=30)


def test_order_cancels_planned_cart_messages_only() -> None:
    planned = MessageView("m1", "cart_abandonment", "email_1h", "planned", "email", "cart_reminder", NOW)
    sent = MessageView("m2", "cart_abandonment", "email_24h", "sent", "email", "cart_offer", NOW)
    order = TouchpointEvent(
        source="test", event_id="o1", kind=Kind.ORDER_PLACED, occurred_at=NOW, order=Order(order_id="1")
    )
    decisions = decide(profile(messages=(planned, sent)), order, PLAYBOOK, NOW)
    cancels = [d for d in decisions if d.action == Action.CANCEL]
    assert [d.message_id for d in cancels] == ["m1"] and "exit:order_placed" in cancels[0].reasons


def test_checkout_already_ordered_plans_nothing_sendable() -> None:
    p = profile(ordered_checkouts=frozenset({"t1"}))
    assert {d.action for d in decide(p, checkout_event(), PLAYBOOK, NOW)} == {Action.SUPPRESS}


def test_withdrawn_consent_cancels_pending_on_that_channel() -> None:
    planned = MessageView("m1", "cart_abandonment", "email_1h", "planned", "email", "cart_reminder", NOW)
    event = TouchpointEvent(
        source="test",
        event_id="u1",
        kind=Kind.CUSTOMER_UPDATED,
        occurred_at=NOW,
        consents=(Consent(channel="email", state="unsubscribed", at=NOW, source="test"),),
    )
    decisions = decide(profile(messages=(planned,)), event, PLAYBOOK, NOW)
    assert [(d.action, d.reasons[-1]) for d in decisions] == [
        (Action.CANCEL, "consent_withdrawn:email"),
        (Action.SCHEDULE, "remove_from_audience"),  # and out of the ads audience, right away
    ]
    assert decisions[1].channel == "retargeting" and not decisions[1].marketing


def test_bad_rating_gets_a_recovery_offer_good_one_does_not() -> None:
    def rated(rating: str) -> list:
        event = TouchpointEvent(
            source="t",
            event_id=rating,
            kind=Kind.TICKET_RATED,
            occurred_at=NOW,
            ticket=Ticket(ticket_id="1", status="solved", rating=rating),
        )
        return decide(profile(), event, PLAYBOOK, NOW)

    assert [d.flow for d in rated("bad")] == ["service_recovery"]
    assert rated("good") == []


def message(**kw: object) -> MessageView:
    base: dict[str, object] = {
        "message_id": "m",
        "flow": "cart_abandonment",
        "step": "email_1h",
        "status": "queued",
        "channel": "email",
        "template": "cart_reminder",
        "due_at": NOW,
    }
    return MessageView(**{**base, **kw})  # type: ignore[arg-type]


def test_recheck_passes_a_clean_message() -> None:
    assert recheck(profile(), message(), NOW - timedelta(hours=1), PLAYBOOK, NOW).send


@pytest.mark.parametrize(
    ("kw", "status", "reason"),
    [
        ({"consent": {}}, Status.SUPPRESSED, "no_consent:email"),
        ({"open_tickets": 1}, Status.SUPPRESSED, "open_ticket"),
        (
            {"last_event_at": {"order_placed": NOW - timedelta(minutes=5)}},
            Status.CANCELLED,
            "exit:order_placed",
        ),
        (
            {
                "messages": tuple(
                    message(message_id=f"s{i}", status="sent", sent_at=NOW - timedelta(days=1))
                    for i in range(5)
                )
            },
            Status.SUPPRESSED,
            "frequency_cap:email",
        ),
    ],
)
def test_recheck_stops_what_changed_since_planning(
    kw: dict[str, object], status: Status, reason: str
) -> None:
    verdict = recheck(profile(**kw), message(), NOW - timedelta(hours=1), PLAYBOOK, NOW)
    assert not verdict.send and verdict.status == status and verdict.reasons[-1] == reason


def test_recheck_defers_sms_at_night() -> None:
    night = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 23:00 in New York
    p = profile(phone="+12125550100", timezone="America/New_York", consent={"sms": SUBSCRIBED})
    verdict = recheck(
        p,
        message(channel="sms", step="sms_48h", template="cart_sms"),
        night - timedelta(days=2),
        PLAYBOOK,
        night,
    )
    assert not verdict.send and verdict.retry_at is not None
    assert verdict.retry_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).hour == 8


@pytest.mark.parametrize(
    ("orders", "revenue", "idle_days", "stage_name", "score"),
    [
        (0, 0, None, "prospect", ""),
        (1, 40, 3, "first_time", "R5F1M1"),
        (3, 400, 40, "repeat", "R4F3M3"),
        (6, 900, 10, "vip", "R5F4M4"),
        (2, 2000, 10, "vip", "R5F2M5"),
        (4, 300, 100, "churn_risk", "R2F3M3"),
        (4, 300, 200, "lapsed", "R1F3M3"),
    ],
)
def test_lifecycle_and_rfm(
    orders: int, revenue: int, idle_days: int | None, stage_name: str, score: str
) -> None:
    from decimal import Decimal

    from touchpoint.decide.lifecycle import rfm, stage

    last = {"order_placed": NOW - timedelta(days=idle_days)} if idle_days is not None else {}
    p = profile(orders_count=orders, revenue=Decimal(revenue), last_event_at=last)
    p.last_order_at = last.get("order_placed")
    assert stage(p, NOW) == stage_name
    assert rfm(p, NOW) == score


def test_candidate_zones_come_from_address_and_phone() -> None:
    from touchpoint.decide import zones

    assert zones.for_phone("+15024592181") == ("America/New_York",)  # Louisville
    assert zones.for_phone("+12704430000") == ("America/Chicago",)  # Paducah
    assert set(zones.for_phone("+19075551234")) == {"America/Anchorage", "America/Adak"}
    assert zones.for_phone("+4915112345678") == ("Europe/Berlin",)
    assert zones.for_phone("+15555550100") == ()
    assert set(zones.for_address("US", "KY")) == {"America/New_York", "America/Chicago"}
    assert set(zones.for_address("US", "US-OR")) == {"America/Denver", "America/Los_Angeles"}
    assert zones.for_address("DE", None) == ("Europe/Berlin",)
    assert zones.candidates("Europe/Paris", "US", "KY", "+15024592181") == (ZoneInfo("Europe/Paris"),)
    assert {z.key for z in zones.candidates(None, "US", "KY", "+12704430000")} == {
        "America/New_York",
        "America/Chicago",
    }
    assert zones.candidates("Not/AZone", None, None, None) == ()


def test_detractor_nps_counts_as_a_bad_rating() -> None:
    event = TouchpointEvent(
        source="t",
        event_id="n",
        kind=Kind.TICKET_RATED,
        occurred_at=NOW,
        ticket=Ticket(ticket_id="1", status="rated", nps=4),
    )
    assert [d.flow for d in decide(profile(), event, PLAYBOOK, NOW)] == ["service_recovery"]


def test_browse_abandonment_once_a_day_and_only_for_reachable_people() -> None:
    from touchpoint.events import LineItem

    def view(at: datetime) -> TouchpointEvent:
        return TouchpointEvent(
            source="s",
            event_id=str(at),
            kind=Kind.PRODUCT_VIEWED,
            occurred_at=at,
            products=(LineItem(product_id="p1"),),
        )

    morning, evening = NOW.replace(hour=9), NOW.replace(hour=18)
    first = [d for d in decide(profile(), view(morning), PLAYBOOK, morning) if d.flow == "browse_abandonment"]
    again = [d for d in decide(profile(), view(evening), PLAYBOOK, evening) if d.flow == "browse_abandonment"]
    assert (
        len(first) == 1 and first[0].message_id == again[0].message_id
    )  # same day: the same message, re-timed
    assert [
        d for d in decide(profile(email=None), view(morning), PLAYBOOK, morning)
    ] == []  # anonymous: no record


def test_welcome_only_for_a_fresh_opt_in_on_a_customer_event() -> None:
    def event(kind: Kind, opted_at: datetime) -> TouchpointEvent:
        return TouchpointEvent(
            source="s",
            event_id=f"{kind}{opted_at}",
            kind=kind,
            occurred_at=NOW,
            consents=(Consent(channel="email", state="subscribed", at=opted_at, source="t"),),
        )

    assert [d.flow for d in decide(profile(), event(Kind.CUSTOMER_UPDATED, NOW), PLAYBOOK, NOW)] == [
        "welcome"
    ]
    assert decide(profile(), event(Kind.CUSTOMER_UPDATED, NOW - timedelta(days=90)), PLAYBOOK, NOW) == []
    checkout = event(Kind.CHECKOUT_UPDATED, NOW)
    assert "welcome" not in {d.flow for d in decide(profile(), checkout, PLAYBOOK, NOW)}


def test_loyal_full_price_buyers_get_no_discount() -> None:
    loyal = profile(orders_count=4, discounted_orders=0)
    hunter = profile(orders_count=4, discounted_orders=2)
    for p, expect in ((loyal, None), (hunter, "COMEBACK10")):
        step = by_step(decide(p, checkout_event(), PLAYBOOK, NOW))["email_24h"]
        assert (step.offer or {}).get("code") == expect
    assert (
        "offer_withheld:full_price_buyer"
        in by_step(decide(loyal, checkout_event(), PLAYBOOK, NOW))["email_24h"].reasons
    )


def test_recommendations_exclude_purchased_and_unavailable() -> None:
    from touchpoint.decide import affinity
    from touchpoint.decide.products import recommend
    from touchpoint.playbook.model import Catalog

    scores = {f"p:{p}": affinity.stored_weight(w, NOW) for p, w in (("a", 5), ("b", 3), ("c", 1), ("d", 4))}
    p = profile(affinity=scores, purchased=frozenset({"a"}))
    book = PLAYBOOK.model_copy(update={"catalog": Catalog(best_sellers=["z", "b"], unavailable=["d"])})
    assert [(r["product_id"], r["reason"]) for r in recommend(p, book, NOW)] == [
        ("b", "affinity"),
        ("c", "affinity"),
        ("z", "best_seller"),
    ]


def test_onsite_free_shipping_nudge_and_first_order_offer() -> None:
    from touchpoint.decide.onsite import personalize

    near = personalize(profile(checkout={"token": "t", "total": "42.00"}), PLAYBOOK, NOW)
    assert near["offer"] == {"kind": "free_shipping_nudge", "missing": "8.00"}
    far = personalize(profile(checkout={"token": "t", "total": "10.00"}), PLAYBOOK, NOW)
    assert far["offer"]["code"] == "FIRSTSHIP" and "offer:first_order:first_order_ship" in far["reasons"]
    assert personalize(profile(orders_count=2), PLAYBOOK, NOW)["offer"] is None


def test_cart_reminder_variant_is_stable_per_customer() -> None:
    variants = {
        by_step(decide(profile(customer_id=f"c{i}"), checkout_event(), PLAYBOOK, NOW))["email_1h"].variant
        for i in range(40)
    }
    assert variants == {"plain", "urgency"}
    again = by_step(decide(profile(customer_id="c7"), checkout_event(), PLAYBOOK, NOW))["email_1h"]
    assert (
        again.variant
        == by_step(decide(profile(customer_id="c7"), checkout_event(), PLAYBOOK, NOW))["email_1h"].variant
    )


def test_bought_together_comes_first_then_measured_best_sellers() -> None:
    from touchpoint.decide.products import recommend

    p = profile(purchased=frozenset({"a"}), viewed=("v",))
    picks = recommend(p, PLAYBOOK, NOW, co_purchased={"b": 2, "c": 5, "a": 9}, best_sellers=["a", "z"])
    assert [(r["product_id"], r["reason"]) for r in picks] == [
        ("c", "bought_together"),
        ("b", "bought_together"),
        ("v", "recently_viewed"),
        ("z", "best_seller"),
    ]


def _event_for(kind: Kind) -> TouchpointEvent:
    base = {"source": "t", "event_id": kind.value, "occurred_at": NOW}
    if kind == Kind.CHECKOUT_UPDATED:
        return checkout_event()
    if kind == Kind.ORDER_PLACED:
        return TouchpointEvent(kind=kind, order=Order(order_id="o1"), **base)  # type: ignore[arg-type]
    if kind in (Kind.TICKET_SOLVED, Kind.TICKET_RATED):
        ticket = Ticket(ticket_id="t1", status="solved", rating="bad" if kind == Kind.TICKET_RATED else None)
        return TouchpointEvent(kind=kind, ticket=ticket, **base)  # type: ignore[arg-type]
    if kind == Kind.PRODUCT_VIEWED:
        from touchpoint.events import LineItem

        return TouchpointEvent(kind=kind, products=(LineItem(product_id="p"),), **base)  # type: ignore[arg-type]
    consent = (Consent(channel="email", state="subscribed", at=NOW, source="t"),)
    return TouchpointEvent(kind=Kind.CUSTOMER_UPDATED, consents=consent, **base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("flow", "kind", "steps"),
    [
        (
            "cart_abandonment",
            Kind.CHECKOUT_UPDATED,
            {"email_1h": 1, "email_24h": 24, "sms_48h": 48, "retarget_30m": 0.5},
        ),
        ("browse_abandonment", Kind.PRODUCT_VIEWED, {"email_4h": 4}),
        ("welcome", Kind.EMAIL_OPT_IN, {"welcome": 1 / 6}),
        ("post_purchase", Kind.ORDER_PLACED, {"thank_you": 24, "cross_sell": 168, "review_request": 336}),
        ("replenishment", Kind.ORDER_PLACED, {"replenish_30d": 720}),
        ("winback", Kind.ORDER_PLACED, {"winback_60d": 1440}),
        ("support_survey", Kind.TICKET_SOLVED, {"csat_1d": 24}),
        ("service_recovery", Kind.TICKET_RATED, {"recovery": 1}),
    ],
)
def test_each_default_flow_plans_its_steps(flow: str, kind: Kind, steps: dict[str, float]) -> None:
    p = profile(
        customer_id="c_visible",
        phone="+442071234567",
        timezone="Europe/London",
        consent={"email": SUBSCRIBED, "sms": SUBSCRIBED},
    )
    planned = {d.step: d for d in decide(p, _event_for(kind), PLAYBOOK, NOW) if d.flow == flow}
    assert set(planned) == set(steps)
    for step, hours in steps.items():
        assert planned[step].action == Action.SCHEDULE
        # e-mail can move to the best hour and SMS out of quiet hours; neither applies here
        assert planned[step].due_at == NOW + timedelta(hours=hours), step


def test_a_customer_who_ignores_email_gets_the_fallback_channel() -> None:
    sent = tuple(
        MessageView(
            f"s{i}", "post_purchase", "x", "sent", "email", "t", None, sent_at=NOW - timedelta(days=i + 1)
        )
        for i in range(3)
    )
    p = profile(
        phone="+442071234567",
        timezone="Europe/London",
        consent={"email": SUBSCRIBED, "sms": SUBSCRIBED},
        messages=sent,
    )
    second = by_step(decide(p, checkout_event(), PLAYBOOK, NOW))["email_24h"]
    assert second.channel == "sms" and "channel_learned:email_ignored" in second.reasons
    engaged = profile(
        phone="+442071234567",
        consent={"email": SUBSCRIBED, "sms": SUBSCRIBED},
        messages=sent,
        last_engaged_at=NOW - timedelta(hours=1),
    )
    assert by_step(decide(engaged, checkout_event(), PLAYBOOK, NOW))["email_24h"].channel == "email"


def test_sms_only_for_carts_worth_its_cost_when_configured() -> None:
    from touchpoint.playbook.model import Costs

    book = PLAYBOOK.model_copy(update={"costs": Costs(sms_min_cart_value=20)})
    p = profile(
        phone="+442071234567", timezone="Europe/London", consent={"email": SUBSCRIBED, "sms": SUBSCRIBED}
    )

    def sms_for(total: str) -> Decision:
        event = TouchpointEvent(
            source="t",
            event_id=total,
            kind=Kind.CHECKOUT_UPDATED,
            occurred_at=NOW,
            checkout=Checkout(token="t", total=Decimal(total)),
        )
        return by_step(decide(p, event, book, NOW))["sms_48h"]

    assert (
        sms_for("12.00").action == Action.SUPPRESS
        and "cost:cart_below_sms_minimum" in sms_for("12.00").reasons
    )
    assert sms_for("25.00").action == Action.SCHEDULE
    assert (
        by_step(decide(p, checkout_event(), PLAYBOOK, NOW))["sms_48h"].action == Action.SCHEDULE
    )  # default: off


def test_send_hour_personal_first_then_population() -> None:
    from touchpoint.playbook.model import Timing

    book = PLAYBOOK.model_copy(update={"timing": Timing(population_send_hour_utc=14)})
    learned = profile(engagement_hours={17: 4})
    assert (
        by_step(decide(learned, checkout_event(), book, NOW))["email_24h"].due_at.hour == 17
    )  # 15:00 -> 17:00
    fresh = by_step(decide(profile(), checkout_event(), book, NOW))["email_24h"]
    assert fresh.due_at.hour == 14 and "population_hour:14" in fresh.reasons
    assert (
        by_step(decide(profile(), checkout_event(), PLAYBOOK, NOW))["email_24h"].due_at.hour == 15
    )  # default off


# -- one active run, smart sending, holdout after the guardrails ------------------------------


def _pending(decisions: list[Decision], at: datetime, trigger: str) -> tuple[MessageView, ...]:
    """The stored side of decisions: what the next event's profile sees."""
    return tuple(
        MessageView(
            d.message_id,
            d.flow,
            d.step,
            d.status.value,
            d.channel,
            d.template,
            d.due_at,
            marketing=d.marketing,
            reasons=d.reasons,
            trigger_at=at,
            trigger=trigger,
        )
        for d in decisions
    )


def test_a_newer_checkout_supersedes_the_older_ones_pending_reminders() -> None:
    first = decide(profile(), checkout_event(NOW, "t1"), PLAYBOOK, NOW)
    p = profile(messages=_pending(first, NOW, "checkout:t1"))
    later = NOW + timedelta(seconds=1)
    second = decide(p, checkout_event(later, "t2"), PLAYBOOK, later)
    cancelled = [d for d in second if d.action == Action.CANCEL]
    assert {d.message_id for d in cancelled} == {d.message_id for d in first if d.action == Action.SCHEDULE}
    assert all(d.reasons[-1] == "superseded" for d in cancelled)
    assert {d.trigger for d in second if d.action == Action.SCHEDULE} == {"checkout:t2"}


def test_an_older_checkout_delivered_late_never_supersedes_a_newer_one() -> None:
    newer = decide(profile(), checkout_event(NOW, "t2"), PLAYBOOK, NOW)
    p = profile(messages=_pending(newer, NOW, "checkout:t2"))
    assert decide(p, checkout_event(NOW - timedelta(hours=1), "t1"), PLAYBOOK, NOW) == []


def test_by_default_a_flow_is_not_reentered_while_a_run_is_pending() -> None:
    from touchpoint.playbook.loading import parse

    text = (PLAYBOOK_PATH.read_text()).replace(
        "    reentry: supersede         # a newer checkout", "    # was"
    )
    after_end = parse(text)
    assert after_end.flows["cart_abandonment"].reentry == "after_end"
    first = decide(profile(), checkout_event(NOW, "t1"), after_end, NOW)
    p = profile(messages=_pending(first, NOW, "checkout:t1"))
    assert decide(p, checkout_event(NOW + timedelta(minutes=5), "t2"), after_end, NOW) == []


def _sent(channel: str, at: datetime, marketing: bool = True) -> MessageView:
    return MessageView(
        f"prev-{channel}",
        "browse_abandonment",
        "email_4h",
        "sent",
        channel,
        "t",
        at,
        sent_at=at,
        marketing=marketing,
    )


COLLIDING = """
version: 1
holdout: {share: 0}
smart_sending: {email: 16h}
flows:
  cart:
    trigger: checkout_updated
    steps:
      - {id: first, after: 1h, channel: email, template: t}
      - {id: second, after: 24h, channel: email, template: t}
  browse:
    trigger: product_viewed
    steps:
      - {id: only, after: 4h, channel: email, template: t}
  quick:
    trigger: checkout_updated
    priority: 40
    steps:
      - {id: soon, after: 1h, channel: email, template: t}
      - {id: next, after: 3h, channel: email, template: t}
templates:
  t: {subject: "Hi", body: "Hello"}
"""


def _colliding() -> Playbook:
    from touchpoint.playbook.loading import parse

    return parse(COLLIDING, "colliding.yaml")


def _mail_from(flow: str, at: datetime) -> MessageView:
    return MessageView(f"prev-{flow}", flow, "x", "sent", "email", "t", at, sent_at=at)


def test_a_higher_priority_flow_goes_inside_a_lower_ones_smart_sending_window() -> None:
    """A browse mail 50 minutes ago does not hold back the cart reminder, the more valuable one."""
    playbook = _colliding()
    p = profile(messages=(_mail_from("browse", NOW - timedelta(minutes=50)),))
    first = by_step(decide(p, checkout_event(), playbook, NOW))["first"]
    assert first.action == Action.SCHEDULE and first.due_at == NOW + timedelta(hours=1)
    assert "priority_over:browse" in first.reasons
    message = MessageView("m", "cart", "first", "queued", "email", "t", NOW)
    verdict = recheck(p, message, NOW - timedelta(hours=1), playbook, NOW)
    assert verdict.send and "priority_over:browse" in verdict.reasons  # the send says why it went


def test_an_outranked_step_waits_for_the_window_while_it_is_still_relevant() -> None:
    playbook = _colliding()
    last = NOW - timedelta(hours=10)
    p = profile(messages=(_mail_from("cart", last),))  # the same priority: the earlier one keeps the window
    first = by_step(decide(p, checkout_event(token="t2"), playbook, NOW))["first"]
    assert first.action == Action.SCHEDULE and first.due_at == last + timedelta(hours=16)
    assert first.reasons[-2:] == ("lost_to:cart", "smart_sending_deferred:email")
    browse = MessageView("b", "browse", "only", "queued", "email", "t", NOW)
    verdict = recheck(p, browse, NOW - timedelta(hours=4), playbook, NOW)  # the last step: a day to spare
    assert not verdict.send and verdict.retry_at == last + timedelta(hours=16)
    assert verdict.reasons[-2:] == ("lost_to:cart", "smart_sending_deferred:email")


def test_a_step_that_says_skip_is_skipped_even_while_relevant() -> None:
    playbook = _colliding()
    flow = playbook.flows["browse"]
    playbook.flows["browse"] = flow.model_copy(
        update={"steps": [flow.steps[0].model_copy(update={"if_recent": "skip"})]}
    )
    p = profile(messages=(_mail_from("cart", NOW - timedelta(hours=10)),))
    browse = MessageView("b", "browse", "only", "queued", "email", "t", NOW)
    verdict = recheck(p, browse, NOW - timedelta(hours=4), playbook, NOW)
    assert not verdict.send and verdict.reasons[-2:] == ("lost_to:cart", "smart_sending:email")


def test_an_outranked_step_that_would_come_after_its_next_step_is_skipped_naming_the_winner() -> None:
    playbook = _colliding()
    p = profile(messages=(_mail_from("cart", NOW - timedelta(hours=1)),))
    soon = MessageView("q", "quick", "soon", "queued", "email", "t", NOW)
    verdict = recheck(p, soon, NOW - timedelta(hours=1), playbook, NOW)  # the window ends after `next`
    assert not verdict.send and verdict.status == Status.SUPPRESSED
    assert verdict.reasons[-2:] == ("lost_to:cart", "smart_sending:email")


def test_smart_sending_defers_a_step_that_asks_for_it_and_exempts_transactional_ones() -> None:
    from touchpoint.playbook.model import Step

    deferring = PLAYBOOK.model_copy(deep=True)
    flow = deferring.flows["cart_abandonment"]
    steps = [s.model_copy(update={"if_recent": "defer"}) if s.id == "email_1h" else s for s in flow.steps]
    deferring.flows["cart_abandonment"] = flow.model_copy(update={"steps": steps})
    assert isinstance(steps[0], Step)
    last = NOW - timedelta(hours=10)
    p = profile(messages=(_mail_from("cart_abandonment", last),))
    email = by_step(decide(p, checkout_event(), deferring, NOW))["email_1h"]
    assert email.action == Action.SCHEDULE and email.due_at == last + timedelta(hours=16)
    assert "smart_sending_deferred:email" in email.reasons
    survey = MessageView(
        "s", "support_survey", "csat_1d", "queued", "email", "csat_survey", NOW, marketing=False
    )
    verdict = recheck(p, survey, NOW - timedelta(days=1), PLAYBOOK, NOW)
    assert verdict.send
    order = TouchpointEvent(
        source="t", event_id="o", kind=Kind.ORDER_PLACED, occurred_at=NOW, order=Order(order_id="1")
    )
    thanks = by_step(decide(profile(messages=p.messages, orders_count=1), order, PLAYBOOK, NOW))["thank_you"]
    assert thanks.action == Action.SCHEDULE and "smart_sending_exempt" in thanks.reasons


def _holdout_customer() -> str:
    from touchpoint.decide import in_holdout

    return next(f"c{i}" for i in range(10_000) if in_holdout(f"c{i}", PLAYBOOK))


def test_holdout_never_overrides_a_blocker() -> None:
    unconsented = profile(customer_id=_holdout_customer(), consent={})
    email = by_step(decide(unconsented, checkout_event(), PLAYBOOK, NOW))["email_1h"]
    assert email.action == Action.SUPPRESS and email.reasons[-1] == "no_consent:email"
    message = MessageView("m", "cart_abandonment", "email_1h", "queued", "email", "cart_reminder", NOW)
    verdict = recheck(unconsented, message, NOW - timedelta(hours=1), PLAYBOOK, NOW)
    assert verdict.status == Status.SUPPRESSED and verdict.reasons[-1] == "no_consent:email"


def test_holdout_applies_at_the_would_be_send_time_after_every_guardrail() -> None:
    held = profile(customer_id=_holdout_customer())
    email = by_step(decide(held, checkout_event(), PLAYBOOK, NOW))["email_1h"]
    assert email.action == Action.SCHEDULE  # planned like anyone's
    message = MessageView("m", "cart_abandonment", "email_1h", "queued", "email", "cart_reminder", NOW)
    verdict = recheck(held, message, NOW - timedelta(hours=1), PLAYBOOK, NOW)
    assert not verdict.send and verdict.status == Status.HOLDOUT and verdict.reasons[-1] == "holdout"
    ticket_open = profile(customer_id=held.customer_id, open_tickets=1)
    assert recheck(ticket_open, message, NOW - timedelta(hours=1), PLAYBOOK, NOW).status == Status.SUPPRESSED


def test_the_send_time_check_stops_only_marketing_the_shopper_has_since_declined() -> None:
    def stopped(m: MessageView, **kw: object) -> str | None:
        verdict = recheck(profile(**kw), m, NOW - timedelta(days=1), PLAYBOOK, NOW)
        return None if verdict.send else verdict.reasons[-1]

    reminder = message()
    survey = MessageView(
        "s", "support_survey", "csat_1d", "sending", "email", "csat_survey", NOW, marketing=False
    )
    gone = {"email": ConsentRecord(state="unsubscribed")}
    assert stopped(reminder) is None
    assert stopped(reminder, consent=gone) == "no_consent:email"
    assert stopped(survey, consent=gone) is None  # a service message needs no consent
    assert stopped(reminder, topics_off=frozenset({"cart_reminders"})) == "topic_off:cart_reminders"
    paused = {"frequency": "paused", "paused_until": NOW + timedelta(days=3)}
    assert stopped(reminder, **paused) == "paused_by_customer"


def test_the_send_time_check_holds_a_text_that_would_arrive_at_night_where_the_shopper_is() -> None:
    text = message(channel="sms", step="sms_48h", template="cart_sms")
    shopper = profile(consent={"sms": SUBSCRIBED}, phone="+12125550100", timezone="Asia/Tokyo")
    night = datetime(2026, 12, 4, 14, tzinfo=UTC)  # 09:00 in New York, 23:00 in Tokyo
    held = recheck(shopper, text, night - timedelta(days=2), PLAYBOOK, night)
    assert not held.send and held.retry_at == datetime(2026, 12, 4, 23, tzinfo=UTC)  # 08:00 there
    day = datetime(2026, 12, 4, 3, tzinfo=UTC)  # noon in Tokyo
    assert recheck(shopper, text, day - timedelta(days=2), PLAYBOOK, day).send


def _with_cart_flow_disabled() -> Playbook:
    flows = dict(PLAYBOOK.flows)
    flows["cart_abandonment"] = flows["cart_abandonment"].model_copy(update={"enabled": False})
    return PLAYBOOK.model_copy(update={"flows": flows})


def test_a_disabled_flow_starts_no_run_and_its_planned_messages_are_cancelled() -> None:
    playbook = _with_cart_flow_disabled()
    assert by_step(decide(profile(), checkout_event(), PLAYBOOK, NOW))  # the control: it plans
    assert not by_step(decide(profile(), checkout_event(), playbook, NOW))
    verdict = recheck(profile(), message(), NOW - timedelta(hours=1), playbook, NOW)
    assert not verdict.send and verdict.status == Status.CANCELLED and verdict.reasons[-1] == "flow_disabled"
