"""Guardrails: what may stop or delay a message, each a small rule with its reason code.

The same rules run when a message is planned and again when it is due (decide/engine.py),
because a purchase, an opt-out, a ticket or another send may have come in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from touchpoint.decide.model import MessageView, Profile, Status
from touchpoint.decide.timing import next_allowed
from touchpoint.identity import stable_bucket
from touchpoint.playbook.model import Flow, Playbook, Step

if TYPE_CHECKING:  # types only: the event models stay off the Sender's start
    from touchpoint.events import TouchpointEvent

IN_FLIGHT = frozenset({Status.QUEUED, Status.SENDING})  # claimed for sending: going out now
IGNORED_AFTER = 3  # marketing e-mails sent since the last open or click


def in_holdout(customer_id: str, playbook: Playbook) -> bool:
    return stable_bucket(playbook.holdout.salt, customer_id) < playbook.holdout.share


def channel_blocker(channel: str, flow: Flow, profile: Profile, step: Step | None = None) -> str | None:
    """Reachability and, for marketing and a service flow's gesture (an offer), consent."""
    if not profile.reachable(channel):
        return f"unreachable:{channel}"
    if (flow.marketing or (step is not None and step.gesture)) and not profile.has_consent(channel):
        return f"no_consent:{channel}"
    return None


WEEK = timedelta(days=7)


def preference_blocker(profile: Profile, template: str, playbook: Playbook, at: datetime) -> str | None:
    """What the shopper chose in the preference center: topics off, a pause, one a week."""
    topic = getattr(playbook.templates.get(template), "topic", None)
    if topic and topic in profile.topics_off:
        return f"topic_off:{topic}"
    if profile.frequency == "paused" and profile.paused_until and at < profile.paused_until:
        return "paused_by_customer"
    if profile.frequency == "weekly" and any(
        marketing_sends(profile, ch, at - WEEK) for ch in ("email", "sms")
    ):
        return "weekly_limit"
    return None


def cost_blocker(channel: str, event: TouchpointEvent, playbook: Playbook) -> str | None:
    minimum = playbook.costs.sms_min_cart_value
    if channel == "sms" and minimum and event.checkout and float(event.checkout.total) < minimum:
        return "cost:cart_below_sms_minimum"
    return None


def _send_time(message: MessageView) -> datetime | None:
    if message.status in (Status.SENT, Status.UNKNOWN):  # an unknown outcome may well have arrived
        return message.sent_at
    if message.status in IN_FLIGHT:
        return message.due_at
    return None


def sends_by_flow(
    profile: Profile, channel: str, since: datetime, exclude: str = ""
) -> list[tuple[datetime, str]]:
    """When marketing messages went out (or are going out) on the channel since an instant, and
    from which flow."""
    found = []
    for m in profile.messages:
        when = _send_time(m) if m.marketing and m.channel == channel and m.message_id != exclude else None
        if when is not None and when > since:
            found.append((when, m.flow))
    return found


def marketing_sends(profile: Profile, channel: str, since: datetime, exclude: str = "") -> list[datetime]:
    """When marketing messages went out (or are going out) on the channel since an instant."""
    return [when for when, _ in sends_by_flow(profile, channel, since, exclude)]


def ignores(profile: Profile, channel: str, now: datetime) -> bool:
    """Learned preference: several e-mails in the last 90 days and not one opened or clicked since."""
    if channel != "email":
        return False
    since = max(profile.last_engaged_at or datetime.min.replace(tzinfo=now.tzinfo), now - timedelta(days=90))
    return len(marketing_sends(profile, "email", since)) >= IGNORED_AFTER


def frequency_capped(profile: Profile, channel: str, playbook: Playbook, now: datetime, exclude: str) -> bool:
    cap = playbook.frequency_caps.get(channel)  # type: ignore[call-overload]
    if cap is None:
        return False
    return len(marketing_sends(profile, channel, now - timedelta(days=cap.days), exclude)) >= cap.max


@dataclass(frozen=True)
class Timing:
    """A guardrail's answer about time: go at `at`, or not at all (`blocker`)."""

    at: datetime
    blocker: str | None = None
    reason: str | None = None  # why `at` moved, for the message's story
    collision: str | None = None  # smart sending: priority_over:<flow> or lost_to:<flow>

    @property
    def story(self) -> tuple[str, ...]:
        """The reasons to record: how a collision went, then what it did to this message."""
        return tuple(r for r in (self.collision, self.reason, self.blocker) if r)


def exempt_from_smart_sending(flow: Flow, step: Step | None) -> bool:
    return not flow.marketing or (step is not None and step.if_recent == "send")


@dataclass(frozen=True)
class Collision:
    """Who else wants the shopper inside the window: the flow asking, and when its run started
    (so how long its step stays relevant)."""

    flow: Flow
    step: Step | None
    trigger_at: datetime | None = None


def relevant_until(flow: Flow, step: Step | None, trigger_at: datetime | None, at: datetime) -> datetime:
    """A deferred step still makes sense until its flow's next step is due, or for a day after it
    was due when it is the last."""
    if step is None or trigger_at is None or step not in flow.steps:
        return at + timedelta(days=1)
    index = flow.steps.index(step)
    if index + 1 < len(flow.steps):
        return trigger_at + flow.steps[index + 1].delay
    return trigger_at + step.delay + timedelta(days=1)


def smart_sending(
    profile: Profile, channel: str, asking: Collision, playbook: Playbook, at: datetime, exclude: str = ""
) -> Timing:
    """No marketing message within the channel's window of the previous one, across flows, unless
    this flow outranks every flow that sent in the window (Flow.priority). Outranked or tied, it
    waits for the end of the window while still relevant, else it is skipped."""
    window = playbook.smart_sending.window(channel)
    if window is None:
        return Timing(at)
    recent = sends_by_flow(profile, channel, at - window, exclude)
    if not recent:
        return Timing(at)
    mine = asking.flow.rank
    rivals = [(w, f) for w, f in recent if f not in playbook.flows or playbook.flows[f].rank >= mine]
    if not rivals:
        return Timing(at, collision=f"priority_over:{max(recent)[1]}")
    when, winner = max(rivals)
    later, choice = when + window, asking.step.if_recent if asking.step else None
    if choice == "defer" or (
        choice is None and later <= relevant_until(asking.flow, asking.step, asking.trigger_at, at)
    ):
        return Timing(later, reason=f"smart_sending_deferred:{channel}", collision=f"lost_to:{winner}")
    return Timing(at, blocker=f"smart_sending:{channel}", collision=f"lost_to:{winner}")


def quiet_hours(profile: Profile, channel: str, playbook: Playbook, at: datetime) -> Timing:
    """The first instant outside quiet hours in every zone the customer may be in."""
    quiet = playbook.quiet_hours
    if channel not in quiet.channels:
        return Timing(at)
    zones = profile.zones
    if not zones:
        return Timing(at, blocker="timezone_unknown")
    allowed = next_allowed(at, zones, quiet.start, quiet.end)
    if allowed is None:
        return Timing(at, blocker="quiet_hours:no_common_window")
    return Timing(allowed, reason="quiet_hours_deferred" if allowed != at else None)
