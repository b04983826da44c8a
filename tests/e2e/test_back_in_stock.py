"""Back in stock through `touchpoint serve`: the shopper's interest is written from the event
archive in the background (the Watches function), and a restock then mails them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from ..conftest import SECRET, Shop
from .conftest import Served, post_shopify

pytestmark = pytest.mark.e2e


def _product(served: Served, product: dict) -> dict:
    body = json.dumps({"product": product}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    status, answer = served.post("/webhooks/generic/products", body, {"X-Touchpoint-Signature": signature})
    assert status == 200, answer
    return answer


def _watchers(served: Served, product_id: str) -> list[str]:
    table = boto3.client("dynamodb", endpoint_url=served.env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    items = table.query(
        TableName=served.env["TABLE_NAME"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"P#{product_id}"}},
    )["Items"]
    return [i["customer_id"]["S"] for i in items if i["sk"]["S"].startswith("W#")]


def test_a_shopper_who_carted_a_sold_out_product_hears_when_it_is_back(served: Served) -> None:
    now = datetime.now(UTC)
    jacket = {"id": "9043", "title": "Storm jacket", "price": "120.00", "url": "https://shop.example/p/9043"}
    _product(served, {**jacket, "available": False, "updated_at": (now - timedelta(days=1)).isoformat()})
    checkout = Shop.checkout(44, at=now - timedelta(hours=3))
    checkout["line_items"] = [{"product_id": 9043, "title": "Storm jacket", "quantity": 1, "price": "120.00"}]
    status, answer = post_shopify(served, "checkouts", "checkouts/create", checkout)
    assert status == 200, answer

    deadline = time.monotonic() + 20  # serve drains the archive's notices every second
    while not _watchers(served, "9043") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _watchers(served, "9043") == [answer["customer_id"]]

    back = _product(served, {**jacket, "available": True, "updated_at": now.isoformat()})
    assert back["notified"] == 1
    result = served.cli("dispatch", "--at", (now + timedelta(minutes=10)).isoformat())
    assert result.returncode == 0, result.stderr
    subjects = [
        r["body"]["subject"]
        for r in served.stub.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == "shopper44@example.com"
    ]
    assert "Hi Zoë, Storm jacket is back" in subjects
