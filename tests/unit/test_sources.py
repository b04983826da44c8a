"""Adapters: signatures over raw bytes, realistic payloads, errors that name the field."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from touchpoint.events import Kind
from touchpoint.sources import (
    Ignored,
    PayloadError,
    Request,
    SignatureError,
    generic,
    segment,
    shopify,
    zendesk,
)

from ..conftest import SECRET, WRITE_KEY, Shop


def shopify_request(topic: str, payload: dict, secret: str = SECRET) -> Request:
    body = json.dumps(payload).encode()
    headers = {k.lower(): v for k, v in Shop.headers(topic, body, "wh-1", secret).items()}
    return Request(headers=headers, body=body)


def test_shopify_checkout_normalizes(secrets: dict[str, str]) -> None:
    request = shopify_request("checkouts/update", Shop.checkout(1))
    shopify.verify(request)
    [event] = shopify.normalize(request, "checkouts")
    assert event.kind == Kind.CHECKOUT_UPDATED and event.checkout is not None
    assert event.checkout.total == Decimal("84.50") and event.checkout.currency == "EUR"
    assert [i.product_id for i in event.checkout.items] == [
        "101",
        "2022",
    ]  # null product_id falls back to the variant
    assert event.identity.platform_id == "shopify:7001"
    assert [(c.channel, c.state) for c in event.consents] == [("email", "subscribed")]
    assert event.traits.country == "DE"


def test_shopify_signature_is_over_the_raw_bytes(secrets: dict[str, str]) -> None:
    request = shopify_request("checkouts/update", Shop.checkout(1))
    tampered = Request(headers=request.headers, body=request.body.replace(b"84.50", b"84.51"))
    with pytest.raises(SignatureError):
        shopify.verify(tampered)
    with pytest.raises(SignatureError):
        shopify.verify(shopify_request("checkouts/update", Shop.checkout(1), secret="other"))


def test_orders_create_and_paid_are_one_event() -> None:
    created = shopify.normalize(shopify_request("orders/create", Shop.order(1)), "orders")[0]
    paid = shopify.normalize(shopify_request("orders/paid", Shop.order(1)), "orders")[0]
    assert created.dedup_key == paid.dedup_key


def test_shopify_privacy_topics() -> None:
    payload = {
        "shop_id": 1,
        "shop_domain": "s.myshopify.com",
        "customer": {"id": 7001, "email": "a@example.com"},
        "orders_to_redact": [],
    }
    assert (
        shopify.normalize(shopify_request("customers/redact", payload), "customers")[0].kind
        == Kind.PRIVACY_REDACT
    )
    with pytest.raises(Ignored):
        shopify.normalize(shopify_request("shop/redact", {"shop_id": 1}), "customers")


def test_zendesk_signs_timestamp_plus_body(secrets: dict[str, str]) -> None:
    body = json.dumps(
        {"ticket": {"id": 5, "status": "open"}, "requester": {"email": "z@example.com"}}
    ).encode()
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(
        hmac.new(SECRET.encode(), stamp.encode() + body, hashlib.sha256).digest()
    ).decode()
    request = Request(
        headers={"x-zendesk-webhook-signature": signature, "x-zendesk-webhook-signature-timestamp": stamp},
        body=body,
    )
    zendesk.verify(request)
    assert zendesk.normalize(request, "tickets")[0].kind == Kind.TICKET_OPENED
    with pytest.raises(SignatureError):
        zendesk.verify(
            Request(headers={**request.headers, "x-zendesk-webhook-signature-timestamp": "other"}, body=body)
        )


def test_segment_accepts_write_key_or_signature(secrets: dict[str, str]) -> None:
    body = json.dumps(
        {
            "batch": [
                {"type": "page", "messageId": "1", "anonymousId": "a"},
                {
                    "type": "identify",
                    "messageId": "2",
                    "userId": "u",
                    "anonymousId": "a",
                    "traits": {"email": "S@Example.com"},
                },
            ]
        }
    ).encode()
    basic = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    segment.verify(Request(headers={"authorization": basic}, body=body))
    signed = hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    segment.verify(Request(headers={"x-signature": signed}, body=body))
    events = segment.normalize(Request(headers={}, body=body))
    assert [e.kind for e in events] == [Kind.PAGE_VIEWED, Kind.IDENTIFY]
    with pytest.raises(PayloadError, match=r"batch\[0\]\.messageId"):
        segment.normalize(Request(headers={}, body=b'{"batch": [{"type": "page", "anonymousId": "a"}]}'))


def test_generic_schema_requires_event_id(secrets: dict[str, str]) -> None:
    body = json.dumps({"order": {"id": "1"}}).encode()
    with pytest.raises(PayloadError, match="'event_id'"):
        generic.normalize(Request(headers={}, body=body), "orders")
    good = json.dumps(
        {"event_id": "e1", "customer": {"email": "g@example.com"}, "order": {"id": "1", "total": 10}}
    ).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), good, hashlib.sha256).hexdigest()
    generic.verify(Request(headers={"x-touchpoint-signature": signature}, body=good))
    assert generic.normalize(Request(headers={}, body=good), "orders")[0].kind == Kind.ORDER_PLACED


def _zendesk(ticket: dict) -> list:
    body = json.dumps({"ticket": {"id": "77", "updated_at": "2026-11-20T10:00:00Z", **ticket}}).encode()
    return zendesk.normalize(Request(headers={}, body=body), "tickets")


@pytest.mark.parametrize(
    ("ticket", "kind", "rating"),
    [
        ({"status": "Solved", "satisfaction": "Good with comment"}, Kind.TICKET_RATED, "good"),
        ({"status": "Solved", "satisfaction": "Bad with comment"}, Kind.TICKET_RATED, "bad"),
        ({"status": "solved", "satisfaction": "BAD"}, Kind.TICKET_RATED, "bad"),
        ({"status": "On-hold"}, Kind.TICKET_OPENED, None),
        ({"status": "Solved", "satisfaction": "Offered"}, Kind.TICKET_SOLVED, None),
        ({"status": "Closed", "satisfaction": "a value Zendesk adds later"}, Kind.TICKET_SOLVED, None),
    ],
)
def test_zendesk_placeholder_values_map_to_what_they_mean(
    ticket: dict, kind: Kind, rating: str | None
) -> None:
    [event] = _zendesk(ticket)
    assert event.kind == kind and event.ticket is not None and event.ticket.rating == rating


def test_shopify_unknown_consent_state_keeps_the_event_and_invalid_is_no_consent(
    secrets: dict[str, str],
) -> None:
    checkout = Shop.checkout(3)
    checkout["customer"]["email_marketing_consent"] = {"state": "invalid", "opt_in_level": "unknown"}
    checkout["customer"]["sms_marketing_consent"] = {"state": "some_future_state"}
    [event] = shopify.normalize(shopify_request("checkouts/create", checkout), "checkouts")
    assert [(c.channel, c.state) for c in event.consents] == [("email", "not_subscribed")]
