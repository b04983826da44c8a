"""Does a body have its topic's documented shape?

Shopify and WooCommerce sign the body only: the topic header is not covered, so a captured
signed body can be replayed under another topic (a checkout as `customers/data_request` or
`customers/redact`, an order as `orders/cancelled`, an old product update as `products/delete`).
Each topic is therefore acted on only when its body has the fields that topic's documented
payload always carries, and none that mark it as another resource. A mismatch is a 400 that
stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from touchpoint.sources import PayloadError

Check = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Shape:
    needs: tuple[str, ...] = ()  # present and not null
    one_of: tuple[str, ...] = ()  # at least one present and not null
    never: tuple[str, ...] = ()  # marks another resource
    only: tuple[str, ...] = ()  # a delete names the record and nothing of its content
    also: tuple[Check, ...] = ()


def _has(data: dict[str, Any], key: str) -> bool:
    return data.get(key) is not None


def _is_object(key: str) -> Check:
    return lambda data: isinstance(data.get(key), dict)


def _is_list(key: str) -> Check:
    return lambda data: isinstance(data.get(key), list)


ORDER_MARKS = ("financial_status", "order_number")
CHECKOUT_MARKS = ("abandoned_checkout_url",)
PRIVACY_MARKS = ("shop_id", "orders_to_redact", "data_request", "orders_requested")

_CHECKOUT = Shape(needs=("token",), never=(*ORDER_MARKS, *PRIVACY_MARKS))
_ORDER = Shape(needs=("id",), one_of=ORDER_MARKS, never=PRIVACY_MARKS)
_CUSTOMER = Shape(needs=("id",), never=("line_items", "token", *ORDER_MARKS, *PRIVACY_MARKS))
_PRIVACY_CUSTOMER = _is_object("customer")

SHOPIFY: dict[str, Shape] = {
    "checkouts/create": _CHECKOUT,
    "checkouts/update": _CHECKOUT,
    "checkouts/delete": _CHECKOUT,
    "orders/create": _ORDER,
    "orders/paid": _ORDER,
    "orders/updated": _ORDER,
    "orders/cancelled": Shape(needs=("id", "cancelled_at"), one_of=ORDER_MARKS, never=PRIVACY_MARKS),
    "refunds/create": Shape(
        needs=("order_id",),
        one_of=("refund_line_items", "transactions"),
        never=(*ORDER_MARKS, *PRIVACY_MARKS),
    ),
    "customers/create": _CUSTOMER,
    "customers/update": _CUSTOMER,
    "customers/data_request": Shape(
        needs=("shop_id",),
        never=("line_items", "token"),
        also=(_PRIVACY_CUSTOMER, _is_object("data_request")),
    ),
    "customers/redact": Shape(
        needs=("shop_id",),
        never=("line_items", "token"),
        also=(_PRIVACY_CUSTOMER, _is_list("orders_to_redact")),
    ),
    "shop/redact": Shape(needs=("shop_id",), never=("customer", "line_items", "token")),
    "products/create": Shape(needs=("id", "title"), never=(*ORDER_MARKS, *CHECKOUT_MARKS, *PRIVACY_MARKS)),
    "products/update": Shape(needs=("id", "title"), never=(*ORDER_MARKS, *CHECKOUT_MARKS, *PRIVACY_MARKS)),
    "products/delete": Shape(needs=("id",), only=("id", "admin_graphql_api_id")),
    "inventory_levels/update": Shape(needs=("inventory_item_id",), never=("title", "line_items")),
}

WOOCOMMERCE: dict[str, Shape] = {
    "order.created": Shape(needs=("id", "status"), one_of=("line_items", "billing"), never=("sku", "type")),
    "order.updated": Shape(needs=("id", "status"), one_of=("line_items", "billing"), never=("sku", "type")),
    "product.created": Shape(needs=("id", "name"), never=("line_items", "billing")),
    "product.updated": Shape(needs=("id", "name"), never=("line_items", "billing")),
    "product.restored": Shape(needs=("id", "name"), never=("line_items", "billing")),
    "product.deleted": Shape(needs=("id",), only=("id",)),
}


def require(shapes: dict[str, Shape], topic: str, data: dict[str, Any]) -> None:
    """PayloadError unless `data` has the shape `topic`'s documented payload has."""
    shape = shapes.get(topic)
    if shape is None:
        return
    missing = [key for key in shape.needs if not _has(data, key)]
    if missing:
        raise PayloadError(f"missing required field '{missing[0]}' for topic '{topic}'")
    if shape.one_of and not any(_has(data, key) for key in shape.one_of):
        raise PayloadError(f"missing required field '{shape.one_of[0]}' for topic '{topic}'")
    foreign = [key for key in (*shape.never, *_beyond(data, shape.only)) if key in data]
    if foreign:
        raise PayloadError(f"field '{foreign[0]}' does not belong in a '{topic}' body")
    if not all(check(data) for check in shape.also):
        raise PayloadError(f"the body does not have the documented shape of topic '{topic}'")


def _beyond(data: dict[str, Any], only: tuple[str, ...]) -> list[str]:
    return sorted(set(data) - set(only)) if only else []
