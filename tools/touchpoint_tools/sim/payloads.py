"""Payloads shaped like the platforms' documented ones: strings for money, nulls, unicode, extra fields."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any


def customer(
    n: int,
    email_consent: str = "subscribed",
    sms_consent: str | None = None,
    phone: str | None = None,
    first_name: str = "Zoë",
    locale: str | None = "en",  # the account language the shop records (tests read English mail)
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 7000 + n,
        "email": f"shopper{n}@example.com",
        "first_name": first_name,
        "last_name": "Ångström",
        "phone": phone,
        "tags": "",
        **({"locale": locale} if locale else {}),
        "email_marketing_consent": {
            "state": email_consent,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": "2026-11-01T09:00:00Z",
        },
    }
    if sms_consent:
        record["sms_marketing_consent"] = {
            "state": sms_consent,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": "2026-11-01T09:00:00Z",
            "consent_collected_from": "SHOPIFY",
        }
    return record


def line_items() -> list[dict[str, Any]]:
    return [
        {
            "product_id": 101,
            "variant_id": 1011,
            "title": "Wollmütze ❄",
            "quantity": 1,
            "price": "34.50",
            "sku": "W-1",
            "properties": [],
        },
        {
            "product_id": None,
            "variant_id": 2022,
            "title": "Gift wrap",
            "quantity": 2,
            "price": "25.00",
            "sku": None,
        },
    ]


def checkout(
    n: int,
    at: datetime | None = None,
    token: str | None = None,
    country: str = "DE",
    province: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    return {
        "id": None,
        "token": token or f"tok-{n}",
        "cart_token": f"cart-{n}",
        "email": f"shopper{n}@example.com",
        "buyer_accepts_marketing": False,
        "created_at": at.isoformat(),
        "updated_at": at.isoformat(),
        "completed_at": None,
        "currency": "EUR",
        "presentment_currency": "EUR",
        "total_price": "84.50",
        "abandoned_checkout_url": f"https://shop.example/checkouts/tok-{n}/recover",
        "line_items": line_items(),
        "customer": customer(n, **kw),
        "shipping_address": {
            "country_code": country,
            "province_code": province,
            "zip": "10115",
            "city": "Berlin",
        },
        "note_attributes": [{"name": "extra", "value": "ignored"}],
    }


def order(n: int, at: datetime | None = None, order_id: int | None = None, **kw: Any) -> dict[str, Any]:
    at = at or datetime.now(UTC)
    return {
        "id": order_id or 90000 + n,
        "checkout_token": f"tok-{n}",
        "cart_token": f"cart-{n}",
        "email": f"shopper{n}@example.com",
        "created_at": at.isoformat(),
        "currency": "EUR",
        "total_price": "34.50",
        "financial_status": "paid",
        "cancelled_at": None,
        "line_items": line_items()[:1],
        "customer": customer(n, **kw),
    }


def shopify_headers(topic: str, body: bytes, secret: str, webhook_id: str | None = None) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature,
        "Content-Type": "application/json",
    }
    if webhook_id:
        headers["X-Shopify-Webhook-Id"] = webhook_id
    return headers


def zendesk(
    ticket_id: str, email: str, status: str, at: datetime, secret: str, rating: str | None = None
) -> tuple[dict[str, str], bytes]:
    body = json.dumps(
        {
            "ticket": {
                "id": ticket_id,
                "status": status,
                "satisfaction": rating,
                "updated_at": at.isoformat(),
            },
            "requester": {"email": email, "name": "Demo"},
        }
    ).encode()
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(
        hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    ).decode()
    return {"X-Zendesk-Webhook-Signature": signature, "X-Zendesk-Webhook-Signature-Timestamp": stamp}, body


def segment(
    events: list[dict[str, Any]], write_key: str, identity_secret: str = ""
) -> tuple[dict[str, str], bytes]:
    """Storefront calls with the public write key; with the shop's identity secret, each call
    naming a user id (else an e-mail) carries its user_hash, as a signed-in page sends it."""
    if identity_secret:
        events = [_vouched(e, identity_secret) for e in events]
    body = json.dumps({"batch": events} if len(events) > 1 else events[0]).encode()
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}, body


def _vouched(event: dict[str, Any], identity_secret: str) -> dict[str, Any]:
    from touchpoint.sources.storefront import user_hash

    claimed = event.get("userId") or (event.get("traits") or {}).get("email")
    if not claimed:
        return event
    context = dict(event.get("context") or {})
    context["traits"] = {**(context.get("traits") or {}), "user_hash": user_hash(identity_secret, claimed)}
    return {**event, "context": context}
