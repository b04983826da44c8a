"""Realistic payloads of each platform produce the expected profile; privacy requests do what they owe."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from touchpoint.profiles import changes, store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.sim import payloads

from ..conftest import SECRET, Shop, table_items


def profile_of(key: str) -> dict:
    customer_id = store.find_customer(key)
    assert customer_id, key
    raw, _ = store.load(customer_id)
    return raw


def test_woocommerce_processing_order(runtime: LocalRuntime) -> None:
    order = {
        "id": 4711,
        "parent_id": 0,
        "status": "processing",
        "currency": "EUR",
        "total": "59.80",
        "customer_id": 12,
        "date_created_gmt": "2026-11-22T10:00:00",
        "date_modified_gmt": "2026-11-22T10:01:00",
        "billing": {
            "first_name": "Jürgen",
            "last_name": "Groß",
            "email": "JUERGEN@example.de",
            "phone": "+49 151 1234 5678",
            "country": "DE",
            "postcode": "10115",
        },
        "line_items": [
            {
                "id": 1,
                "product_id": 93,
                "variation_id": 0,
                "name": "Kaffeebecher",
                "quantity": 2,
                "price": 29.9,
                "total": "59.80",
                "sku": "",
                "meta_data": [],
            }
        ],
        "coupon_lines": [],
        "refunds": [],
        "cart_hash": "abc",
    }
    body = json.dumps(order).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-Delivery-ID": "9",
    }
    assert runtime.http("POST", "/webhooks/woocommerce/orders", headers, body).status == 200
    profile = profile_of("juergen@example.de")
    assert profile["orders_count"] == 1 and profile["revenue_cents"] == 5980
    assert profile["phone"] == "+4915112345678" and profile["country"] == "DE"
    assert [z.key for z in changes.as_profile(profile, "c").zones] == ["Europe/Berlin"]
    assert profile["first_name"] == "Jürgen" and profile["lifecycle"] == "first_time"
    assert profile_of("+4915112345678")["customer_id"] == profile["customer_id"]


def test_shopify_customer_update_records_consent_with_time_and_source(
    shop: Shop, runtime: LocalRuntime
) -> None:
    customer = {
        **payloads.customer(91, sms_consent="subscribed", phone="+14155550191"),
        "updated_at": "2026-11-22T08:00:00Z",
    }
    status, _ = shop.post("customers", "customers/update", customer)
    assert status == 200
    profile = profile_of("shopper91@example.com")
    assert profile["consent_sms"] == {
        "state": "subscribed",
        "at": "2026-11-01T09:00:00+00:00",
        "source": "shopify:customer",
    }
    assert profile["consent_email"]["state"] == "subscribed"


def test_zendesk_ticket_opens_and_solves(runtime: LocalRuntime) -> None:
    now = datetime.now(UTC)
    for status in ("open", "solved"):
        headers, body = payloads.zendesk("T-7", "help@example.com", status, now, SECRET)
        assert runtime.http("POST", "/webhooks/zendesk/tickets", headers, body).status == 200
        expected = {"T-7"} if status == "open" else set()
        assert set(profile_of("help@example.com").get("open_tickets") or ()) == expected
    headers, body = payloads.zendesk(
        "T-7", "help@example.com", "solved", now + timedelta(seconds=1), SECRET, rating="bad"
    )
    assert runtime.http("POST", "/webhooks/zendesk/tickets", headers, body).status == 200
    assert profile_of("help@example.com")["last_rating"] == "bad"


def test_data_request_and_redact(shop: Shop, runtime: LocalRuntime) -> None:
    shop.post("checkouts", "checkouts/create", shop.checkout(92))
    request = {
        "shop_id": 1,
        "shop_domain": "s.myshopify.com",
        "customer": {"id": 7092, "email": "shopper92@example.com"},
        "orders_requested": [],
        "data_request": {"id": 5},
    }
    status, body = shop.post("customers", "customers/data_request", request)
    assert status == 200 and body["export"]["profile"]["email"] == "shopper92@example.com"
    assert len(body["export"]["messages"]) == 3
    status, _ = shop.post("customers", "customers/redact", {**request, "orders_to_redact": []})
    assert status == 200
    assert store.find_customer("shopper92@example.com") is None
    items = table_items(runtime)
    leftovers = [i for i in items if not i["pk"]["S"].startswith(("EVT#", "ERASED#"))]
    assert leftovers == []
    # when the customer was erased, and nothing else: late archive objects are cleaned against it
    assert [set(i) for i in items if i["pk"]["S"].startswith("ERASED#")] == [
        {"pk", "sk", "erased_at", "expires_at"}
    ]


def test_orders_feed_co_purchases_and_best_sellers(shop: Shop, runtime: LocalRuntime) -> None:
    from touchpoint.catalog import statistics as catalog

    two_items = {
        **shop.order(93),
        "line_items": [
            {"product_id": 501, "title": "Teapot", "quantity": 1, "price": "30.00"},
            {"product_id": 502, "title": "Tea", "quantity": 3, "price": "8.00"},
        ],
    }
    status, _ = shop.post("orders", "orders/create", two_items)
    assert status == 200
    shop.post("orders", "orders/paid", two_items)  # the same order again: counted once
    co, best = catalog.read(["501"])
    assert co == {"502": 1}
    assert best[:2] == ["502", "501"]  # three teas, one teapot


def test_refunds_and_cancellations_take_back_revenue_once(shop: Shop, runtime: LocalRuntime) -> None:
    order = {**shop.order(97), "total_price": "100.00"}
    shop.post("orders", "orders/create", order)
    refund = {
        "id": 1,
        "order_id": order["id"],
        "created_at": datetime.now(UTC).isoformat(),
        "transactions": [
            {"amount": "30.00", "kind": "refund", "status": "success"},
            {"amount": "5.00", "kind": "refund", "status": "failure"},
        ],
        "refund_line_items": [],
    }
    status, _ = shop.post("orders", "refunds/create", refund)  # no customer in the payload: found by order
    assert status == 200
    shop.post("orders", "refunds/create", refund)  # redelivered: once
    assert profile_of("shopper97@example.com")["revenue_cents"] == 7000
    cancelled = {**order, "cancelled_at": datetime.now(UTC).isoformat()}
    shop.post("orders", "orders/cancelled", cancelled)
    profile = profile_of("shopper97@example.com")
    assert profile["revenue_cents"] == 0 and profile["orders_count"] == 0
    status, body = shop.post("orders", "refunds/create", {**refund, "id": 2, "order_id": 123456})
    assert status == 202 and "never saw" in body["reason"]
