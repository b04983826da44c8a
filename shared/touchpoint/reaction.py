"""What one event does to one customer, without storage: the profile change, the profile as it
will read after the write, and the decisions.

The functions (pipeline.py) and the backtest (backtest/memory.py) both call this, so a replay
decides exactly as the deployed functions do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from touchpoint.channels import retargeting
from touchpoint.decide import Decision, Playbook, Profile, decide
from touchpoint.decide.model import MessageView
from touchpoint.errors import Ignored, PayloadError
from touchpoint.events import TouchpointEvent
from touchpoint.profiles import changes, merge, store


def bounded(resolution: store.Resolution, before: dict[str, Any]) -> store.Resolution:
    """The resolution with only the new aliases the profile has room for (merge.MAX_ALIASES)."""
    new = resolution.new_aliases
    kept = merge.bounded_new_aliases(new, len(before.get("aliases") or ()))
    return replace(resolution, wanted=resolution.wanted - (new - kept)) if kept != new else resolution


def admit(event: TouchpointEvent, resolution: store.Resolution | None) -> store.Resolution:
    """The event's resolution, if the event may be applied at all."""
    if resolution is None:
        raise PayloadError(
            "no customer identifier: need an e-mail, phone, customer id, userId or anonymousId"
        )
    aliases = event.identity.aliases()
    if not resolution.known and aliases and all(kind == "order" for kind, _ in aliases):
        raise Ignored(f"{event.kind.value} for an order this deployment never saw")
    if not resolution.known and aliases and not event.creates_profile:
        raise Ignored(f"{event.kind.value} for an address this deployment does not know")
    return resolution


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
