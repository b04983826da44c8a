"""The profile's mark of whether its customer has messages lets an event skip the Query: the
aliases and the profile of the customer the first alias would name come on one BatchGetItem.
Skipping must never hide a message: a customer with messages, a profile from before the mark and
a customer the guess does not name are all read in full."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from touchpoint.identity import alias_key, customer_id_for
from touchpoint.profiles import changes, messages, store, update
from touchpoint.profiles.models import PROFILE_SK, ProfileItem, customer_pk
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import Shop, storefront

Calls = list[tuple[str, dict[str, Any]]]


def _page(runtime: LocalRuntime, message_id: str, anonymous: str, **identity: Any) -> dict[str, Any]:
    call = {"type": "page", "name": "Home", "anonymousId": anonymous, "messageId": message_id, **identity}
    return storefront(runtime, call)


def _operations(calls: Calls) -> list[str]:
    return [op for op, _ in calls]


def test_a_new_shoppers_checkout_is_one_read_and_one_write_and_marks_the_profile(
    shop: Shop, dynamodb_calls: Calls
) -> None:
    status, body = shop.post("checkouts", "checkouts/create", shop.checkout(1), "mark-1")
    assert status == 200 and body["decisions"], body
    assert _operations(dynamodb_calls) == ["BatchGetItem", "TransactWriteItems"]
    assert store.load_profile(body["customer_id"])["has_messages"] is True


def test_a_customer_with_messages_is_read_with_them_and_gets_one_series(
    shop: Shop, dynamodb_calls: Calls
) -> None:
    status, known = shop.post("customers", "customers/create", shop.customer(2), "mark-2")
    assert status == 200 and store.load_profile(known["customer_id"])["has_messages"] is False
    status, first = shop.post("checkouts", "checkouts/create", shop.checkout(2), "mark-2a")
    assert status == 200 and first["customer_id"] == known["customer_id"]
    dynamodb_calls.clear()
    later = shop.checkout(2, token="tok-2-again")  # a second checkout of the same shopper
    status, second = shop.post("checkouts", "checkouts/create", later, "mark-2b")
    assert status == 200 and second["customer_id"] == first["customer_id"]
    assert "Query" in _operations(dynamodb_calls)
    _, stored = store.load(first["customer_id"])
    status_of = {m.message_id: (m.status, (m.reasons or [""])[-1]) for m in stored}
    scheduled = [
        [d["message_id"] for d in body["decisions"] if d["action"] == "schedule"] for body in (first, second)
    ]
    assert all(status_of[m] == ("cancelled", "superseded") for m in scheduled[0])
    assert {m for m, (status, _) in status_of.items() if status == "planned"} == set(scheduled[1])


def _view(runtime: LocalRuntime, message_id: str, anonymous: str, **identity: Any) -> dict[str, Any]:
    """A product view: the browse-abandonment flow starts on it, so its decision reads messages."""
    return _page(runtime, message_id, anonymous, type="track", event="Product Viewed", **identity)


def test_a_profile_from_before_the_mark_is_read_in_full_then_marked(
    runtime: LocalRuntime, dynamodb_calls: Calls
) -> None:
    customer = _page(runtime, "legacy-1", "legacy-visitor")["customer_id"]
    ProfileItem(customer_pk(customer), PROFILE_SK).update(actions=[ProfileItem.has_messages.remove()])
    dynamodb_calls.clear()

    _page(runtime, "legacy-2", "legacy-visitor")  # no flow starts or stops on a page view
    assert _operations(dynamodb_calls) == ["GetItem", "UpdateItem"]  # a visitor this container knows
    assert "has_messages" not in store.load_profile(customer)  # unread messages: the mark is unknown
    dynamodb_calls.clear()

    # in a container new to this visitor the aliases' trip brings the profile, and its mark decides
    store.owners.clear()
    _view(runtime, "legacy-3", "legacy-visitor", properties={"product_id": "p-legacy"})
    assert _operations(dynamodb_calls) == ["BatchGetItem", "Query", "UpdateItem"]
    assert store.load_profile(customer)["has_messages"] is False
    dynamodb_calls.clear()

    store.owners.clear()
    _view(runtime, "legacy-4", "legacy-visitor", properties={"product_id": "p-legacy"})
    assert _operations(dynamodb_calls) == ["BatchGetItem", "UpdateItem"]


def test_a_visitor_who_signs_in_is_found_and_read_in_full(
    runtime: LocalRuntime, dynamodb_calls: Calls
) -> None:
    """In a container new to the visitor, the first alias is now the user id, which names no
    profile: the guess misses, costing nothing but the read of an absent item on the same trip,
    and a page view then reads the profile alone. In a container that read only the browser id,
    the guess is its owner, so the profile comes with the aliases. Once a container has seen every
    alias, the aliases are not read: a page view reads the profile alone, and a product view,
    which a flow starts on, the profile and messages with one Query."""
    anonymous = _page(runtime, "in-1", "browsing-visitor")["customer_id"]
    assert anonymous == customer_id_for(alias_key("anon", "browsing-visitor"))
    dynamodb_calls.clear()

    store.owners.clear()
    signed_in = _page(runtime, "in-2", "browsing-visitor", userId="user-77")
    assert signed_in["customer_id"] == anonymous
    assert _operations(dynamodb_calls) == ["BatchGetItem", "GetItem", "TransactWriteItems"]  # a new alias
    dynamodb_calls.clear()

    store.owners.clear()
    store.owners.remember({alias_key("anon", "browsing-visitor"): anonymous})
    again = _page(runtime, "in-3", "browsing-visitor", userId="user-77")
    assert again["customer_id"] == anonymous
    assert _operations(dynamodb_calls) == ["BatchGetItem", "UpdateItem"]
    dynamodb_calls.clear()

    viewed = _view(runtime, "in-4", "browsing-visitor", userId="user-77", properties={"product_id": "p-77"})
    assert viewed["customer_id"] == anonymous
    assert _operations(dynamodb_calls) == ["Query", "UpdateItem"]
    dynamodb_calls.clear()

    last = _page(runtime, "in-5", "browsing-visitor", userId="user-77")
    assert last["customer_id"] == anonymous
    assert _operations(dynamodb_calls) == ["GetItem", "UpdateItem"]


def test_a_past_buyers_page_in_a_new_container_comes_with_the_aliases_and_leaves_messages_be(
    shop: Shop, runtime: LocalRuntime, dynamodb_calls: Calls
) -> None:
    status, bought = shop.post("checkouts", "checkouts/create", shop.checkout(4), "mark-4")
    assert status == 200 and bought["decisions"], bought
    customer = bought["customer_id"]
    _, planned = store.load(customer)
    dynamodb_calls.clear()

    email = {"traits": {"email": "shopper4@example.com"}}
    # the id was made from the e-mail the checkout named, so the page's aliases name the profile
    # to fetch on the same trip, in a container that has never seen this shopper
    store.owners.clear()
    assert _page(runtime, "buyer-1", "buyer-visitor", **email)["customer_id"] == customer
    assert _operations(dynamodb_calls) == ["BatchGetItem", "TransactWriteItems"]  # a new alias
    dynamodb_calls.clear()
    store.owners.clear()
    assert _page(runtime, "buyer-2", "buyer-visitor", **email)["customer_id"] == customer
    assert _operations(dynamodb_calls) == ["BatchGetItem", "UpdateItem"]

    profile, after = store.load(customer)
    assert profile["has_messages"] is True and profile["event_count"] == 3
    assert [(m.message_id, m.status) for m in after] == [(m.message_id, m.status) for m in planned]


def test_the_mark_of_no_messages_never_undoes_a_concurrent_writers_mark(runtime: LocalRuntime) -> None:
    """An event read a profile with no mark and no messages; before its write lands, another
    event planned a message and set the mark. The first write must leave it set."""
    customer = _page(runtime, "race-1", "racing-visitor")["customer_id"]
    key = (customer_pk(customer), PROFILE_SK)
    ProfileItem(*key).update(actions=[ProfileItem.has_messages.remove()])
    seen = store.load_profile(customer)  # what the slower event read
    ProfileItem(*key).update(actions=[ProfileItem.has_messages.set(True)])  # the faster event

    change = changes.Change()
    change.assign["updated_at"] = datetime.now(UTC)
    messages.mark_presence(change, seen, found=False, staged=False)
    ProfileItem(*key).update(actions=update.actions(change))
    assert store.load_profile(customer)["has_messages"] is True


def test_a_stale_guess_costs_a_read_and_never_moves_an_event(
    shop: Shop, runtime: LocalRuntime, dynamodb_calls: Calls
) -> None:
    """The container remembers the e-mail as another customer's (a merge since, say): the aliases
    read on the same trip still decide, and the other profile is left as it was."""
    status, other = shop.post("checkouts", "checkouts/create", shop.checkout(5), "mark-5")
    assert status == 200
    status, bought = shop.post("checkouts", "checkouts/create", shop.checkout(6), "mark-6")
    assert status == 200
    email = {"traits": {"email": "shopper6@example.com"}}
    _page(runtime, "stale-1", "stale-visitor", **email)
    untouched = store.load_profile(other["customer_id"])
    store.owners.remember({alias_key("email", "shopper6@example.com"): other["customer_id"]})
    dynamodb_calls.clear()

    assert _page(runtime, "stale-2", "stale-visitor", **email)["customer_id"] == bought["customer_id"]
    assert _operations(dynamodb_calls) == ["BatchGetItem", "GetItem", "UpdateItem"]
    assert store.load_profile(other["customer_id"]) == untouched
    assert store.load_profile(bought["customer_id"])["event_count"] == 3
