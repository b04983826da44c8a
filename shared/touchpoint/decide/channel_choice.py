"""Which channel a step goes out on: the planned one, else its fallback.

The fallback takes over when the planned channel cannot be used (no address, a bounce,
no consent) or when this customer has learned to ignore it (e-mails never opened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from touchpoint.decide.guardrails import channel_blocker, ignores
from touchpoint.decide.model import Profile
from touchpoint.playbook.model import Flow, Step


@dataclass(frozen=True)
class Choice:
    channel: str
    template: str
    blocker: str | None = None
    reasons: tuple[str, ...] = ()


def choose_channel(
    profile: Profile, flow: Flow, step: Step, template: str, now: datetime, exit_code: str | None
) -> Choice:
    """The channel and template for one step; `blocker` says why nothing can go out."""
    if exit_code:
        return Choice(step.channel, template, blocker=exit_code)
    blocker = channel_blocker(step.channel, flow, profile, step)
    fallback = step.fallback
    usable = fallback is not None and channel_blocker(fallback.channel, flow, profile, step) is None
    if blocker and fallback and usable:
        return Choice(fallback.channel, fallback.template, reasons=(f"fallback:{blocker}",))
    if blocker:
        return Choice(step.channel, template, blocker=blocker)
    if fallback and usable and ignores(profile, step.channel, now):
        return Choice(
            fallback.channel, fallback.template, reasons=(f"channel_learned:{step.channel}_ignored",)
        )
    return Choice(step.channel, template)
