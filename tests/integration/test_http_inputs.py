"""Bad input through the real handlers: the right 4xx, a message, nothing stored, never a 5xx."""

from __future__ import annotations

import base64
import gc
import hashlib
import hmac
import json

import pytest

from touchpoint.playbook.model import PlaybookError
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import SECRET, WRITE_KEY, Shop, cold_start, table_items


def test_bad_signature_is_401_and_stores_nothing(runtime: LocalRuntime) -> None:
    body = json.dumps(Shop.checkout(20)).encode()
    headers = Shop.headers("checkouts/create", body, secret="wrong")
    response = runtime.http("POST", "/webhooks/shopify/checkouts", headers, body)
    assert response.status == 401
    assert "X-Shopify-Hmac-Sha256" in json.loads(response.body)["error"]
    assert table_items(runtime) == []


def test_missing_signature_is_401(runtime: LocalRuntime) -> None:
    response = runtime.http("POST", "/webhooks/shopify/orders", {"X-Shopify-Topic": "orders/create"}, b"{}")
    assert response.status == 401


def test_unconfigured_secret_answers_401_to_everything(
    runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPIFY_WEBHOOK_SECRET")
    body = json.dumps(Shop.checkout(21)).encode()
    response = runtime.http(
        "POST", "/webhooks/shopify/checkouts", Shop.headers("checkouts/create", body), body
    )
    assert response.status == 401
    assert table_items(runtime) == []


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({**Shop.checkout(22), "token": None}).encode(), "'token'"),
        (json.dumps({**Shop.checkout(22), "total_price": "12,50€"}).encode(), "'total_price'"),
        (
            json.dumps({**Shop.checkout(22), "line_items": [{"quantity": "many"}]}).encode(),
            "line_items[0].quantity",
        ),
    ],
)
def test_malformed_body_is_400_naming_the_problem(runtime: LocalRuntime, body: bytes, needle: str) -> None:
    response = runtime.http(
        "POST", "/webhooks/shopify/checkouts", Shop.headers("checkouts/create", body), body
    )
    assert response.status == 400, response.body
    assert needle in json.loads(response.body)["error"]
    assert table_items(runtime) == []


def test_guest_checkout_without_email_is_stitched_to_its_order(runtime: LocalRuntime) -> None:
    anonymous = {**Shop.checkout(23), "email": None, "customer": None}
    shop = Shop(runtime)
    status, first = shop.post("checkouts", "checkouts/create", anonymous)
    assert status == 200
    status, second = shop.post("orders", "orders/create", Shop.order(23))
    assert status == 200 and second["customer_id"] == first["customer_id"]
    assert {d["action"] for d in second["decisions"] if d["message_id"].startswith("cart_")} <= {"cancel"}


def test_no_identifier_at_all_is_400(runtime: LocalRuntime) -> None:
    body = json.dumps({"event_id": "e1", "order": {"id": "1"}}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = runtime.http("POST", "/webhooks/generic/orders", {"X-Touchpoint-Signature": signature}, body)
    assert response.status == 400 and "'customer'" in json.loads(response.body)["error"]
    assert table_items(runtime) == []


def test_oversize_body_is_413(runtime: LocalRuntime) -> None:
    body = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    response = runtime.http(
        "POST", "/webhooks/shopify/checkouts", Shop.headers("checkouts/create", body), body
    )
    assert response.status == 413
    assert table_items(runtime) == []


def test_unknown_topic_is_202_with_a_reason(runtime: LocalRuntime) -> None:
    body = b'{"id": 1}'
    response = runtime.http("POST", "/webhooks/shopify/orders", Shop.headers("products/create", body), body)
    assert response.status == 202
    assert "products/create" in json.loads(response.body)["reason"]


def test_woocommerce_ping_is_accepted_unsigned(runtime: LocalRuntime) -> None:
    response = runtime.http(
        "POST",
        "/webhooks/woocommerce/orders",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"webhook_id=12",
    )
    assert response.status == 202
    assert table_items(runtime) == []


def test_woocommerce_pending_order_is_an_abandoned_checkout(runtime: LocalRuntime) -> None:
    order = {
        "id": 727,
        "status": "pending",
        "currency": "USD",
        "total": "29.35",
        "customer_id": 0,
        "date_created_gmt": "2026-11-23T08:00:00",
        "billing": {"email": "woo@example.com", "first_name": "Ana", "phone": ""},
        "line_items": [
            {
                "product_id": 93,
                "variation_id": 0,
                "name": "Woo Single #1",
                "quantity": 2,
                "price": 9.0,
                "total": "18.00",
            }
        ],
    }
    body = json.dumps(order).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-Delivery-ID": "d1",
    }
    response = runtime.http("POST", "/webhooks/woocommerce/orders", headers, body)
    assert response.status == 200, response.body
    # a pending order is a checkout left unpaid: the cart flow is planned for it, and without
    # e-mail consent its reminder is recorded as suppressed with the reason
    decisions = json.loads(response.body)["decisions"]
    reminder = next(d for d in decisions if d["message_id"].startswith("cart_abandonment.email_1h."))
    assert reminder["action"] == "suppress" and reminder["reasons"][-1] == "no_consent:email"


def test_segment_track_returns_personalization(runtime: LocalRuntime) -> None:
    event = {
        "type": "track",
        "event": "Product Viewed",
        "messageId": "m-1",
        "anonymousId": "anon-1",
        "properties": {"product_id": "sku-9", "name": "Socks", "price": 5},
    }
    body = json.dumps(event).encode()
    auth = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    response = runtime.http("POST", "/events", {"Authorization": auth}, body)
    assert response.status == 200, response.body
    answer = json.loads(response.body)
    assert answer["recommendations"] == [{"product_id": "sku-9", "reason": "affinity"}]
    assert answer["offer"] is None and answer["content"]["banner"] == "welcome"
    wrong = runtime.http(
        "POST", "/events", {"Authorization": "Basic " + base64.b64encode(b"nope:").decode()}, body
    )
    assert wrong.status == 401


def test_unknown_route_is_404(runtime: LocalRuntime) -> None:
    assert runtime.http("POST", "/webhooks/shopify/nothing-here", {}, b"{}").status == 404


def test_a_webhook_function_refuses_an_invalid_playbook_at_cold_start(
    secrets: dict[str, str], monkeypatch, tmp_path, caplog
) -> None:
    from touchpoint.content.environment import VARIABLES

    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\nflows: {}\ntemplates:\n  t: {sms: 'Hi {{ frist_name }}'}\n")
    monkeypatch.setenv("PLAYBOOK", str(path))
    with pytest.raises(PlaybookError) as caught:
        cold_start("purchase")
    assert caught.value.problems == [
        f"{path}:4: templates.t.sms: unknown placeholder {{{{ frist_name }}}}; known: "
        + ", ".join(sorted(VARIABLES))
    ]
    assert any(r.getMessage() == "invalid playbook, refusing to start" for r in caplog.records)


def test_ids_longer_than_a_key_are_hashed_not_a_500(runtime: LocalRuntime) -> None:
    long_id = "x" * 3000
    event = {"type": "track", "event": "Product Viewed", "messageId": long_id, "anonymousId": long_id}
    body = json.dumps(event).encode()
    auth = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    assert runtime.http("POST", "/events", {"Authorization": auth}, body).status == 200
    again = runtime.http("POST", "/events", {"Authorization": auth}, body)
    assert again.status == 200 and json.loads(again.body)["duplicate"] is True
    keys = [item["pk"]["S"] for item in table_items(runtime)]
    assert keys and all(len(key.encode()) <= 300 for key in keys)
    assert not any(long_id in key for key in keys)


def _generic(runtime: LocalRuntime, resource: str, payload: dict) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = runtime.http(
        "POST", f"/webhooks/generic/{resource}", {"X-Touchpoint-Signature": signature}, body
    )
    return response.status, json.loads(response.body)


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("occurred_at", "0001-01-01T00:00:00+14:00", "occurred_at"),
        ("occurred_at", "9999-12-31T23:59:59Z", "occurred_at"),
        ("total", "1e999999", "order.total"),
        ("total", "1e5000", "order.total"),
    ],
)
def test_values_at_the_edges_are_a_400_naming_the_field(
    runtime: LocalRuntime, field: str, value: str, named: str
) -> None:
    order = {"id": "1", "total": value if field == "total" else "10"}
    payload = {"event_id": f"edge-{value}", "customer": {"email": "edge@example.com"}, "order": order}
    if field == "occurred_at":
        payload["occurred_at"] = value
    status, answer = _generic(runtime, "orders", payload)
    assert status == 400 and f"'{named}'" in answer["error"]
    assert table_items(runtime) == []


def test_huge_carts_and_ids_are_accepted_bounded(runtime: LocalRuntime) -> None:
    items = [{"product_id": f"{i}", "title": "t" * 220, "price": "1"} for i in range(2900)]  # under 1 MiB
    items[0]["product_id"] = "p" * 8000
    checkout = {"token": "tok-" + "x" * 5000, "items": items, "total": "2900"}
    status, _ = _generic(
        runtime,
        "checkouts",
        {"event_id": "huge", "customer": {"email": "big@example.com"}, "checkout": checkout},
    )
    assert status == 200
    for n in range(3):  # every later event of this shopper still works
        order = {"id": f"o{n}", "total": "1", "items": items[:5]}
        assert (
            _generic(
                runtime,
                "orders",
                {"event_id": f"o{n}", "customer": {"email": "big@example.com"}, "order": order},
            )[0]
            == 200
        )
    sizes = [len(json.dumps(item)) for item in table_items(runtime)]
    assert max(sizes) < 100_000
    auth = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    for n in range(5):  # a visitor whose product ids are 8 KB each, viewing again and again
        view = {
            "type": "track",
            "event": "Product Viewed",
            "messageId": f"v{n}",
            "anonymousId": "long-ids",
            "properties": {"product_id": f"{n}" + "q" * 8000},
        }
        assert (
            runtime.http("POST", "/events", {"Authorization": auth}, json.dumps(view).encode()).status == 200
        )


def test_a_product_view_dated_far_ahead_does_not_overflow_affinity(runtime: LocalRuntime) -> None:
    event = {
        "type": "track",
        "event": "Product Viewed",
        "messageId": "future",
        "anonymousId": "time-traveller",
        "timestamp": "2099-12-31T00:00:00Z",
        "properties": {"product_id": "p1"},
    }
    auth = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    assert runtime.http("POST", "/events", {"Authorization": auth}, json.dumps(event).encode()).status == 200


def test_the_local_runtime_lets_the_collector_run_after_a_function_fails_to_load(
    runtime: LocalRuntime, monkeypatch, tmp_path
) -> None:
    """A function's module holds the collector until it has loaded (touchpoint/coldstart.py).
    Lambda discards a process whose start failed; the local runtime goes on, collecting."""
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\nflows: {}\ntemplates:\n  t: {sms: 'Hi {{ frist_name }}'}\n")
    monkeypatch.setenv("PLAYBOOK", str(path))
    gc.disable()  # as the first function module of a process finds it
    try:
        with pytest.raises(PlaybookError):
            runtime.invoke("PurchaseFunction", {})
        assert gc.isenabled()
    finally:
        gc.enable()
