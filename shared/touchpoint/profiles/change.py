"""One event's change to a profile as atomic operations: the type changes.py builds, bounds.py
trims and store.py renders to an UpdateExpression. A module of its own, so both can import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Change:
    assign: dict[str, Any] = field(default_factory=dict)
    assign_if_absent: dict[str, Any] = field(default_factory=dict)
    add: dict[str, int | set[str]] = field(default_factory=dict)
    delete: dict[str, set[str]] = field(default_factory=dict)
    remove: set[str] = field(default_factory=set)
    # map attribute -> key -> number to add; `map_exists` says whether the map is there
    # already (ADD to its keys) or not (SET it whole), and the write is conditioned on it
    map_add: dict[str, dict[str, float]] = field(default_factory=dict)
    map_set: dict[str, dict[str, Any]] = field(default_factory=dict)  # map attribute -> key -> value
    map_exists: dict[str, bool] = field(default_factory=dict)
    # (map attribute, key) pairs that must be absent: the event is not applied yet (recent.py)
    absent: list[tuple[str, str]] = field(default_factory=list)
    # set when the write replaces a capped set or map (profiles/bounds.py): the event count it
    # read, which the write is conditioned on (0: the item had none)
    expected_event_count: int | None = None

    def add_to_map(self, attr: str, key: str, amount: float, before: dict[str, Any]) -> None:
        self.map_exists[attr] = bool(before.get(attr))
        entries = self.map_add.setdefault(attr, {})
        entries[key] = entries.get(key, 0) + amount

    def set_in_map(self, attr: str, key: str, value: Any, before: dict[str, Any]) -> None:
        self.map_exists[attr] = bool(before.get(attr))
        self.map_set.setdefault(attr, {})[key] = value
