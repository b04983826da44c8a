"""The profile's memory of recent events: bounded, newest kept, its writes conditioned."""

from __future__ import annotations

from typing import Any

from touchpoint.profiles import recent, update
from touchpoint.profiles.changes import Change, apply


def _remember(before: dict[str, Any], n: int) -> dict[str, Any]:
    change = Change()
    change.add["event_count"] = 1
    recent.remember(change, before, f"src#event-{n}", f"{n:08x}{'0' * 24}")
    return apply(before, change)


def test_the_map_keeps_the_newest_events_within_its_slack() -> None:
    profile: dict[str, Any] = {}
    for n in range(200):
        profile = _remember(profile, n)
        assert len(profile["recent"]) <= recent.RECENT + recent.SLACK
    remembered = {n for n in range(200) if recent.applied_by(profile, f"src#event-{n}") is not None}
    assert set(range(200 - recent.RECENT, 200)) <= remembered
    assert remembered <= set(range(200 - recent.RECENT - recent.SLACK, 200))
    assert recent.applied_by(profile, "src#event-199") == f"{199:08x}"


def test_the_write_requires_the_event_to_be_absent_and_a_trim_the_count_it_read() -> None:
    before = {"event_count": 3, "recent": {"x": "3.aaaaaaaa"}}
    change = Change()
    recent.remember(change, before, "src#e", "b" * 32)
    rendered = str(update.condition(change))
    assert f"attribute_not_exists (recent.{recent.key_of('src#e')})" in rendered
    assert "event_count" not in rendered

    full = {
        "event_count": 40,
        "recent": {f"k{i}": f"{i}.aaaaaaaa" for i in range(recent.RECENT + recent.SLACK)},
    }
    trim = Change()
    recent.remember(trim, full, "src#e", "b" * 32)
    assert trim.expected_event_count == 40
    assert len(trim.assign["recent"]) == recent.RECENT
    assert (
        "k0" not in trim.assign["recent"] and f"k{recent.RECENT + recent.SLACK - 1}" in trim.assign["recent"]
    )
