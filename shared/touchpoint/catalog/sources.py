"""Product webhooks (Shopify, WooCommerce, generic) and feed files as catalog changes.

Signatures are the same as on every other route of the platform (sources/<platform>.verify).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from touchpoint.catalog.model import InventoryLevel, Product
from touchpoint.errors import Ignored, PayloadError
from touchpoint.sources import Request, jsonbody, topic_shapes
from touchpoint.sources.jsonbody import items, money, obj, quantity, text, timestamp

Change = Product | InventoryLevel
SHOPIFY_TOPICS = {"products/create", "products/update", "products/delete", "inventory_levels/update"}
WOO_TOPICS = {"product.created", "product.updated", "product.deleted", "product.restored"}


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if isinstance(value, list):
        return tuple(str(t.get("name") if isinstance(t, dict) else t) for t in value if t)
    return ()


def _deleted(data: dict[str, Any], key: str = "id") -> Product:
    product_id = text(data, key, required=True)
    assert product_id is not None
    return Product(product_id=product_id, updated_at=datetime.now(UTC), deleted=True, available=False)


def _shopify_product(data: dict[str, Any], domain: str) -> Product:
    product_id = text(data, "id", required=True)
    assert product_id is not None
    variants = items(data, "variants")
    first = variants[0] if variants else {}
    stock = [quantity(v, "inventory_quantity", f"variants[{i}].") for i, v in enumerate(variants)]
    tracked = any(v.get("inventory_management") for v in variants)
    handle = text(data, "handle") or ""
    image = obj(data, "image") or next(iter(items(data, "images")), {})
    return Product(
        product_id=product_id,
        updated_at=timestamp(data, "updated_at"),
        title=text(data, "title") or "",
        url=f"https://{domain}/products/{handle}" if domain and handle else "",
        image_url=text(image, "src", "image.") or "",
        price=money(first, "price", "variants[0].") if first else None,
        compare_at_price=money(first, "compare_at_price", "variants[0].") or None if first else None,
        category=text(data, "product_type") or "",
        tags=_tags(data.get("tags")),
        vendor=text(data, "vendor") or "",
        available=(text(data, "status") or "active") == "active" and (not tracked or sum(stock) > 0),
        inventory=sum(stock) if tracked else None,
        inventory_items=tuple(t for v in variants if (t := text(v, "inventory_item_id"))),
    )


def shopify(request: Request, resource: str = "products") -> list[Change]:
    topic = request.header("X-Shopify-Topic")
    if not topic:
        raise PayloadError("missing required header 'X-Shopify-Topic'")
    if topic not in SHOPIFY_TOPICS:
        raise Ignored(f"topic {jsonbody.shown(topic)} is not handled on this route")
    data = jsonbody.parse_object(request.body)
    topic_shapes.require(topic_shapes.SHOPIFY, topic, data)
    if topic == "products/delete":
        return [_deleted(data)]
    if topic == "inventory_levels/update":
        item = text(data, "inventory_item_id", required=True)
        assert item is not None
        units = data.get("available")
        if units is not None and (isinstance(units, bool) or not isinstance(units, int)):
            raise PayloadError("field 'available' must be an integer")
        return [
            InventoryLevel(
                inventory_item_id=item,
                location_id=text(data, "location_id") or "",
                available=max(0, units or 0),  # oversold items report negative numbers
                updated_at=timestamp(data, "updated_at"),
            )
        ]
    return [_shopify_product(data, request.header("X-Shopify-Shop-Domain"))]


def woocommerce(request: Request, resource: str = "products") -> list[Change]:
    topic = request.header("X-WC-Webhook-Topic")
    if request.body.startswith(b"webhook_id="):
        raise Ignored("WooCommerce webhook ping")
    if topic not in WOO_TOPICS:
        raise Ignored(f"topic {jsonbody.shown(topic)} is not handled on this route")
    data = jsonbody.parse_object(request.body)
    topic_shapes.require(topic_shapes.WOOCOMMERCE, topic, data)
    if topic == "product.deleted":
        return [_deleted(data)]
    product_id = text(data, "id", required=True)
    assert product_id is not None
    stock = data.get("stock_quantity")
    categories = items(data, "categories")
    images = items(data, "images")
    regular, price = money(data, "regular_price"), money(data, "price")
    return [
        Product(
            product_id=product_id,
            updated_at=timestamp(data, "date_modified_gmt"),
            title=text(data, "name") or "",
            url=text(data, "permalink") or "",
            image_url=text(images[0], "src", "images[0].") or "" if images else "",
            price=price,
            compare_at_price=regular if regular > price else None,
            category=text(categories[0], "name", "categories[0].") or "" if categories else "",
            tags=_tags(data.get("tags")),
            available=(text(data, "stock_status") or "instock") != "outofstock"
            and (text(data, "status") or "publish") == "publish",
            inventory=stock if isinstance(stock, int) and not isinstance(stock, bool) else None,
        )
    ]


def generic_product(p: dict[str, Any], where: str = "product.") -> Product:
    product_id = text(p, "id", where, required=True)
    assert product_id is not None
    text(p, "updated_at", where, required=True)  # the dedup and ordering key
    inventory = p.get("inventory")
    if inventory is not None and (isinstance(inventory, bool) or not isinstance(inventory, int)):
        raise PayloadError(f"field '{where}inventory' must be an integer")
    available = p.get("available", True)
    if not isinstance(available, bool):
        raise PayloadError(f"field '{where}available' must be true or false")
    return Product(
        product_id=product_id,
        updated_at=timestamp(p, "updated_at", where),
        title=text(p, "title", where) or "",
        url=text(p, "url", where) or "",
        image_url=text(p, "image_url", where) or "",
        price=money(p, "price", where) if p.get("price") not in (None, "") else None,
        compare_at_price=money(p, "compare_at_price", where) or None,
        currency=text(p, "currency", where) or "",
        category=text(p, "category", where) or "",
        tags=_tags(p.get("tags")),
        vendor=text(p, "vendor", where) or "",
        available=available and (inventory is None or inventory > 0),
        inventory=inventory,
    )


def generic(request: Request, resource: str = "products") -> list[Change]:
    data = jsonbody.parse_object(request.body)
    action = text(data, "action") or "upsert"
    if action not in ("upsert", "delete"):
        raise PayloadError("field 'action' must be upsert or delete")
    product = obj(data, "product")
    if action == "delete":
        return [_deleted(product)]
    return [generic_product(product)]
