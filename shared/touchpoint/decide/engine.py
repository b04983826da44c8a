"""decide() and recheck(): every choice a customer experiences, as pure functions.

decide() runs when an event arrives; recheck() runs again when a message is due,
because a purchase, an unsubscribe or a support ticket may have arrived meanwhile.
Both return reason codes so `touchpoint messages` can say why.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from touchpoint.decide.affinity import best_hour
from touchpoint.decide.model import OPEN_STATUSES, Action, Decision, MessageView, Profile, Status, Verdict
from touchpoint.decide.offers import offer_for
from touchpoint.decide.playbook import Flow, Playbook, Step
from touchpoint.decide.products import recommend
from touchpoint.decide.timing import candidate_zones, is_quiet, next_allowed
from touchpoint.events import Kind, TouchpointEvent
from touchpoint.identity import sha256, stable_bucket


def in_holdout(customer_id: str, playbook: Playbook) -> bool:
    return stable_bucket(playbook.holdout.salt, customer_id) < playbook.holdout.share


def message_id(flow: str, step: str, key: str) -> str:
    return f"{flow}.{step}.{sha256(key)[:12]}"


OPT_IN_SOURCES = {Kind.CUSTOMER_UPDATED, Kind.IDENTIFY}
FRESH_OPT_IN = timedelta(days=2)


def _triggers(event: TouchpointEvent) -> set[Kind]:
    """The event's kind, plus EMAIL_OPT_IN for a customer event with a fresh e-mail opt-in."""
    kinds = {event.kind}
    if event.kind in OPT_IN_SOURCES and any(
        c.channel == "email" and c.state == "subscribed" and c.at >= event.occurred_at - FRESH_OPT_IN
        for c in event.consents
    ):
        kinds.add(Kind.EMAIL_OPT_IN)
    return kinds


def _trigger_key(event: TouchpointEvent, flow: Flow) -> str:
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
    return event.dedup_key


def _requirements_met(flow: Flow, profile: Profile, event: TouchpointEvent) -> str | None:
    for requirement in flow.requires:
        if requirement == "bad_rating" and not (event.ticket and event.ticket.unhappy):
            return "rating_not_bad"
        if requirement == "first_order" and profile.orders_count != 1:
            return "not_first_order"
        if requirement == "repeat_order" and profile.orders_count < 2:
            return "not_repeat_order"
    return None


def _anchor(event: TouchpointEvent, first_delay: timedelta, now: datetime) -> datetime:
    """Event time, moved so a late or replayed delivery never makes a step due in the past."""
    anchor = min(event.occurred_at, now)
    return max(anchor, now - first_delay)


def _cost_blocker(channel: str, event: TouchpointEvent, playbook: Playbook) -> str | None:
    minimum = playbook.costs.sms_min_cart_value
    if channel == "sms" and minimum and event.checkout and float(event.checkout.total) < minimum:
        return "cost:cart_below_sms_minimum"
    return None


def _planning_blocker(channel: str, flow: Flow, profile: Profile) -> str | None:
    if not profile.reachable(channel):
        return f"unreachable:{channel}"
    if flow.marketing and not profile.has_consent(channel):
        return f"no_consent:{channel}"
    return None


IGNORED_AFTER = 3  # marketing e-mails sent since the last open or click


def _ignores(profile: Profile, channel: str, now: datetime) -> bool:
    """Learned preference: several e-mails in the last 90 days and not one opened or clicked since."""
    if channel != "email":
        return False
    since = max(profile.last_engaged_at or datetime.min.replace(tzinfo=now.tzinfo), now - timedelta(days=90))
    unopened = sum(
        1
        for m in profile.messages
        if m.channel == "email" and m.status == "sent" and m.sent_at and m.sent_at > since
    )
    return unopened >= IGNORED_AFTER


BEST_HOUR_MIN_DELAY = timedelta(hours=20)
BEST_HOUR_WINDOW = timedelta(hours=3)


def _best_hour(
    due: datetime, step: Step, channel: str, profile: Profile, playbook: Playbook, reasons: list[str]
) -> datetime:
    """Day-scale e-mail steps move to the hour this customer opens most (else the population's
    hour from the playbook, if set), by at most 3 hours."""
    hour, source = best_hour(profile.engagement_hours), "best_hour"
    if hour is None and playbook.timing.population_send_hour_utc is not None:
        hour, source = playbook.timing.population_send_hour_utc, "population_hour"
    if channel != "email" or step.delay < BEST_HOUR_MIN_DELAY or hour is None:
        return due
    candidates = [
        due.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=d) for d in (-1, 0, 1)
    ]
    best = min(candidates, key=lambda c: abs(c - due))
    if abs(best - due) > BEST_HOUR_WINDOW:
        return due
    reasons.append(f"{source}:{hour:02d}")
    return best


def _exited(flow: Flow, profile: Profile, trigger_at: datetime) -> str | None:
    """The exit event that ends this run of the flow: one after the trigger, or at the same instant
    if it is another kind (out-of-order delivery: the order came before its checkout)."""
    for kind in flow.exit_on:
        when = profile.last_event_at.get(kind.value)
        if when and (when > trigger_at or (when == trigger_at and kind != flow.trigger)):
            return f"exit:{kind.value}"
    return None


def decide(profile: Profile, event: TouchpointEvent, playbook: Playbook, now: datetime) -> list[Decision]:
    existing = {m.message_id: m for m in profile.messages}
    decisions: list[Decision] = []

    for name, flow in playbook.flows.items():
        if event.kind in flow.exit_on:
            decisions.extend(_cancel(profile.messages, name, f"exit:{event.kind.value}", now))
    for consent in event.consents:
        if consent.state != "subscribed":
            channels = {consent.channel, "retargeting"} if consent.channel == "email" else {consent.channel}
            pending = [m for m in profile.messages if m.channel in channels and m.marketing]
            decisions.extend(_cancel(pending, None, f"consent_withdrawn:{consent.channel}", now))
            if playbook.retargeting.remove_on_opt_out and consent.channel in ("email", "retargeting"):
                decisions.append(_audience_removal(event, consent.channel, now))
    cancelled = {d.message_id for d in decisions}

    holdout = in_holdout(profile.customer_id, playbook)
    triggers = _triggers(event)
    products = tuple(recommend(profile, playbook, now))
    for name, flow in playbook.flows.items():
        if flow.trigger not in triggers:
            continue
        unmet = _requirements_met(flow, profile, event)
        if unmet:
            continue
        key = _trigger_key(event, flow)
        anchor = _anchor(event, min(s.delay for s in flow.steps), now)
        done = _exited(flow, profile, event.occurred_at)
        if event.checkout and event.checkout.token in profile.ordered_checkouts:
            done = "exit:order_placed"
        for step in flow.steps:
            mid = message_id(name, step.id, key)
            prior = existing.get(mid)
            if mid in cancelled or (prior and prior.status not in OPEN_STATUSES):
                continue  # sent, cancelled or held out already: a re-trigger never repeats it
            if prior and prior.trigger_at and prior.trigger_at > event.occurred_at:
                continue  # a late, older delivery (create after update) never re-times a newer plan
            due = anchor + step.delay
            variant, template = _variant(profile.customer_id, name, step)
            reasons = [f"trigger:{event.kind.value}", f"flow:{name}", f"step:{step.id}"]
            if variant:
                reasons.append(f"variant:{variant}")
            action = Action.SCHEDULE
            channel = step.channel
            blocker = done or _planning_blocker(step.channel, flow, profile)
            if (
                blocker
                and not done
                and step.fallback
                and not _planning_blocker(step.fallback.channel, flow, profile)
            ):
                reasons.append(f"fallback:{blocker}")
                channel, template, blocker = step.fallback.channel, step.fallback.template, None
            elif (
                not blocker
                and step.fallback
                and _ignores(profile, channel, now)
                and not _planning_blocker(step.fallback.channel, flow, profile)
            ):
                reasons.append(f"channel_learned:{channel}_ignored")
                channel, template = step.fallback.channel, step.fallback.template
            blocker = blocker or _cost_blocker(channel, event, playbook)
            if blocker and not done and flow.skip_unreachable:
                continue
            if holdout:
                action, blocker = Action.HOLDOUT, "holdout"
            elif blocker:
                action = Action.SUPPRESS
            else:
                due = _best_hour(due, step, channel, profile, playbook, reasons)
                due = _shift_quiet(due, channel, profile, playbook, reasons)
            if blocker:
                reasons.append(blocker)
            offer, offer_reason = offer_for(step.offer, profile, playbook)
            if offer_reason and action == Action.SCHEDULE:
                reasons.append(offer_reason)
            decisions.append(
                Decision(
                    action=action,
                    message_id=mid,
                    flow=name,
                    step=step.id,
                    channel=channel,
                    template=template,
                    due_at=due,
                    reasons=tuple(reasons),
                    marketing=flow.marketing,
                    trigger=key,
                    offer=offer,
                    products=products,
                    variant=variant,
                )
            )
    return decisions


def _audience_removal(event: TouchpointEvent, channel: str, now: datetime) -> Decision:
    return Decision(
        action=Action.SCHEDULE,
        message_id=message_id("audience_removal", "remove", f"{event.dedup_key}#{channel}"),
        flow="audience_removal",
        step="remove",
        channel="retargeting",
        template="audience_remove",
        due_at=now,
        reasons=(f"consent_withdrawn:{channel}", "remove_from_audience"),
        marketing=False,
        trigger=event.dedup_key,
    )


def _variant(customer_id: str, flow: str, step: Step) -> tuple[str | None, str]:
    if not step.variants:
        return None, step.template
    names = sorted(step.variants)
    index = int(stable_bucket("variant", flow, step.id, customer_id) * len(names))
    return names[index], step.variants[names[index]]


def _shift_quiet(
    due: datetime, channel: str, profile: Profile, playbook: Playbook, reasons: list[str]
) -> datetime:
    quiet = playbook.quiet_hours
    if channel not in quiet.channels:
        return due
    zones = candidate_zones(profile.timezone, profile.phone, quiet.fallback_timezone)
    if not profile.timezone:
        reasons.append("timezone_unknown")
    allowed = next_allowed(due, zones, quiet.start, quiet.end)
    if allowed != due:
        reasons.append("quiet_hours_deferred")
    return allowed


def _cancel(
    messages: tuple[MessageView, ...] | list[MessageView], flow: str | None, reason: str, now: datetime
) -> list[Decision]:
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


def recheck(
    profile: Profile, message: MessageView, trigger_at: datetime | None, playbook: Playbook, now: datetime
) -> Verdict:
    """Send-time guardrails: the state of the world may have changed since planning."""
    flow = playbook.flows.get(message.flow)
    reasons = list(message.reasons)

    def stop(code: str, status: Status = Status.SUPPRESSED) -> Verdict:
        return Verdict(send=False, reasons=(*reasons, code), status=status)

    if message.flow == "audience_removal":
        return Verdict(
            send=True, reasons=(*reasons, "guardrails_passed")
        )  # an opt-out is honoured, never held
    if flow is None:
        return stop("flow_removed", Status.CANCELLED)
    if in_holdout(profile.customer_id, playbook):
        return stop("holdout", Status.HOLDOUT)
    exit_code = _exited(flow, profile, trigger_at) if trigger_at else None
    if exit_code:
        return stop(exit_code, Status.CANCELLED)
    blocker = _planning_blocker(message.channel, flow, profile)
    switched = False
    if blocker:
        step = next((s for s in flow.steps if s.id == message.step), None)
        fallback = step.fallback if step else None
        if fallback is None or _planning_blocker(fallback.channel, flow, profile):
            return stop(blocker)
        reasons.append(f"fallback:{blocker}")
        message = replace(message, channel=fallback.channel, template=fallback.template)
        switched = True
    if message.marketing:
        if profile.open_tickets > 0:
            return stop("open_ticket")
        cap = playbook.frequency_caps.get(message.channel)  # type: ignore[call-overload]
        if (
            cap is not None
            and _sent_within(profile.messages, message.channel, now - timedelta(days=cap.days)) >= cap.max
        ):
            return stop(f"frequency_cap:{message.channel}")
    quiet = playbook.quiet_hours
    if message.channel in quiet.channels:
        zones = candidate_zones(profile.timezone, profile.phone, quiet.fallback_timezone)
        if is_quiet(now, zones, quiet.start, quiet.end):
            later = next_allowed(now, zones, quiet.start, quiet.end)
            return Verdict(send=False, reasons=(*reasons, "quiet_hours_deferred"), retry_at=later)
    if switched:
        return Verdict(send=True, reasons=tuple(reasons), channel=message.channel, template=message.template)
    return Verdict(send=True, reasons=(*reasons, "guardrails_passed"))


def _sent_within(messages: tuple[MessageView, ...], channel: str, since: datetime) -> int:
    return sum(
        1
        for m in messages
        if m.marketing
        and m.channel == channel
        and m.status == Status.SENT
        and m.sent_at
        and m.sent_at >= since
    )
