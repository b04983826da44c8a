"""The Sender's one-minute catalog cache: recommendations (statistics and their products) are
read once per minute per container; the products a mail is about are read fresh every time, in
the same BatchGetItem as the recommended products the cache lacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from touchpoint.catalog import cache
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop
from .test_catalog import _checkout_with, _generic_product


def _batch_gets(calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Each BatchGetItem's catalog partitions (not the profile the Sender reads with them), sorted
    and joined."""
    return [
        " ".join(
            sorted(
                k["pk"]["S"]
                for table in params["RequestItems"].values()
                for k in table["Keys"]
                if not k["pk"]["S"].startswith("C#")
            )
        )
        for op, params in calls
        if op == "BatchGetItem"
    ]


def _product(runtime: LocalRuntime, pid: str, title: str, price: str, at: datetime) -> None:
    url = f"https://shop.example/p/{pid}"
    _generic_product(
        runtime, {"id": pid, "title": title, "price": price, "url": url, "updated_at": at.isoformat()}
    )


def _mail_to(sendgrid: SendGridStub, address: str) -> str:
    [body] = [
        r["body"] for r in sendgrid.requests if r["body"]["personalizations"][0]["to"][0]["email"] == address
    ]
    return str(body["content"][-1]["value"])


def test_recommendations_come_from_the_cache_and_the_cart_is_read_fresh(
    shop: Shop,
    runtime: LocalRuntime,
    sendgrid: SendGridStub,
    dynamodb_calls: list[tuple[str, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "60")
    cache.forget()  # what earlier tests in this process read, from their own tables
    now = datetime.now(UTC)
    _product(runtime, "701", "Rain jacket", "50.00", now - timedelta(days=2))
    _product(runtime, "702", "Trail shoes", "100.00", now - timedelta(days=2))
    order = shop.order(90, at=now - timedelta(days=1))
    order["line_items"] = [
        {"product_id": 701, "title": "Rain jacket", "quantity": 1, "price": "50.00"},
        {"product_id": 702, "title": "Trail shoes", "quantity": 1, "price": "100.00"},
    ]
    assert shop.post("orders", "orders/create", order)[0] == 200
    _checkout_with(shop, 91, 701, "Rain jacket", now - timedelta(hours=3))
    dynamodb_calls.clear()
    runtime.dispatch(now + timedelta(hours=1))
    mail = _mail_to(sendgrid, "shopper91@example.com")
    assert "€50.00" in mail
    assert any("P#_TOP#" in call for call in _batch_gets(dynamodb_calls))  # statistics were read
    # the buyer's thank-you reads what it is about fresh, and the cache holds what it read: the
    # reminder then reads only its cart, its recommendation (702) comes from the cache
    products_read = [
        call for call in _batch_gets(dynamodb_calls) if call.startswith("P#") and "_TOP#" not in call
    ]
    assert products_read == ["P#701 P#702", "P#701"], products_read

    _product(runtime, "701", "Rain jacket", "40.00", now - timedelta(hours=1))  # the cart item: cheaper
    _checkout_with(shop, 93, 701, "Rain jacket", now - timedelta(hours=3))
    dynamodb_calls.clear()
    runtime.dispatch(now + timedelta(hours=1))
    second = _mail_to(sendgrid, "shopper93@example.com")
    assert "€40.00" in second and "€50.00" not in second  # the cart's product is read fresh
    senders_reads = [call for call in _batch_gets(dynamodb_calls) if call.startswith("P#")]
    assert senders_reads == ["P#701"], senders_reads  # only the cart: statistics and 702 from the cache
