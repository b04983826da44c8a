"""An event that changes only its profile is one UpdateItem, not a transaction, and stays
exactly-once: a redelivery is recognised on the read, a lost answer is not a duplicate, and
orders keep their marker beyond the profile's memory of recent events."""

from __future__ import annotations

from typing import Any

from touchpoint.profiles import recent, store
from touchpoint.profiles.models import ProfileItem
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import Shop, storefront, table_items
from .test_lost_answers import _drop_first_answer

VISITOR = "visitor-one-write"


def _post(runtime: LocalRuntime, message_id: str, kind: str = "track", **fields: Any) -> dict[str, Any]:
    return storefront(runtime, {"type": kind, "anonymousId": VISITOR, "messageId": message_id, **fields})


def _view(runtime: LocalRuntime, message_id: str, product: str) -> dict[str, Any]:
    return _post(runtime, message_id, event="Product Viewed", properties={"product_id": product})


def _profile(customer_id: str) -> dict[str, Any]:
    return store.load_profile(customer_id)


def test_a_returning_visitors_page_view_is_one_update_and_its_redelivery_no_write(
    runtime: LocalRuntime, dynamodb_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    customer = _post(runtime, "first", "page", name="Home")["customer_id"]  # a new visitor: aliases
    dynamodb_calls.clear()

    _post(runtime, "second", "page", name="Shoes")
    # a visitor this container has seen: the profile alone (it lists the event's aliases); no
    # flow starts or stops on a page view: no Query
    assert [op for op, _ in dynamodb_calls] == ["GetItem", "UpdateItem"]
    markers = [i for i in table_items(runtime) if i["pk"]["S"].startswith("EVT#")]
    assert len(markers) == 1  # the first event's only: the second wrote no marker
    dynamodb_calls.clear()

    again = _post(runtime, "second", "page", name="Shoes")
    assert again["duplicate"] is True
    assert [op for op, _ in dynamodb_calls] == ["GetItem"]  # recognised on the read: nothing written
    assert _profile(customer)["event_count"] == 2


def test_a_product_view_is_one_profile_update_and_its_watch_comes_from_the_archive(
    runtime: LocalRuntime, dynamodb_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    customer = _post(runtime, "first", "page", name="Home")["customer_id"]
    runtime.drain()
    dynamodb_calls.clear()
    _view(runtime, "view-1", "7000000000001")
    # a visitor this container has seen: the profile and any messages on one Query, no alias read
    assert [op for op, _ in dynamodb_calls] == ["Query", "UpdateItem"]
    assert "7000000000001" in _profile(customer)["viewed"]
    assert [i for i in table_items(runtime) if i["pk"]["S"] == "P#7000000000001"] == []
    dynamodb_calls.clear()

    assert (
        runtime.drain(functions=["WatchesFunction"])["delivered"] == 1
    )  # S3's notice of the event's archive object
    assert [op for op, _ in dynamodb_calls] == ["BatchGetItem", "BatchWriteItem"]  # erasures since, the watch
    watches = [i for i in table_items(runtime) if i["pk"]["S"] == "P#7000000000001"]
    assert [w["customer_id"]["S"] for w in watches] == [customer]


def test_a_lost_answer_to_the_profile_update_is_applied_once_and_not_called_a_duplicate(
    runtime: LocalRuntime,
) -> None:
    customer = _post(runtime, "first", "page", name="Home")["customer_id"]
    client = ProfileItem._get_connection().connection.client
    dropped = _drop_first_answer(client, "UpdateItem", lambda body: b"recent" in body)
    answer = _view(runtime, "view-lost", "7000000000002")
    assert dropped, "the fault was not injected"
    assert answer["duplicate"] is False
    assert _profile(customer)["event_count"] == 2
    assert _view(runtime, "view-lost", "7000000000002")["duplicate"] is True
    assert _profile(customer)["event_count"] == 2


def test_the_recent_map_stays_bounded_and_a_refund_redelivered_after_it_forgot_is_still_a_duplicate(
    shop: Shop, runtime: LocalRuntime
) -> None:
    """A refund plans no message, so only its kind keeps it out of the one-update path: its
    marker outlives the recent map, and a late redelivery takes back no revenue twice."""
    order = {**shop.order(71), "total_price": "100.00"}
    status, placed = shop.post("orders", "orders/create", order)
    customer = placed["customer_id"]
    refund = {
        "id": 711,
        "order_id": order["id"],
        "created_at": "2026-11-20T09:00:00Z",
        "transactions": [{"amount": "30.00", "kind": "refund", "status": "success"}],
        "refund_line_items": [],
    }
    shop.post("orders", "refunds/create", {**refund, "id": 710})  # cancels the post-purchase mails
    status, refunded = shop.post("orders", "refunds/create", refund)
    assert status == 200 and refunded["duplicate"] is False and not refunded["decisions"]
    for n in range(3 * (recent.RECENT + recent.SLACK)):  # the refund's key leaves the recent map
        update = {**shop.customer(71), "updated_at": f"2026-11-20T10:{n // 60:02d}:{n % 60:02d}Z"}
        status, body = shop.post("customers", "customers/update", update)
        assert status == 200 and body["duplicate"] is False
    profile = _profile(customer)
    assert len(profile["recent"]) <= recent.RECENT + recent.SLACK
    assert profile["event_count"] == 3 + 3 * (recent.RECENT + recent.SLACK)
    assert recent.applied_by(profile, "shopify#refund:711") is None

    status, again = shop.post("orders", "refunds/create", refund)
    assert status == 200 and again["duplicate"] is True  # the refund's marker still knows it
    assert _profile(customer)["revenue_cents"] == 4000
