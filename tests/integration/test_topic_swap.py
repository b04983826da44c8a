"""Shopify and WooCommerce sign the body, not the topic header: an attacker who captured one
signed body replays it under another topic. Each swap is a 400 that changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.catalog import store as catalog
from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import SECRET, Shop
from .test_catalog import post_shopify, shopify_product

N = 64
EMAIL = f"shopper{N}@example.com"


def stored(customer_id: str) -> tuple[dict, list[dict]]:
    profile, messages = store.load(customer_id)
    return profile, [store.raw(m) for m in messages]


def replayed(shop: Shop, resource: str, topic: str, body: dict) -> tuple[int, dict]:
    status, answer = shop.post(resource, topic, body, f"replay-{topic}")
    return status, answer


@pytest.mark.parametrize(
    "topic", ["customers/data_request", "customers/redact", "customers/update", "orders/create"]
)
def test_a_checkout_body_replayed_under_another_topic_is_refused(
    shop: Shop, runtime: LocalRuntime, topic: str
) -> None:
    checkout = shop.checkout(N)
    assert shop.post("checkouts", "checkouts/create", checkout)[0] == 200
    customer_id = store.find_customer(EMAIL) or ""
    before = stored(customer_id)
    resource = "orders" if topic.startswith("orders") else "customers"
    status, answer = replayed(shop, resource, topic, checkout)
    assert status == 400 and "topic" in answer["error"], answer
    assert "export" not in answer and EMAIL not in json.dumps(answer)
    assert stored(customer_id) == before


def test_an_order_replayed_as_cancelled_is_refused(shop: Shop, runtime: LocalRuntime) -> None:
    order = shop.order(N, at=datetime.now(UTC))
    assert shop.post("orders", "orders/create", order)[0] == 200
    status, answer = replayed(shop, "orders", "orders/cancelled", order)
    assert status == 400 and "cancelled_at" in answer["error"]
    profile = store.load_profile(store.find_customer(EMAIL) or "")
    assert profile["orders_count"] == 1 and not profile.get("cancelled_orders")


def test_an_old_product_update_replayed_as_a_delete_is_refused(runtime: LocalRuntime) -> None:
    product = shopify_product(updated=datetime.now(UTC) - timedelta(days=30))
    assert post_shopify(runtime, "products/update", product)[0] == 200
    status, answer = post_shopify(runtime, "products/delete", product)
    assert status == 400 and "does not belong" in answer["error"]
    kept = catalog.read([str(product["id"])])
    assert kept and not kept[str(product["id"])].deleted
    assert post_shopify(runtime, "products/delete", {"id": product["id"]})[0] == 200  # the real shape


def test_a_woocommerce_product_replayed_as_deleted_is_refused(runtime: LocalRuntime) -> None:
    product = {"id": 77, "name": "Scarf", "type": "simple", "status": "publish", "price": "19.00"}

    def post(topic: str, payload: dict) -> int:
        body = json.dumps(payload).encode()
        signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
        headers = {"X-WC-Webhook-Signature": signature, "X-WC-Webhook-Topic": topic}
        return runtime.http("POST", "/webhooks/woocommerce/products", headers, body).status

    assert post("product.updated", product) == 200
    assert post("product.deleted", product) == 400
    kept = catalog.read(["77"])
    assert kept and not kept["77"].deleted
