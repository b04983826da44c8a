"""Rendering a Change as pynamodb update actions: one atomic UpdateItem, never read-modify-write."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.update import Action

from touchpoint.profiles.changes import Change
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
    return result
