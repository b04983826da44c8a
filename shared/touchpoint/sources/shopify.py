"""Shopify webhooks: checkouts, orders, customers and the mandatory privacy topics."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from touchpoint import config
from touchpoint.events import (
    Checkout,
    Consent,
    Identity,
    Kind,
    LineItem,
    Order,
    TouchpointEvent,
    Traits,
)
from touchpoint.identity import sha256
from touchpoint.sources import Ignored, PayloadError, Request, common, jsonbody, signing, topic_shapes
from touchpoint.sources.jsonbody import items, money, obj, quantity, text, timestamp

SOURCE = "shopify"
TOPICS = {
    "checkouts": {"checkouts/create", "checkouts/update", "checkouts/delete"},
    "orders": {"orders/create", "orders/paid", "orders/updated", "orders/cancelled", "refunds/create"},
    "customers": {
        "customers/create",
        "customers/update",
        "customers/data_request",
        "customers/redact",
        "shop/redact",
    },
}


def verify(request: Request) -> None:
    secret = config.secret("SHOPIFY_WEBHOOK_SECRET")
    presented = request.header("X-Shopify-Hmac-Sha256")
    expected = signing.b64_hmac_sha256(secret, request.body) if secret else ""
    signing.require(secret, presented, expected, "X-Shopify-Hmac-Sha256")


def normalize(request: Request, resource: str) -> list[TouchpointEvent]:
    """Map one verified delivery; raises Ignored for topics this route does not act on."""
    topic = request.header("X-Shopify-Topic")
    if not topic:
        raise PayloadError("missing required header 'X-Shopify-Topic'")
    if topic not in TOPICS[resource]:
        raise Ignored(f"topic {jsonbody.shown(topic)} is not handled on this route")
    data = jsonbody.parse_object(request.body)
    topic_shapes.require(topic_shapes.SHOPIFY, topic, data)
    delivery = request.header("X-Shopify-Webhook-Id") or sha256(topic + request.body.decode("utf-8"))[:32]
    if resource == "checkouts":
        return [_checkout(topic, data, delivery)]
    if resource == "orders":
        return [_order(topic, data, delivery)]
    return [_customer(topic, data, delivery)]


def _line_items(data: dict[str, Any]) -> tuple[LineItem, ...]:
    result = []
    for i, line in enumerate(items(data, "line_items")):
        where = f"line_items[{i}]."
        product = (
            text(line, "product_id", where) or text(line, "variant_id", where) or text(line, "sku", where)
        )
        result.append(
            LineItem(
                product_id=product or f"custom:{text(line, 'title', where) or i}",
                title=text(line, "title", where) or text(line, "name", where) or "",
                quantity=quantity(line, "quantity", where),
                price=money(line, "price", where),
                category=text(line, "product_type", where),
            )
        )
    return tuple(result)


# Shopify's documented states; "invalid" (a bad address) never counts as consent. A value
# Shopify adds later is skipped rather than failing the whole event: consent stays as it was.
CONSENT_STATES = {
    "subscribed": "subscribed",
    "not_subscribed": "not_subscribed",
    "unsubscribed": "unsubscribed",
    "pending": "pending",
    "redacted": "redacted",
    "invalid": "not_subscribed",
}


def _consents(data: dict[str, Any], at: datetime, origin: str) -> tuple[Consent, ...]:
    customer = obj(data, "customer")
    found: list[Consent] = []
    for channel, key in (("email", "email_marketing_consent"), ("sms", "sms_marketing_consent")):
        for holder in (data, customer):
            record = obj(holder, key)
            state = CONSENT_STATES.get((text(record, "state", f"{key}.") or "").lower(), "")
            if state:
                when = timestamp(record, "consent_updated_at", f"{key}.", default=at)
                found.append(Consent(channel=channel, state=state, at=when, source=f"shopify:{origin}"))  # type: ignore[arg-type]
                break
    if not any(c.channel == "email" for c in found) and (
        data.get("buyer_accepts_marketing") is True
        or data.get("accepts_marketing") is True
        or customer.get("accepts_marketing") is True
    ):
        found.append(Consent(channel="email", state="subscribed", at=at, source=f"shopify:{origin}"))
    return tuple(found)


def _identity(data: dict[str, Any], checkout_token: str | None) -> Identity:
    """The checkout token doubles as an anonymous id, so a guest checkout without an e-mail
    yet, its later updates and the order that completes it all reach one profile."""
    customer = obj(data, "customer")
    customer_id = text(customer, "id", "customer.")
    return Identity(
        email=text(data, "email") or text(customer, "email", "customer."),
        phone=text(data, "phone") or text(customer, "phone", "customer."),
        platform_id=f"shopify:{customer_id}" if customer_id else None,
        anonymous_id=f"shopify-checkout:{checkout_token}" if checkout_token else None,
        region=_country(data),
    )


def _country(data: dict[str, Any]) -> str | None:
    address = obj(data, "shipping_address") or obj(data, "billing_address")
    return text(address, "country_code")


def _traits(data: dict[str, Any]) -> Traits:
    customer = obj(data, "customer")
    address = obj(data, "shipping_address") or obj(data, "billing_address")
    return Traits(
        first_name=text(customer, "first_name", "customer.") or text(address, "first_name"),
        last_name=text(customer, "last_name", "customer.") or text(address, "last_name"),
        country=text(address, "country_code"),
        province=text(address, "province_code"),
        locale=text(customer, "locale", "customer.") or text(data, "customer_locale"),
    )


def _checkout(topic: str, data: dict[str, Any], delivery: str) -> TouchpointEvent:
    token = text(data, "token", required=True)
    assert token is not None
    at = timestamp(data, "updated_at", default=timestamp(data, "created_at"))
    kind = Kind.CHECKOUT_UPDATED
    if topic == "checkouts/delete":
        kind = Kind.CHECKOUT_CANCELLED
    elif data.get("completed_at"):
        kind = Kind.CHECKOUT_COMPLETED
    updated = text(data, "updated_at")
    return TouchpointEvent(
        source=SOURCE,
        # the same checkout state delivered twice is one event, whatever the delivery id
        event_id=f"checkout:{token}:{updated}" if updated else f"delivery:{delivery}",
        kind=kind,
        occurred_at=at,
        identity=_identity(data, token),
        consents=_consents(data, at, "checkout"),
        traits=_traits(data),
        checkout=Checkout(
            token=token,
            items=_line_items(data),
            total=money(data, "total_price"),
            currency=text(data, "presentment_currency") or text(data, "currency") or "",
            url=text(data, "abandoned_checkout_url"),
        ),
        name=topic,
    )


def _refund_amount(data: dict[str, Any]) -> Decimal:
    """Successful refund transactions, else the refunded line items' subtotals."""
    paid = [
        money(t, "amount", f"transactions[{i}].")
        for i, t in enumerate(items(data, "transactions"))
        if t.get("kind", "refund") == "refund" and t.get("status", "success") == "success"
    ]
    if paid:
        return sum(paid, Decimal(0))
    lines = items(data, "refund_line_items")
    return sum(
        (money(line, "subtotal", f"refund_line_items[{i}].") for i, line in enumerate(lines)), Decimal(0)
    )


def _order(topic: str, data: dict[str, Any], delivery: str) -> TouchpointEvent:
    if topic == "refunds/create":
        order_id = text(data, "order_id", required=True)
        refund_id = text(data, "id") or delivery
        return TouchpointEvent(
            source=SOURCE,
            event_id=f"refund:{refund_id}",
            kind=Kind.ORDER_REFUNDED,
            occurred_at=timestamp(data, "created_at"),
            identity=Identity(order_ref=f"shopify:{order_id}"),
            order=Order(order_id=str(order_id), total=_refund_amount(data)),
            name=topic,
        )
    order_id = text(data, "id", required=True)
    assert order_id is not None
    at = timestamp(data, "created_at")
    cancelled = topic == "orders/cancelled" or bool(data.get("cancelled_at"))
    kind = Kind.ORDER_CANCELLED if cancelled else Kind.ORDER_PLACED
    return TouchpointEvent(
        source=SOURCE,
        # orders/create, orders/paid and orders/updated all describe one placed order
        event_id=f"order:{order_id}:{kind.value}",
        kind=kind,
        occurred_at=timestamp(data, "cancelled_at", default=at) if cancelled else at,
        identity=_identity(data, text(data, "checkout_token")).model_copy(
            update={"order_ref": f"shopify:{order_id}"}
        ),
        consents=_consents(data, at, "order"),
        traits=_traits(data),
        order=Order(
            order_id=order_id,
            checkout_token=text(data, "checkout_token"),
            cart_token=text(data, "cart_token"),
            items=_line_items(data),
            total=money(data, "total_price"),
            currency=text(data, "presentment_currency") or text(data, "currency") or "",
            discounted=money(data, "total_discounts") > 0 or bool(data.get("discount_codes")),
        ),
        name=topic,
    )


def _customer(topic: str, data: dict[str, Any], delivery: str) -> TouchpointEvent:
    if topic == "shop/redact":
        raise Ignored("shop/redact: this deployment serves one shop; erase it by deleting the stack")
    if topic in ("customers/redact", "customers/data_request"):
        identity, _ = common.customer(data, SOURCE)
        if not identity.aliases():
            raise PayloadError("missing required field 'customer.id' or 'customer.email'")
        kind = Kind.PRIVACY_REDACT if topic == "customers/redact" else Kind.PRIVACY_EXPORT
        return TouchpointEvent(
            source=SOURCE,
            event_id=f"privacy:{delivery}",
            kind=kind,
            occurred_at=timestamp({}, "now"),
            identity=identity,
            name=topic,
        )
    customer_id = text(data, "id", required=True)
    at = timestamp(data, "updated_at", default=timestamp(data, "created_at"))
    return TouchpointEvent(
        source=SOURCE,
        event_id=f"customer:{customer_id}:{text(data, 'updated_at') or delivery}",
        kind=Kind.CUSTOMER_UPDATED,
        occurred_at=at,
        identity=Identity(
            email=text(data, "email"),
            phone=text(data, "phone"),
            platform_id=f"shopify:{customer_id}",
            region=text(obj(data, "default_address"), "country_code", "default_address."),
        ),
        consents=_consents({**data, "customer": {}}, at, "customer"),
        traits=Traits(
            first_name=text(data, "first_name"),
            last_name=text(data, "last_name"),
            country=text(obj(data, "default_address"), "country_code"),
            locale=text(data, "locale"),
        ),
        name=topic,
    )
