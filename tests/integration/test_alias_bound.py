"""A profile's aliases stay bounded, so a merge always fits in one transaction: a user seen with
120 anonymous ids and then proven to be another customer merges, instead of failing for ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from touchpoint import pipeline
from touchpoint.events import Identity, Kind, TouchpointEvent
from touchpoint.profiles import merge, store
from touchpoint_tools.local.runtime import LocalRuntime


def _event(n: int, identity: Identity, kind: Kind = Kind.PAGE_VIEWED) -> TouchpointEvent:
    at = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=n)
    return TouchpointEvent(source="segment", event_id=f"e-{n}", kind=kind, occurred_at=at, identity=identity)


def test_many_anonymous_ids_then_a_merge(runtime: LocalRuntime) -> None:
    with runtime.as_function("WebEventFunction"):
        pipeline.handle(
            _event(0, Identity(platform_id="shopify:7001", email="b@example.com"), Kind.CUSTOMER_UPDATED)
        )
        for n in range(1, 121):
            pipeline.handle(_event(n, Identity(user_id="u1", anonymous_id=f"anon-{n}")))
        many = store.find_customer("u1")
        assert many is not None
        raw, _ = store.load(many)
        assert len(raw["aliases"]) == merge.MAX_ALIASES
        # the same person, proven by both strong ids: the Shopify customer survives, u1 folds in
        outcome = pipeline.handle(
            _event(200, Identity(platform_id="shopify:7001", user_id="u1"), Kind.IDENTIFY)
        )
    survivor = store.find_customer("b@example.com")
    assert outcome.customer_id == survivor and survivor != many
    raw, _ = store.load(survivor or "")
    assert many in raw["merged_from"]
    assert store.find_customer("u1") == survivor
    assert len(raw["aliases"]) <= 2 * merge.MAX_ALIASES


def test_strong_identifiers_are_always_kept() -> None:
    held = merge.MAX_ALIASES
    new = {"ID#anon#x", "ID#email#e", "ID#phone#p"}
    assert merge.bounded_new_aliases(new, held) == {"ID#email#e"}
    assert merge.bounded_new_aliases(new, held - 1) == {"ID#email#e"}  # the strong one takes the room
    assert merge.bounded_new_aliases(new, held - 2) == {"ID#email#e", "ID#anon#x"}
