"""An event from a customer this container has seen every alias of reads no alias items: the
profile lists the aliases it owns. One Query brings profile and messages where the event needs
the messages, one GetItem the profile alone where it does not. A profile merged away, or one that does not list every alias the event names, is never
taken for the event's: the aliases are read, and decide, as in a container new to the customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import Shop, storefront

Calls = list[tuple[str, dict[str, Any]]]
START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=40)


def _operations(calls: Calls) -> list[str]:
    return [op for op, _ in calls]


def _updated(shop: Shop, n: int, minutes: int) -> dict[str, Any]:
    """Shopify's checkouts/update of checkout n: the shopper changed the cart `minutes` later."""
    later = (START + timedelta(minutes=minutes)).isoformat()
    return {**shop.checkout(n, at=START), "updated_at": later, "total_price": "91.00"}


def _planned(customer: str) -> dict[str, datetime | None]:
    return {m.message_id: m.due_at for m in store.load(customer)[1] if m.status == "planned"}


def _check_out_and_update(shop: Shop, dynamodb_calls: Calls, n: int, seen: bool) -> list[str]:
    """The operations of the update; asserts it re-timed the first checkout's series."""
    status, first = shop.post("checkouts", "checkouts/create", shop.checkout(n, at=START), f"seen-{n}")
    assert status == 200 and first["decisions"], first
    before = _planned(first["customer_id"])
    if not seen:
        store.owners.clear()
    dynamodb_calls.clear()
    status, update = shop.post("checkouts", "checkouts/update", _updated(shop, n, 30), f"seen-{n}u")
    assert status == 200 and update["customer_id"] == first["customer_id"], update
    operations = _operations(dynamodb_calls)
    after = _planned(first["customer_id"])
    assert set(after) == set(before)  # one series, re-timed: nothing superseded, nothing added
    assert all(after[m] > before[m] for m in after)  # type: ignore[operator]  # re-timed from the update
    return operations


def test_a_checkout_update_in_the_container_that_saw_the_checkout_is_one_query_and_one_write(
    shop: Shop, dynamodb_calls: Calls
) -> None:
    assert _check_out_and_update(shop, dynamodb_calls, 31, seen=True) == ["Query", "TransactWriteItems"]


def test_in_a_container_new_to_the_shopper_the_aliases_are_read_first(
    shop: Shop, dynamodb_calls: Calls
) -> None:
    operations = _check_out_and_update(shop, dynamodb_calls, 32, seen=False)
    assert operations == ["BatchGetItem", "Query", "TransactWriteItems"]


def test_a_redelivered_checkout_of_a_seen_shopper_is_recognised_on_the_query(
    shop: Shop, dynamodb_calls: Calls
) -> None:
    payload = shop.checkout(33, at=START)
    status, first = shop.post("checkouts", "checkouts/create", payload, "seen-33")
    assert status == 200 and not first["duplicate"]
    dynamodb_calls.clear()
    status, again = shop.post("checkouts", "checkouts/create", payload, "seen-33")
    assert status == 200 and again["duplicate"] is True
    assert _operations(dynamodb_calls) == ["Query"]


def test_a_profile_that_does_not_list_the_events_aliases_is_not_taken_for_its_customer(
    shop: Shop, dynamodb_calls: Calls
) -> None:
    """The container remembers every alias of one shopper as another's (a merge elsewhere since,
    say): that other profile does not list them, so the aliases are read and decide."""
    status, other = shop.post("checkouts", "checkouts/create", shop.checkout(34, at=START), "seen-34")
    assert status == 200
    status, first = shop.post("checkouts", "checkouts/create", shop.checkout(35, at=START), "seen-35")
    assert status == 200
    aliases = store.load_profile(first["customer_id"])["aliases"]
    store.owners.remember(dict.fromkeys(aliases, other["customer_id"]))
    untouched = store.load_profile(other["customer_id"])
    dynamodb_calls.clear()

    status, update = shop.post("checkouts", "checkouts/update", _updated(shop, 35, 30), "seen-35u")
    assert status == 200 and update["customer_id"] == first["customer_id"], update
    assert _operations(dynamodb_calls)[:2] == ["Query", "BatchGetItem"]
    assert store.load_profile(other["customer_id"]) == untouched


def _storefront(runtime: LocalRuntime, message_id: str, **call: Any) -> dict[str, Any]:
    event = {"type": "track", "event": "Product Viewed", "anonymousId": "merged-visitor", **call}
    return storefront(runtime, {"messageId": message_id, **event})


@pytest.mark.parametrize(
    ("next_event", "first_read"),
    [({"properties": {"product_id": "p-3"}}, "Query"), ({"type": "page", "name": "Home"}, "GetItem")],
    ids=["product view: profile and messages", "page view: the profile alone"],
)
def test_a_profile_merged_away_is_not_taken_for_the_events_customer(
    shop: Shop, runtime: LocalRuntime, dynamodb_calls: Calls, next_event: dict[str, Any], first_read: str
) -> None:
    """A browsing visitor signs in as a known shopper: their anonymous profile is merged into the
    shopper's, and still lists the browser's id. This container last read that id as the
    anonymous customer's, so the next event's read finds the tombstone, and the aliases decide."""
    browsing = _storefront(runtime, "merge-1", properties={"product_id": "p-1"})["customer_id"]
    status, known = shop.post("customers", "customers/create", shop.customer(36), "seen-36")
    assert status == 200
    email = {"traits": {"email": "shopper36@example.com"}}
    signed_in = _storefront(runtime, "merge-2", properties={"product_id": "p-2"}, **email)
    assert signed_in["customer_id"] == known["customer_id"] != browsing
    assert store.load_profile(browsing)["merged_into"] == known["customer_id"]
    events_before = store.load_profile(known["customer_id"])["event_count"]
    dynamodb_calls.clear()

    after = _storefront(runtime, "merge-3", **next_event)
    assert _operations(dynamodb_calls)[:2] == [first_read, "BatchGetItem"]
    assert after["customer_id"] is None  # the anonymous id alone does not name the shopper to the caller
    assert store.load_profile(known["customer_id"])["event_count"] == events_before + 1
