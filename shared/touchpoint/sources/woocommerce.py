"""WooCommerce order webhooks; pending and failed orders are abandoned checkouts."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from touchpoint import config
from touchpoint.events import Checkout, Consent, Identity, Kind, LineItem, Order, TouchpointEvent, Traits
from touchpoint.sources import Ignored, Request, jsonbody, signing, topic_shapes
from touchpoint.sources.jsonbody import items, money, obj, quantity, text, timestamp

ORDER_TOPICS = frozenset({"order.created", "order.updated"})  # what /webhooks/woocommerce/orders acts on

SOURCE = "woocommerce"
PLACED = {"processing", "completed", "on-hold"}
ABANDONED = {"pending", "failed", "checkout-draft"}


def is_ping(request: Request) -> bool:
    """The unsigned form-encoded `webhook_id=N` sent when a webhook is created."""
    if request.header("X-WC-Webhook-Signature"):
        return False
    try:
        form = parse_qs(request.body.decode("utf-8"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return set(form) == {"webhook_id"}


def verify(request: Request) -> None:
    if is_ping(request):
        raise Ignored("webhook ping")
    secret = config.secret("WOOCOMMERCE_WEBHOOK_SECRET")
    presented = request.header("X-WC-Webhook-Signature")
    expected = signing.b64_hmac_sha256(secret, request.body) if secret else ""
    signing.require(secret, presented, expected, "X-WC-Webhook-Signature")


def normalize(request: Request, resource: str) -> list[TouchpointEvent]:
    topic = request.header("X-WC-Webhook-Topic") or "order.updated"
    if topic not in ORDER_TOPICS:
        raise Ignored(f"topic {jsonbody.shown(topic)} is not handled on this route")
    data = jsonbody.parse_object(request.body)
    topic_shapes.require(topic_shapes.WOOCOMMERCE, topic, data)
    order_id = text(data, "id", required=True)
    assert order_id is not None
    status = text(data, "status") or "pending"
    billing = obj(data, "billing")
    at = timestamp(data, "date_modified_gmt", default=timestamp(data, "date_created_gmt"))
    customer_id = text(data, "customer_id")
    identity = Identity(
        email=text(billing, "email", "billing."),
        phone=text(billing, "phone", "billing."),
        platform_id=f"woocommerce:{customer_id}" if customer_id and customer_id != "0" else None,
        order_ref=f"woocommerce:{order_id}",
        region=text(billing, "country", "billing."),
    )
    lines = []
    for i, line in enumerate(items(data, "line_items")):
        where = f"line_items[{i}]."
        lines.append(
            LineItem(
                product_id=text(line, "product_id", where, required=True) or "",
                title=text(line, "name", where) or "",
                quantity=quantity(line, "quantity", where),
                price=money(line, "price", where),
            )
        )
    traits = Traits(
        first_name=text(billing, "first_name", "billing."),
        country=text(billing, "country", "billing."),
        province=text(billing, "state", "billing."),
    )
    consents: tuple[Consent, ...] = ()
    base: dict[str, Any] = {
        "source": SOURCE,
        "occurred_at": at,
        "identity": identity,
        "traits": traits,
        "consents": consents,
        "name": topic,
    }
    total, currency = money(data, "total"), text(data, "currency") or ""
    if status in ABANDONED:
        checkout = Checkout(
            token=f"wc-order-{order_id}",
            items=tuple(lines),
            total=total,
            currency=currency,
            url=text(data, "payment_url"),
        )
        return [
            TouchpointEvent(
                event_id=f"order:{order_id}:{status}:{at.isoformat()}",
                kind=Kind.CHECKOUT_UPDATED,
                checkout=checkout,
                **base,
            )
        ]
    kinds = {"cancelled": Kind.ORDER_CANCELLED, "refunded": Kind.ORDER_REFUNDED}
    if status not in PLACED and status not in kinds:
        # custom statuses (plugins add "shipped", "trash"...): accepted, nothing to act on
        raise Ignored(f"order status {jsonbody.shown(status)} is not acted on")
    kind = kinds.get(status, Kind.ORDER_PLACED)
    order = Order(
        order_id=order_id,
        discounted=money(data, "discount_total") > 0 or bool(data.get("coupon_lines")),
        checkout_token=f"wc-order-{order_id}",
        items=tuple(lines),
        total=total,
        currency=currency,
    )
    return [TouchpointEvent(event_id=f"order:{order_id}:{kind.value}", kind=kind, order=order, **base)]
