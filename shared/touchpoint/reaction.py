"""What one event does to one customer, without storage: the profile change, the profile as it
will read after the write, and the decisions.

The functions (pipeline.py) and the backtest (backtest/memory.py) both call this, so a replay
decides exactly as the deployed functions do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from touchpoint.channels import retargeting
from touchpoint.decide import Decision, Playbook, Profile, decide
from touchpoint.decide.model import MessageView
from touchpoint.events import TouchpointEvent
from touchpoint.profiles import changes, merge


@dataclass(frozen=True)
class Reaction:
    change: changes.Change
    profile: Profile
    decisions: list[Decision]


def react(
    event: TouchpointEvent,
    customer_id: str,
    wanted: set[str],
    before: dict[str, Any],
    views: tuple[MessageView, ...],
    absorbed: Sequence[tuple[str, dict[str, Any]]],
    playbook: Playbook,
    now: datetime,
) -> Reaction:
    """`absorbed` are (customer id, stored profile) of customers this event proves are this one."""
    change = changes.change_for(event, before, customer_id, wanted, now)
    for loser, loser_raw in absorbed:
        merge.absorb(change, before, loser_raw, loser)
    profile = changes.as_profile(changes.apply(before, change), customer_id, views)
    changes.derive(change, profile, now)
    decisions = decide(profile, event, playbook, now)
    if not retargeting.enabled():  # no pixel configured: retargeting is off, nothing is planned for it
        decisions = [d for d in decisions if d.channel != "retargeting"]
    return Reaction(change, profile, decisions)
