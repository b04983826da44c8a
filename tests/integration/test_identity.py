"""Identity: anonymous browsing stitched to the known customer; two profiles proven one are merged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.sim import payloads

from ..conftest import IDENTITY_SECRET, WRITE_KEY, Shop


def track(runtime: LocalRuntime, event: dict) -> dict:
    """A storefront call; one that names a user or e-mail carries the shop's user_hash."""
    headers, body = payloads.segment([event], WRITE_KEY, IDENTITY_SECRET)
    response = runtime.http("POST", "/events", headers, body)
    assert response.status == 200, response.body
    return json.loads(response.body)


def viewed(message_id: str, anonymous_id: str, product: str, **extra: object) -> dict:
    return {
        "type": "track",
        "event": "Product Viewed",
        "messageId": message_id,
        "anonymousId": anonymous_id,
        "properties": {"product_id": product, "category": "Hats"},
        **extra,
    }


def test_anonymous_browsing_is_stitched_on_identify(runtime: LocalRuntime) -> None:
    first = track(runtime, viewed("m1", "anon-1", "p1"))
    identify = {
        "type": "identify",
        "messageId": "m2",
        "anonymousId": "anon-1",
        "userId": "u-1",
        "traits": {"email": "Stitch@Example.com", "firstName": "Ida"},
    }
    track(runtime, identify)
    later = track(runtime, {"type": "page", "messageId": "m3", "userId": "u-1"})
    assert first["customer_id"] == later["customer_id"] == store.find_customer("stitch@example.com")
    assert [r["product_id"] for r in later["recommendations"]] == ["p1"]


def test_two_known_profiles_are_merged_when_an_event_links_them(shop: Shop, runtime: LocalRuntime) -> None:
    browsing = track(runtime, viewed("m10", "anon-2", "p9"))  # profile A: anonymous
    status, bought = shop.post(
        "orders", "orders/create", shop.order(90, at=datetime.now(UTC))
    )  # profile B: known
    assert status == 200 and browsing["customer_id"] != bought["customer_id"]

    link = {
        "type": "identify",
        "messageId": "m11",
        "anonymousId": "anon-2",
        "traits": {"email": "shopper90@example.com"},
    }
    merged = track(runtime, link)
    assert merged["customer_id"] == bought["customer_id"]

    alone = track(runtime, viewed("m12", "anon-2", "p10"))  # the anonymous id alone now reaches B
    assert alone["customer_id"] is None  # but the answer to an unverified call does not name B
    profile, _ = store.load(bought["customer_id"])
    assert {"p9", "p10"} <= set(profile["viewed"]) and profile["orders_count"] == 1
    tombstone, _ = store.load(browsing["customer_id"])
    assert tombstone["merged_into"] == bought["customer_id"]


def _browser_who_bought(
    shop: Shop, runtime: LocalRuntime, n: int, anonymous_id: str, phone: str | None = None
) -> tuple[dict, str]:
    """A browser (a phone in their traits) and a Shopify buyer, merged when the browser signs
    in with the buyer's e-mail: the browsing profile's event and the surviving customer id."""
    traits = {"phone": f"+49151123456{n:02d}"}
    browsing = track(runtime, viewed(f"m{n}a", anonymous_id, "p9", context={"traits": traits}))
    status, bought = shop.post("orders", "orders/create", shop.order(n, at=datetime.now(UTC)))
    assert status == 200
    signed_in = {"email": f"shopper{n}@example.com", **({"phone": phone} if phone else {})}
    identify = {"type": "identify", "messageId": f"m{n}b", "anonymousId": anonymous_id, "traits": signed_in}
    track(runtime, identify)
    return browsing, bought["customer_id"]


def test_export_and_forget_follow_a_merge(shop: Shop, runtime: LocalRuntime) -> None:
    from touchpoint.profiles import privacy

    from ..conftest import table_items

    browsing, survivor = _browser_who_bought(shop, runtime, 91, "anon-3", phone="+4915112345671")
    exported = privacy.export(survivor)
    assert "ID#anon#anon-3" in exported["aliases"] and "ID#platform#shopify:7091" in exported["aliases"]
    assert [m["customer_id"] for m in exported["merged"]] == [browsing["customer_id"]]
    assert privacy.forget(survivor) > 0
    statistics = ("CO", "SOLD", "PRODUCT")  # product-level counts: about products, not people
    items = table_items(runtime)
    left = [
        i
        for i in items
        if not i["pk"]["S"].startswith(("EVT#", "ERASED#"))
        and not (i["pk"]["S"].startswith("P#") and i["sk"]["S"] in statistics)
    ]
    assert left == []  # the merged-away profile, its aliases, messages and product interest went too
    # for two days, when each was erased (archive objects landing late are cleaned against it)
    erased = [i for i in items if i["pk"]["S"].startswith("ERASED#")]
    assert sorted(i["pk"]["S"] for i in erased) == sorted(
        f"ERASED#{c}" for c in (survivor, browsing["customer_id"])
    )
    assert all(set(i) == {"pk", "sk", "erased_at", "expires_at"} for i in erased)
    for key in ("shopper91@example.com", "anon-3", "+4915112345671"):
        assert store.find_customer(key) is None


def test_two_guests_sharing_a_phone_stay_two_customers(shop: Shop, runtime: LocalRuntime) -> None:
    now = datetime.now(UTC)
    for n, token in ((93, "anna"), (94, "ben")):
        checkout = shop.checkout(n, at=now, token=f"guest-{token}")
        checkout["customer"] = None  # guests: no platform customer
        checkout["phone"] = "+4915112345699"
        status, _ = shop.post("checkouts", "checkouts/create", checkout)
        assert status == 200
    anna, ben = store.find_customer("shopper93@example.com"), store.find_customer("shopper94@example.com")
    assert anna and ben and anna != ben
    # each keeps their own address and cart: Anna's reminder can only ever go to Anna
    assert store.load(anna)[0]["email"] == "shopper93@example.com"
    assert store.load(ben)[0]["email"] == "shopper94@example.com"
    assert store.load(anna)[0]["checkout"]["token"] == "guest-anna"
    assert store.load(ben)[0]["checkout"]["token"] == "guest-ben"


def test_a_fault_while_forgetting_leaves_the_customer_findable_and_the_retry_erases_all(
    shop: Shop, runtime: LocalRuntime
) -> None:
    """The profiles merged in go first and the customer's own aliases and profile last, in one
    transaction: a fault on the way leaves what a retry needs to find everyone again."""
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import TransactWriteError

    from touchpoint import aws
    from touchpoint.profiles import privacy

    from ..conftest import table_items

    browsing, survivor = _browser_who_bought(shop, runtime, 93, "anon-30")
    assert privacy.export(survivor)["merged"][0]["customer_id"] == browsing["customer_id"]

    failed: list[str] = []

    def fault(params: dict, **_: object) -> None:
        if not failed:
            failed.append(json.dumps(params, default=str))
            raise ClientError(
                {"Error": {"Code": "InternalServerError", "Message": "injected"}}, "TransactWriteItems"
            )

    client = aws.connection().client
    client.meta.events.register_first("before-call.dynamodb.TransactWriteItems", fault)
    try:
        with pytest.raises(TransactWriteError):
            privacy.forget(survivor)
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", fault)
    assert failed and browsing["customer_id"] in failed[0]  # the merged profile's, first
    assert store.find_customer("shopper93@example.com") == survivor

    privacy.forget(survivor)
    assert store.find_customer("shopper93@example.com") is None
    people = [i for i in table_items(runtime) if i["sk"]["S"] in ("PROFILE", "ALIAS")]
    assert people == []
