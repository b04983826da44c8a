"""Product items in the table: written newest-first, read in one BatchGetItem when rendering.

A product write is conditioned on its `updated_at`: a redelivery, or an older update that
arrives late, changes nothing and is answered as a duplicate, like every other webhook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from touchpoint.catalog.cache import Expiring
from touchpoint.catalog.model import InventoryLevel, Product
from touchpoint.errors import Ignored
from touchpoint.identity import key_part
from touchpoint.profiles.models import InventoryAlias, ProductItem, product_pk


@dataclass(frozen=True)
class CatalogOutcome:
    product_id: str
    duplicate: bool = False
    deleted: bool = False
    available: bool | None = None
    before: Product | None = None  # the stored version this change replaced
    after: Product | None = None
    notified: int = 0  # watchers told about it (back in stock, price drop)

    def summary(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "duplicate": self.duplicate,
            "deleted": self.deleted,
            "available": self.available,
            "notified": self.notified,
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _item(product: Product) -> ProductItem:
    return ProductItem(
        product_pk(product.product_id),
        "PRODUCT",
        product_id=product.product_id,
        updated_at=product.updated_at,
        title=product.title or None,
        url=product.url or None,
        image_url=product.image_url or None,
        price=_text(product.price),
        compare_at_price=_text(product.compare_at_price),
        currency=product.currency or None,
        category=product.category or None,
        tags=list(product.tags) or None,
        vendor=product.vendor or None,
        available=product.available,
        inventory=product.inventory,
        deleted=product.deleted,
    )


def _newer(updated_at: datetime) -> Any:
    return ProductItem.updated_at.does_not_exist() | (ProductItem.updated_at < updated_at)


def save(product: Product) -> CatalogOutcome:
    """Upsert (or mark deleted) unless the stored version is as new or newer."""
    before = read([product.product_id]).get(product.product_id)
    try:
        _item(product).save(condition=_newer(product.updated_at))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return CatalogOutcome(product.product_id, duplicate=True)
    for inventory_item in product.inventory_items:
        InventoryAlias(f"INV#{key_part(inventory_item)}", "PRODUCT", product_id=product.product_id).save()
    return CatalogOutcome(
        product.product_id, deleted=product.deleted, available=product.available, before=before, after=product
    )


def save_level(level: InventoryLevel) -> CatalogOutcome:
    """Units at one location of one variant; the product is available while any are left."""
    try:
        alias = InventoryAlias.get(f"INV#{key_part(level.inventory_item_id)}", "PRODUCT")
        item = ProductItem.get(product_pk(alias.product_id), "PRODUCT")
    except (InventoryAlias.DoesNotExist, ProductItem.DoesNotExist):
        raise Ignored("inventory update for a product this deployment never saw") from None
    stock = dict(item.stock.as_dict() if item.stock else {})
    stock[f"{level.inventory_item_id}@{level.location_id}"] = level.available
    units = sum(int(v) for v in stock.values())
    available = units > 0 and not item.deleted
    before = _product(item)
    try:
        item.update(
            actions=[
                ProductItem.stock.set(stock),
                ProductItem.inventory.set(units),
                ProductItem.available.set(available),
            ],
            condition=ProductItem.updated_at == item.updated_at,  # a product update in between wins
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return CatalogOutcome(item.product_id, duplicate=True)
    after = before.model_copy(update={"available": available, "inventory": units})
    return CatalogOutcome(item.product_id, available=available, before=before, after=after)


def apply(change: Product | InventoryLevel) -> CatalogOutcome:
    return save_level(change) if isinstance(change, InventoryLevel) else save(change)


def _product(item: ProductItem) -> Product:
    return Product(
        product_id=item.product_id,
        updated_at=item.updated_at,
        title=item.title or "",
        url=item.url or "",
        image_url=item.image_url or "",
        price=Decimal(item.price) if item.price else None,
        compare_at_price=Decimal(item.compare_at_price) if item.compare_at_price else None,
        currency=item.currency or "",
        category=item.category or "",
        tags=tuple(item.tags or ()),
        vendor=item.vendor or "",
        available=bool(item.available),
        inventory=int(item.inventory) if item.inventory is not None else None,
        deleted=bool(item.deleted),
    )


_held: Expiring[Product] = Expiring()


def read_cached(product_ids: list[str], fresh: Sequence[str] = ()) -> dict[str, Product]:
    """`read`, through the Sender's one-minute cache (catalog/cache.py): for recommendations.
    The `fresh` ones (what a message is about) are read whatever the cache holds, in the same
    BatchGetItem as the recommendations it lacks."""
    return _held.get_many(product_ids, read, fresh)


def keys_of(product_ids: list[str]) -> list[tuple[str, str]]:
    """The table keys of these products, each once."""
    return [(product_pk(p), "PRODUCT") for p in dict.fromkeys(key_part(p) for p in product_ids)]


def read(product_ids: list[str]) -> dict[str, Product]:
    """The products the catalog knows among these ids, in as few BatchGetItems as it takes
    (pynamodb pages by 100 keys)."""
    return {item.product_id: _product(item) for item in ProductItem.batch_get(keys_of(product_ids))}
