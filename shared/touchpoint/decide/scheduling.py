"""When a planned step goes out: its delay, moved to the customer's best hour, past the
smart-sending window and out of quiet hours; or why it cannot go out at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from touchpoint.decide import guardrails
from touchpoint.decide.affinity import best_hour
from touchpoint.decide.model import Profile
from touchpoint.playbook.model import Flow, Playbook, Step

BEST_HOUR_MIN_DELAY = timedelta(hours=20)
BEST_HOUR_WINDOW = timedelta(hours=3)


@dataclass(frozen=True)
class Planned:
    at: datetime
    blocker: str | None = None
    reasons: tuple[str, ...] = ()


def at_best_hour(due: datetime, step: Step, channel: str, profile: Profile, playbook: Playbook) -> Planned:
    """Day-scale e-mail steps move to the hour this customer opens most (else the population's
    hour from the playbook, if set), by at most 3 hours."""
    hour, source = best_hour(profile.engagement_hours), "best_hour"
    if hour is None and playbook.timing.population_send_hour_utc is not None:
        hour, source = playbook.timing.population_send_hour_utc, "population_hour"
    if channel != "email" or step.delay < BEST_HOUR_MIN_DELAY or hour is None:
        return Planned(due)
    candidates = [
        due.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=d) for d in (-1, 0, 1)
    ]
    best = min(candidates, key=lambda c: abs(c - due))
    if abs(best - due) > BEST_HOUR_WINDOW:
        return Planned(due)
    return Planned(best, reasons=(f"{source}:{hour:02d}",))


def plan_time(
    profile: Profile, flow: Flow, step: Step, channel: str, playbook: Playbook, due: datetime
) -> Planned:
    planned = at_best_hour(due, step, channel, profile, playbook)
    reasons = list(planned.reasons)
    at = planned.at
    if guardrails.exempt_from_smart_sending(flow, step):
        reasons.append("smart_sending_exempt")
    elif flow.marketing:
        trigger_at = due - step.delay
        timing = guardrails.smart_sending(
            profile, channel, guardrails.Collision(flow, step, trigger_at), playbook, at
        )
        if timing.blocker:
            return Planned(at, timing.blocker, (*reasons, *timing.story[:-1]))
        at = timing.at
        reasons.extend(timing.story)
    quiet = guardrails.quiet_hours(profile, channel, playbook, at)
    reasons.extend([quiet.reason] if quiet.reason else [])
    return Planned(quiet.at, quiet.blocker, tuple(reasons))
