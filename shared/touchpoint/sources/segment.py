"""Segment-spec storefront events on POST /events (HTTP API auth or webhook-destination signature)."""

from __future__ import annotations

import base64
import hmac
from typing import Any

from touchpoint import config
from touchpoint.events import Checkout, Identity, Kind, LineItem, Order, TouchpointEvent, Traits
from touchpoint.sources import PayloadError, Request, SignatureError, jsonbody, signing, storefront
from touchpoint.sources.jsonbody import items, money, obj, quantity, text, timestamp

SOURCE = "segment"
MAX_BATCH = 500
TRACKS = {
    "Product Viewed": Kind.PRODUCT_VIEWED,
    "Product Clicked": Kind.PRODUCT_VIEWED,
    "Product Added": Kind.PRODUCT_ADDED,
    "Product Added to Wishlist": Kind.PRODUCT_ADDED,
    "Checkout Started": Kind.CHECKOUT_UPDATED,
    "Checkout Step Viewed": Kind.CHECKOUT_UPDATED,
    "Checkout Step Completed": Kind.CHECKOUT_UPDATED,
    "Payment Info Entered": Kind.CHECKOUT_UPDATED,
    "Order Completed": Kind.ORDER_PLACED,
    "Order Cancelled": Kind.ORDER_CANCELLED,
    "Order Refunded": Kind.ORDER_REFUNDED,
}


def _by_write_key(request: Request) -> bool:
    """Authenticated (if at all) by the public write key, not by Segment's signature."""
    return request.header("Authorization").lower().startswith("basic ") and bool(
        config.secret("WEB_WRITE_KEY")
    )


def verify(request: Request) -> None:
    write_key = config.secret("WEB_WRITE_KEY")
    shared = config.secret("SEGMENT_SHARED_SECRET")
    auth = request.header("Authorization")
    if _by_write_key(request):
        try:
            user = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            raise SignatureError("Authorization is not valid Basic credentials") from None
        if hmac.compare_digest(user.encode(), write_key.encode()):
            return
        raise SignatureError("unknown write key")
    if request.header("X-Signature") or not write_key:
        expected = signing.hex_hmac(shared, request.body, "sha1") if shared else ""
        signing.require(shared, request.header("X-Signature"), expected, "X-Signature")
        return
    raise SignatureError("missing Authorization (Basic write key) or X-Signature")


def normalize(request: Request, resource: str = "events") -> list[TouchpointEvent]:
    """Events as sent; with the public write key, as the storefront trust model allows
    (sources/storefront.py). Segment's signed webhook destination is the merchant's own
    server-side integration and is taken as sent."""
    data = jsonbody.parse_object(request.body)
    if "batch" in data:
        batch = items(data, "batch")
        if len(batch) > MAX_BATCH:
            raise PayloadError(f"field 'batch' holds more than {MAX_BATCH} events")
        events = [_event(e, f"batch[{i}].") for i, e in enumerate(batch)]
    else:
        events = [_event(data, "")]
    if not _by_write_key(request):
        return events
    hashes, header_hash = _presented_hashes(data), request.header(storefront.HASH_HEADER)
    return [_from_browser(event, hashes.get(event.event_id) or header_hash) for event in events]


def _presented_hashes(data: dict[str, Any]) -> dict[str, str]:
    """messageId -> the user_hash its `context.traits` (or `traits`) carry."""
    found: dict[str, str] = {}
    for e in data.get("batch") or [data]:
        context = e.get("context")
        for traits in ((context or {}).get("traits") if isinstance(context, dict) else None, e.get("traits")):
            presented = traits.get("user_hash") if isinstance(traits, dict) else None
            if isinstance(presented, str) and e.get("messageId") is not None:
                found.setdefault(str(e["messageId"]), presented)
    return found


def _from_browser(event: TouchpointEvent, presented: str | None) -> TouchpointEvent:
    """The event as the trust model allows: a weak identity unless verified, and orders as
    engagement."""
    changes: dict[str, Any] = {"kind": storefront.browser_kind(event.kind), "order": None, "proven": False}
    if event.kind in storefront.MONEY_KINDS and event.order is not None:
        changes["products"] = event.order.items
    if storefront.verified(event.identity, presented):
        changes["proven"] = True
    else:
        changes["identity"] = storefront.weak_identity(event.identity)
        changes["traits"] = storefront.weak_traits(event.traits)
    return event.model_copy(update=changes)


def _products(props: dict[str, Any], where: str) -> tuple[LineItem, ...]:
    listed = items(props, "products", where)
    sources = listed or ([props] if props.get("product_id") or props.get("sku") else [])
    result = []
    for i, p in enumerate(sources):
        at = f"{where}products[{i}]." if listed else where
        product = text(p, "product_id", at) or text(p, "sku", at)
        if not product:
            raise PayloadError(f"missing required field '{at}product_id'")
        result.append(
            LineItem(
                product_id=product,
                title=text(p, "name", at) or "",
                quantity=quantity(p, "quantity", at),
                price=money(p, "price", at),
                category=text(p, "category", at),
            )
        )
    return tuple(result)


def _event(e: dict[str, Any], where: str) -> TouchpointEvent:
    kind_name = text(e, "type", where, required=True)
    message_id = text(e, "messageId", where, required=True)
    assert message_id is not None
    user_id, anonymous_id = text(e, "userId", where), text(e, "anonymousId", where)
    if not (user_id or anonymous_id):
        raise PayloadError(f"missing required field '{where}userId' or '{where}anonymousId'")
    context = obj(e, "context", where)
    traits_in = obj(e, "traits", where) or obj(context, "traits", f"{where}context.")
    props = obj(e, "properties", where)
    identity = Identity(
        email=text(traits_in, "email", f"{where}traits.") or text(props, "email", f"{where}properties."),
        phone=text(traits_in, "phone", f"{where}traits."),
        user_id=user_id,
        anonymous_id=anonymous_id,
        previous_id=text(e, "previousId", where),
    )
    traits = Traits(
        first_name=text(traits_in, "firstName", f"{where}traits.")
        or text(traits_in, "first_name", f"{where}traits."),
        last_name=text(traits_in, "lastName", f"{where}traits.")
        or text(traits_in, "last_name", f"{where}traits."),
        timezone=text(context, "timezone", f"{where}context."),
        locale=text(context, "locale", f"{where}context."),
    )
    at = timestamp(e, "timestamp", where)
    base: dict[str, Any] = {
        "source": SOURCE,
        "event_id": message_id,
        "occurred_at": at,
        "identity": identity,
        "traits": traits,
    }
    if kind_name == "identify":
        return TouchpointEvent(kind=Kind.IDENTIFY, **base)
    if kind_name == "alias":
        if not identity.previous_id:
            raise PayloadError(f"missing required field '{where}previousId'")
        return TouchpointEvent(kind=Kind.ALIAS, **base)
    if kind_name in ("page", "screen"):
        return TouchpointEvent(kind=Kind.PAGE_VIEWED, name=text(e, "name", where), **base)
    if kind_name != "track":
        if kind_name == "group":
            return TouchpointEvent(kind=Kind.TRACK, name="group", **base)
        raise PayloadError(f"field '{where}type' must be track, identify, page, screen, alias or group")
    name = text(e, "event", where, required=True)
    kind = TRACKS.get(name or "", Kind.TRACK)
    products = _products(props, f"{where}properties.")
    if kind == Kind.CHECKOUT_UPDATED:
        token = (
            text(props, "checkout_id")
            or text(props, "cart_id")
            or text(props, "order_id")
            or anonymous_id
            or user_id
        )
        checkout = Checkout(
            token=str(token),
            items=products,
            total=money(props, "total") or money(props, "revenue"),
            currency=text(props, "currency") or "",
        )
        return TouchpointEvent(kind=kind, name=name, checkout=checkout, **base)
    if kind in (Kind.ORDER_PLACED, Kind.ORDER_CANCELLED, Kind.ORDER_REFUNDED):
        order_id = text(props, "order_id", f"{where}properties.", required=True)
        assert order_id is not None
        order = Order(
            order_id=order_id,
            checkout_token=text(props, "checkout_id"),
            items=products,
            total=money(props, "total") or money(props, "revenue"),
            currency=text(props, "currency") or "",
        )
        return TouchpointEvent(kind=kind, name=name, order=order, **base)
    return TouchpointEvent(kind=kind, name=name, products=products, **base)
