"""Rendering a Change as pynamodb update actions: one atomic UpdateItem, never read-modify-write."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from touchpoint.profiles.change import Change
from touchpoint.profiles.models import ProfileItem


def actions(change: Change) -> list[Action]:
    attr: Any
    result: list[Action] = []
    for name, value in change.assign.items():
        attr = getattr(ProfileItem, name)
        result.append(attr.set(value))
    for name, value in change.assign_if_absent.items():
        if name in change.assign:
            continue
        attr = getattr(ProfileItem, name)
        result.append(attr.set(attr | value))
    for name, value in change.add.items():
        result.append(getattr(ProfileItem, name).add(value))
    for name, values in change.delete.items():
        result.append(getattr(ProfileItem, name).delete(values))
    for name in change.remove:
        if name not in change.assign:
            result.append(getattr(ProfileItem, name).remove())
    for name in sorted({*change.map_add, *change.map_set}):
        result.extend(_map_actions(change, name))
    return result


def _map_actions(change: Change, name: str) -> list[Action]:
    """Keys of a map this change adds to (numbers) or sets (values): each key on its own when
    the map exists (ADD works on top-level attributes only; SET with if_not_exists works on
    map keys), else the whole map."""
    attr: Any = getattr(ProfileItem, name)
    added, put = change.map_add.get(name, {}), change.map_set.get(name, {})
    if not change.map_exists.get(name):
        return [attr.set({**added, **put})]
    return [
        *(attr[key].set((attr[key] | 0) + amount) for key, amount in added.items()),
        *(attr[key].set(value) for key, value in put.items()),
    ]


def condition(change: Change) -> Condition | None:
    """The map writes assume what the read saw; if a concurrent writer changed that, retry."""
    found: Condition | None = None
    if change.expected_event_count is not None:
        count = ProfileItem.event_count
        found = (
            (count == change.expected_event_count) if change.expected_event_count else count.does_not_exist()
        )
    for name, exists in change.map_exists.items():
        attr = getattr(ProfileItem, name)
        check = attr.exists() if exists else attr.does_not_exist()
        found = check if found is None else found & check
    for name, key in change.absent:
        check = getattr(ProfileItem, name)[key].does_not_exist()
        found = check if found is None else found & check
    return found
