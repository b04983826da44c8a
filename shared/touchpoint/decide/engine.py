"""decide() and recheck(): every choice a customer experiences, as pure functions.

decide() runs when an event arrives: it stops what the event ends, then plans each flow
the event triggers, step by step (channel, guardrails, timing, offer). recheck() runs
again when a message is due, because a purchase, an opt-out, a ticket or another send
may have arrived meanwhile. The holdout comes last in both: only a message that would
otherwise go out is held out, so lift compares reachable people with reachable people.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from touchpoint.decide import guardrails, runs
from touchpoint.decide.channel_choice import choose_channel
from touchpoint.decide.guardrails import in_holdout
from touchpoint.decide.model import OPEN_STATUSES, Action, Decision, MessageView, Profile, Status, Verdict
from touchpoint.decide.offers import offer_for
from touchpoint.decide.products import recommend
from touchpoint.decide.scheduling import plan_time
from touchpoint.identity import stable_bucket
from touchpoint.playbook.model import Flow, Playbook, Step

if TYPE_CHECKING:  # types only: the event models stay off the Sender's start
    from touchpoint.events import TouchpointEvent

__all__ = ["decide", "in_holdout", "looks_at_messages", "recheck"]
AUDIENCE_REMOVAL = "audience_removal"


@dataclass(frozen=True)
class Situation:
    """Everything one decision looks at."""

    profile: Profile
    event: TouchpointEvent
    playbook: Playbook
    now: datetime


@dataclass(frozen=True)
class Run:
    """One run of a flow that this event starts or re-times."""

    name: str
    flow: Flow
    key: str
    anchor: datetime
    exit: str | None
    closed: frozenset[str]
    products: tuple[dict[str, Any], ...]


def decide(profile: Profile, event: TouchpointEvent, playbook: Playbook, now: datetime) -> list[Decision]:
    if not looks_at_messages(event, playbook):
        return []
    situation = Situation(profile, event, playbook, now)
    decisions = stop_what_the_event_ends(situation)
    closed = {d.message_id for d in decisions}
    products = tuple(recommend(profile, playbook, now))
    for name, flow in triggered_flows(situation):
        decisions.extend(start_run(situation, name, flow, closed, products))
    return decisions


def looks_at_messages(event: TouchpointEvent, playbook: Playbook) -> bool:
    """Whether decide() has anything to do for this event: a flow it starts or ends, or a consent
    it withdraws. Only then does it look at the customer's messages, so for any other event (most
    page views) the pipeline need not read them."""
    kinds = runs.triggers(event)
    if any(flow.trigger in kinds or event.kind in flow.exit_on for flow in playbook.flows.values()):
        return True
    return any(consent.state != "subscribed" for consent in event.consents)


def stop_what_the_event_ends(s: Situation) -> list[Decision]:
    """Exits (an order ends the cart flow) and consent withdrawals cancel what is pending."""
    decisions: list[Decision] = []
    for name, flow in s.playbook.flows.items():
        if s.event.kind in flow.exit_on:
            decisions.extend(runs.cancel(s.profile.messages, name, f"exit:{s.event.kind.value}", s.now))
    for consent in s.event.consents:
        if consent.state == "subscribed":
            continue
        channels = {consent.channel, "retargeting"} if consent.channel == "email" else {consent.channel}
        pending = [m for m in s.profile.messages if m.channel in channels and m.marketing]
        decisions.extend(runs.cancel(pending, None, f"consent_withdrawn:{consent.channel}", s.now))
        if s.playbook.retargeting.remove_on_opt_out and consent.channel in ("email", "retargeting"):
            decisions.append(_audience_removal(s.event, consent.channel, s.now))
    return decisions


def triggered_flows(s: Situation) -> list[tuple[str, Flow]]:
    kinds = runs.triggers(s.event)
    return [
        (name, flow)
        for name, flow in s.playbook.flows.items()
        if flow.enabled and flow.trigger in kinds and runs.unmet_requirement(flow, s.profile, s.event) is None
    ]


def start_run(
    s: Situation, name: str, flow: Flow, closed: set[str], products: tuple[dict[str, Any], ...]
) -> list[Decision]:
    key = runs.trigger_key(s.event, flow)
    entry = runs.enter(flow, name, s.profile, key, s.event.occurred_at, closed, s.now)
    if not entry.allowed:
        return []
    run = Run(
        name=name,
        flow=flow,
        key=key,
        anchor=runs.anchor(s.event, min(step.delay for step in flow.steps), s.now),
        exit=runs.run_exit(flow, s.profile, s.event),
        closed=frozenset(closed | {d.message_id for d in entry.cancels}),
        products=products,
    )
    planned = [d for step in flow.steps if (d := plan_step(s, run, step)) is not None]
    return [*entry.cancels, *planned]


def _settled(s: Situation, run: Run, message_id: str) -> bool:
    """Sent, cancelled or held out already, or planned by a newer delivery: leave it alone."""
    prior = next((m for m in s.profile.messages if m.message_id == message_id), None)
    if message_id in run.closed or (prior is not None and prior.status not in OPEN_STATUSES):
        return True
    return bool(prior and prior.trigger_at and prior.trigger_at > s.event.occurred_at)


def plan_step(s: Situation, run: Run, step: Step) -> Decision | None:
    mid = runs.message_id(run.name, step.id, run.key)
    if _settled(s, run, mid):
        return None
    variant, template = _variant(s.profile.customer_id, run.name, step)
    reasons = [f"trigger:{s.event.kind.value}", f"flow:{run.name}", f"step:{step.id}"]
    if variant:
        reasons.append(f"variant:{variant}")
    choice = choose_channel(s.profile, run.flow, step, template, s.now, run.exit)
    reasons.extend(choice.reasons)
    due = run.anchor + step.delay
    blocker = (
        choice.blocker
        or guardrails.cost_blocker(choice.channel, s.event, s.playbook)
        or (run.flow.marketing and guardrails.preference_blocker(s.profile, choice.template, s.playbook, due))
        or None
    )
    if blocker and not run.exit and run.flow.skip_unreachable:
        return None  # anonymous traffic we cannot reach: no record at all
    if blocker is None:
        timing = plan_time(s.profile, run.flow, step, choice.channel, s.playbook, due)
        due, blocker = timing.at, timing.blocker
        reasons.extend(timing.reasons)
    if blocker:
        reasons.append(blocker)
    offer, offer_reason = offer_for(step.offer, s.profile, s.playbook, step.when_no_code)
    if offer_reason and blocker is None:
        reasons.append(offer_reason)
    return Decision(
        action=Action.SUPPRESS if blocker else Action.SCHEDULE,
        message_id=mid,
        flow=run.name,
        step=step.id,
        channel=choice.channel,
        template=choice.template,
        due_at=due,
        reasons=tuple(reasons),
        marketing=run.flow.marketing,
        trigger=run.key,
        offer=offer,
        products=run.products,
        variant=variant,
    )


def _audience_removal(event: TouchpointEvent, channel: str, now: datetime) -> Decision:
    return Decision(
        action=Action.SCHEDULE,
        message_id=runs.message_id(AUDIENCE_REMOVAL, "remove", f"{event.dedup_key}#{channel}"),
        flow=AUDIENCE_REMOVAL,
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


# -- send time -------------------------------------------------------------------------------


def recheck(
    profile: Profile, message: MessageView, trigger_at: datetime | None, playbook: Playbook, now: datetime
) -> Verdict:
    """Send-time guardrails: the state of the world may have changed since planning."""
    if message.flow == AUDIENCE_REMOVAL:  # an opt-out is honoured, never held
        return Verdict(send=True, reasons=(*message.reasons, "guardrails_passed"))
    flow = playbook.flows.get(message.flow)
    if flow is None:
        return _stop(message, "flow_removed", Status.CANCELLED)
    if not flow.enabled:
        return _stop(message, "flow_disabled", Status.CANCELLED)
    ended = _run_over(flow, profile, message, trigger_at)
    if ended:
        return _stop(message, ended, Status.CANCELLED)
    step = next((st for st in flow.steps if st.id == message.step), None)
    message, switched, blocker = _send_channel(flow, step, profile, message)
    if blocker:
        return _stop(message, blocker)
    verdict, message = _send_time_guardrails(
        guardrails.Collision(flow, step, trigger_at), profile, message, playbook, now
    )
    if verdict is not None:
        return verdict
    held_out = in_holdout(profile.customer_id, playbook)
    if held_out and flow.marketing:
        return _stop(message, "holdout", Status.HOLDOUT)
    # the holdout measures what marketing adds; a survey or an apology after a ticket is service
    exempt = ("holdout_exempt:service",) if held_out else ()
    passed = (*message.reasons, *exempt, "guardrails_passed")
    if switched:
        return Verdict(send=True, reasons=passed, channel=message.channel, template=message.template)
    return Verdict(send=True, reasons=passed)


def _stop(message: MessageView, code: str, status: Status = Status.SUPPRESSED) -> Verdict:
    return Verdict(send=False, reasons=(*message.reasons, code), status=status)


def _run_over(flow: Flow, profile: Profile, message: MessageView, trigger_at: datetime | None) -> str | None:
    if runs.superseded(flow, profile, message):
        return runs.SUPERSEDED
    return runs.exited(flow, profile, trigger_at) if trigger_at else None


def _send_channel(
    flow: Flow, step: Step | None, profile: Profile, message: MessageView
) -> tuple[MessageView, bool, str | None]:
    """The planned channel, or the step's fallback when the planned one can no longer be used."""
    blocker = guardrails.channel_blocker(message.channel, flow, profile, step)
    if not blocker:
        return message, False, None
    fallback = step.fallback if step else None
    if fallback is None or guardrails.channel_blocker(fallback.channel, flow, profile, step):
        return message, False, blocker
    switched = replace(
        message,
        channel=fallback.channel,
        template=fallback.template,
        reasons=(*message.reasons, f"fallback:{blocker}"),
    )
    return switched, True, None


def _send_time_guardrails(
    asking: guardrails.Collision, profile: Profile, message: MessageView, playbook: Playbook, now: datetime
) -> tuple[Verdict | None, MessageView]:
    """Open tickets, frequency caps, smart sending and quiet hours: a verdict when one applies;
    the message with the story of a collision it won (priority_over:<flow>) when it goes."""
    channel, mid = message.channel, message.message_id
    if message.marketing and profile.open_tickets > 0:
        return _stop(message, "open_ticket"), message
    chosen = (
        guardrails.preference_blocker(profile, message.template, playbook, now) if message.marketing else None
    )
    if chosen:
        return _stop(message, chosen), message
    if message.marketing and guardrails.frequency_capped(profile, channel, playbook, now, mid):
        return _stop(message, f"frequency_cap:{channel}"), message
    if message.marketing and not guardrails.exempt_from_smart_sending(asking.flow, asking.step):
        timing = guardrails.smart_sending(profile, channel, asking, playbook, now, mid)
        if timing.blocker or timing.at != now:
            return _hold_or_stop(message, timing), message
        message = replace(message, reasons=(*message.reasons, *timing.story))
    timing = guardrails.quiet_hours(profile, channel, playbook, now)
    if timing.blocker or timing.at != now:
        return _hold_or_stop(message, timing), message
    return None, message


def _hold_or_stop(message: MessageView, timing: guardrails.Timing) -> Verdict:
    if timing.blocker:
        return Verdict(send=False, reasons=(*message.reasons, *timing.story), status=Status.SUPPRESSED)
    return Verdict(
        send=False, reasons=(*message.reasons, *(timing.story or ("deferred",))), retry_at=timing.at
    )
