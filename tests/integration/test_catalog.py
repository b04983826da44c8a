"""The catalog through the Catalog function: Shopify, WooCommerce and generic product webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jsonschema

from touchpoint.catalog import store
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import ROOT, SECRET, Shop

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def shopify_product(
    pid: int = 632910392, updated: datetime = NOW, stock: int = 5, price: str = "199.00"
) -> dict:
    return {
        "id": pid,
        "title": "IPod Nano - 8GB",
        "handle": "ipod-nano",
        "vendor": "Apple",
        "product_type": "Cult Products",
        "status": "active",
        "tags": "Emotive, Flash Memory, MP3",
        "updated_at": updated.isoformat(),
        "variants": [
            {
                "id": 808950810,
                "price": price,
                "compare_at_price": "249.00",
                "inventory_quantity": stock,
                "inventory_management": "shopify",
                "inventory_item_id": 808950810,
            }
        ],
        "image": {"src": "https://cdn.shopify.com/s/files/ipod-nano.png"},
    }


def post_shopify(runtime: LocalRuntime, topic: str, payload: dict) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    headers = {**Shop.headers(topic, body), "X-Shopify-Shop-Domain": "shop.example"}
    response = runtime.http("POST", "/webhooks/shopify/products", headers, body)
    return response.status, json.loads(response.body)


def test_shopify_products_are_kept_newest_first(runtime: LocalRuntime) -> None:
    status, answer = post_shopify(runtime, "products/create", shopify_product())
    assert status == 200 and answer["duplicate"] is False
    product = store.read(["632910392"])["632910392"]
    assert product.title == "IPod Nano - 8GB" and product.price == Decimal("199.00")
    assert product.url == "https://shop.example/products/ipod-nano" and product.inventory == 5
    assert product.compare_at_price == Decimal("249.00") and product.tags[0] == "Emotive"
    assert post_shopify(runtime, "products/update", shopify_product())[1]["duplicate"] is True
    older = shopify_product(updated=NOW - timedelta(hours=1), price="1.00")
    assert post_shopify(runtime, "products/update", older)[1]["duplicate"] is True
    assert store.read(["632910392"])["632910392"].price == Decimal("199.00")


def test_inventory_levels_and_deletes_make_a_product_unavailable(runtime: LocalRuntime) -> None:
    post_shopify(runtime, "products/create", shopify_product())
    level = {
        "inventory_item_id": 808950810,
        "location_id": 905684977,
        "available": 0,
        "updated_at": NOW.isoformat(),
    }
    status, answer = post_shopify(runtime, "inventory_levels/update", level)
    assert status == 200 and answer["available"] is False
    assert not store.read(["632910392"])["632910392"].recommendable
    level["available"] = 3
    assert post_shopify(runtime, "inventory_levels/update", level)[1]["available"] is True
    assert post_shopify(runtime, "products/delete", {"id": 632910392})[0] == 200
    gone = store.read(["632910392"])["632910392"]
    assert gone.deleted and not gone.recommendable
    unknown = {"inventory_item_id": 1, "location_id": 1, "available": 1}
    assert post_shopify(runtime, "inventory_levels/update", unknown)[0] == 202


def test_woocommerce_and_generic_products(runtime: LocalRuntime) -> None:
    woo = {
        "id": 799,
        "name": "Ship Your Idea",
        "permalink": "https://shop.example/product/ship-your-idea/",
        "date_modified_gmt": "2026-11-20T10:00:00",
        "status": "publish",
        "price": "21.99",
        "regular_price": "25.00",
        "stock_status": "outofstock",
        "categories": [{"id": 9, "name": "Clothing"}],
        "images": [{"src": "https://shop.example/wp-content/uploads/idea.jpg"}],
    }
    body = json.dumps(woo).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {"X-WC-Webhook-Signature": signature, "X-WC-Webhook-Topic": "product.updated"}
    assert runtime.http("POST", "/webhooks/woocommerce/products", headers, body).status == 200
    product = store.read(["799"])["799"]
    assert product.category == "Clothing" and product.compare_at_price == Decimal("25.00")
    assert not product.available

    generic = {
        "product": {
            "id": "sku-1",
            "title": "Wool hat",
            "price": "20.00",
            "currency": "EUR",
            "inventory": 4,
            "updated_at": NOW.isoformat(),
        }
    }
    schema = json.loads((ROOT / "schemas" / "generic" / "products.json").read_text())
    jsonschema.validate(generic, schema)
    body = json.dumps(generic).encode()
    signed = {
        "X-Touchpoint-Signature": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    }
    assert runtime.http("POST", "/webhooks/generic/products", signed, body).status == 200
    assert store.read(["sku-1"])["sku-1"].recommendable
    missing = json.dumps({"product": {"id": "sku-2"}}).encode()
    signed = {
        "X-Touchpoint-Signature": "sha256=" + hmac.new(SECRET.encode(), missing, hashlib.sha256).hexdigest()
    }
    answer = runtime.http("POST", "/webhooks/generic/products", signed, missing)
    assert answer.status == 400 and "product.updated_at" in json.loads(answer.body)["error"]
    unsigned = runtime.http("POST", "/webhooks/generic/products", {}, body)
    assert unsigned.status == 401


def _generic_product(runtime: LocalRuntime, product: dict) -> dict:
    body = json.dumps({"product": product}).encode()
    signed = {
        "X-Touchpoint-Signature": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    }
    response = runtime.http("POST", "/webhooks/generic/products", signed, body)
    assert response.status == 200, response.body
    return json.loads(response.body)


def _checkout_with(shop: Shop, n: int, product_id: int, title: str, at: datetime) -> None:
    payload = shop.checkout(n, at=at)
    payload["line_items"] = [{"product_id": product_id, "title": title, "quantity": 1, "price": "50.00"}]
    assert shop.post("checkouts", "checkouts/create", payload)[0] == 200


def test_shoppers_who_carted_a_product_hear_when_it_is_back_or_cheaper(
    shop: Shop, runtime: LocalRuntime, sendgrid
) -> None:
    from touchpoint.catalog import watchers
    from touchpoint.profiles import store as profiles

    now = datetime.now(UTC)
    _generic_product(
        runtime,
        {
            "id": "701",
            "title": "Rain jacket",
            "price": "50.00",
            "available": False,
            "url": "https://shop.example/p/701",
            "updated_at": (now - timedelta(days=1)).isoformat(),
        },
    )
    _generic_product(
        runtime,
        {
            "id": "702",
            "title": "Trail shoes",
            "price": "100.00",
            "url": "https://shop.example/p/702",
            "updated_at": (now - timedelta(days=1)).isoformat(),
        },
    )
    _checkout_with(shop, 86, 701, "Rain jacket", now - timedelta(hours=3))
    _checkout_with(shop, 87, 702, "Trail shoes", now - timedelta(hours=3))
    # the watches come from the archive's new objects (the Watches function), not the checkouts
    assert list(watchers.of("701")) == []
    assert runtime.drain(functions=["WatchesFunction"])["delivered"] >= 2
    assert list(watchers.of("701")) == [profiles.find_customer("shopper86@example.com")]

    back = _generic_product(
        runtime,
        {
            "id": "701",
            "title": "Rain jacket",
            "price": "50.00",
            "available": True,
            "url": "https://shop.example/p/701",
            "updated_at": now.isoformat(),
        },
    )
    assert back["notified"] == 1
    small = _generic_product(
        runtime,
        {
            "id": "702",
            "title": "Trail shoes",
            "price": "95.00",
            "url": "https://shop.example/p/702",
            "updated_at": (now - timedelta(hours=1)).isoformat(),
        },
    )
    assert small["notified"] == 0  # 5 % is not the playbook's 10 %
    cheaper = _generic_product(
        runtime,
        {
            "id": "702",
            "title": "Trail shoes",
            "price": "79.00",
            "url": "https://shop.example/p/702",
            "updated_at": now.isoformat(),
        },
    )
    assert cheaper["notified"] == 1

    runtime.dispatch(now + timedelta(minutes=10))
    subjects = {
        r["body"]["personalizations"][0]["to"][0]["email"]: r["body"]["subject"] for r in sendgrid.requests
    }
    assert subjects["shopper86@example.com"] == "Hi Zoë, Rain jacket is back"
    assert subjects["shopper87@example.com"] == "Hi Zoë, Trail shoes now costs less"
    mail = next(r["body"] for r in sendgrid.requests if r["body"]["subject"].endswith("now costs less"))
    assert "$79.00" in mail["content"][0]["value"]
    steps = {
        m.flow: m.status for m in profiles.load(profiles.find_customer("shopper86@example.com") or "")[1]
    }
    assert steps["back_in_stock"] == "sent"
