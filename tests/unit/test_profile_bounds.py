"""The profile item stays small at any history length: 10,000 storefront events, every one a
new product, never take it past 4 KB, and what a long history keeps is what matters most."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from touchpoint.events import Checkout, Kind, LineItem, Order, TouchpointEvent
from touchpoint.profiles import bounds, changes
from touchpoint_tools.measure.item_size import item_size

START = datetime(2026, 1, 1, tzinfo=UTC)
CUSTOMER = "c-bounded"


def _event(n: int, kind: Kind = Kind.PRODUCT_VIEWED) -> TouchpointEvent:
    product = LineItem(
        product_id=f"{7_000_000_000_000 + n}", category=f"category-{n % 7}", price=Decimal("19.90")
    )
    at = START + timedelta(minutes=n)
    if kind == Kind.ORDER_PLACED:
        order = Order(order_id=f"o-{n}", items=(product,), total=Decimal("19.90"))
        return TouchpointEvent(source="test", event_id=f"e-{n}", kind=kind, occurred_at=at, order=order)
    if kind == Kind.CHECKOUT_UPDATED:
        checkout = Checkout(token=f"t-{n}", items=(product,), total=Decimal("19.90"))
        return TouchpointEvent(source="test", event_id=f"e-{n}", kind=kind, occurred_at=at, checkout=checkout)
    return TouchpointEvent(source="test", event_id=f"e-{n}", kind=kind, occurred_at=at, products=(product,))


def _replay(events: int) -> tuple[dict, list[int]]:
    item: dict = {}
    sizes = []
    for n in range(events):
        kind = (
            Kind.PRODUCT_VIEWED,
            Kind.PRODUCT_VIEWED,
            Kind.PRODUCT_ADDED,
            Kind.CHECKOUT_UPDATED,
            Kind.ORDER_PLACED,
        )[n % 5]
        change = changes.change_for(_event(n, kind), item, CUSTOMER, set(), START + timedelta(minutes=n))
        if change.expected_event_count is not None:
            assert change.expected_event_count == int(item.get("event_count") or 0)
        item = changes.apply(item, change)
        sizes.append(item_size(item))
    return item, sizes


def test_ten_thousand_events_keep_the_item_under_4_kb_and_flat() -> None:
    item, sizes = _replay(10_000)
    assert max(sizes) <= 4096, f"largest profile {max(sizes)} bytes"
    assert max(sizes[-1000:]) - min(sizes[-1000:]) < 1024  # flat: no growth with history
    assert item["event_count"] == 10_000
    for attr, cap in {**bounds.SET_CAPS, **bounds.ORDER_CAPS, "order_net": bounds.ORDER_NET_CAP}.items():
        assert len(item.get(attr) or ()) <= cap + bounds.SLACK, attr
    assert len(item["affinity"]) <= bounds.AFFINITY_CAP + bounds.SLACK


def test_what_a_long_history_keeps_is_the_latest_and_strongest() -> None:
    item, _ = _replay(2_000)
    latest_view = f"{7_000_000_000_000 + 1996}"  # n % 5 == 1: the last view
    assert latest_view in item["viewed"]
    assert f"p:{latest_view}" in item["affinity"]
    oldest = f"{7_000_000_000_000 + 0}"
    assert f"p:{oldest}" not in item["affinity"]  # affinity decays: the oldest view scores least
    assert {f"c:category-{n}" for n in range(7)} <= set(item["affinity"])  # seen again and again


def test_a_trimming_write_expects_the_count_it_read_and_an_ordinary_one_does_not() -> None:
    item: dict = {}
    conditioned = []
    for n in range(200):
        change = changes.change_for(_event(n), item, CUSTOMER, set(), START + timedelta(minutes=n))
        conditioned.append(change.expected_event_count is not None)
        item = changes.apply(item, change)
    assert conditioned[:40] == [False] * 40  # under cap + slack: plain ADDs, no condition
    assert 5 <= sum(conditioned) <= 40  # a rewrite once per ten new entries, not every event
