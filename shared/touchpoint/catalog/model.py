"""A product as the catalog keeps it, whatever platform or feed it came from. Pure."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, field_validator

from touchpoint.identity import key_part

MAX_TEXT = 300
MAX_TAGS = 20
MAX_URL = 2000


class Product(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    product_id: str
    updated_at: datetime
    title: str = ""
    url: str = ""
    image_url: str = ""
    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    currency: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    vendor: str = ""
    available: bool = True
    inventory: int | None = None  # units on hand, when the platform tracks them
    deleted: bool = False
    inventory_items: tuple[str, ...] = ()  # Shopify inventory item ids of its variants

    @field_validator("product_id")
    @classmethod
    def _bounded_id(cls, value: str) -> str:
        return key_part(value)

    @field_validator("title", "category", "vendor", "currency")
    @classmethod
    def _bounded_text(cls, value: str) -> str:
        return value[:MAX_TEXT]

    @field_validator("url", "image_url")
    @classmethod
    def _usable_url(cls, value: str) -> str:
        """A link is kept whole or not at all: a cut URL leads nowhere."""
        return value if value.startswith(("https://", "http://")) and len(value) <= MAX_URL else ""

    @field_validator("tags")
    @classmethod
    def _bounded_tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(tag[:60] for tag in value[:MAX_TAGS])

    @property
    def recommendable(self) -> bool:
        """Never recommend what cannot be bought."""
        return self.available and not self.deleted and bool(self.title)


class InventoryLevel(BaseModel):
    """Shopify's inventory_levels/update: units of one inventory item at one location."""

    model_config = ConfigDict(frozen=True)

    inventory_item_id: str
    location_id: str
    available: int
    updated_at: datetime
