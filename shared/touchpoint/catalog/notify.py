"""A catalog change that shoppers were waiting for becomes one event per watcher: back in stock
(unavailable -> available) and price drop (down by at least the playbook's share). The events go
through the same pipeline as everything else, so consent, caps and smart sending apply."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from touchpoint import pipeline
from touchpoint.catalog import store, watchers
from touchpoint.catalog.model import InventoryLevel, Product
from touchpoint.errors import Ignored
from touchpoint.events import Identity, Kind, LineItem, TouchpointEvent
from touchpoint.playbook.loading import current_playbook


def signal(before: Product | None, after: Product | None, drop_share: float) -> Kind | None:
    """What the change means to someone who looked at the product, if anything."""
    if before is None or after is None or not after.recommendable:
        return None
    if not before.available:
        return Kind.BACK_IN_STOCK
    if (
        before.price
        and after.price is not None
        and (before.price - after.price) >= before.price * Decimal(str(drop_share))
    ):
        return Kind.PRICE_DROPPED
    return None


def _event(kind: Kind, product: Product, customer_id: str) -> TouchpointEvent:
    line = LineItem(product_id=product.product_id, title=product.title, price=product.price or Decimal(0))
    return TouchpointEvent(
        source="catalog",
        event_id=f"{kind.value}:{product.product_id}:{product.updated_at.isoformat()}:{customer_id}",
        kind=kind,
        occurred_at=datetime.now(UTC),
        identity=Identity(customer_id=customer_id),
        products=(line,),
        creates_profile=False,
    )


def apply(change: Product | InventoryLevel) -> store.CatalogOutcome:
    """Store the change, then tell whoever was waiting for it."""
    outcome = store.apply(change)
    playbook = current_playbook()
    kind = signal(outcome.before, outcome.after, playbook.catalog.price_drop_share)
    if kind is None or outcome.after is None:
        return outcome
    told = 0
    for customer_id in watchers.of(outcome.product_id):
        try:
            told += 0 if pipeline.handle(_event(kind, outcome.after, customer_id)).duplicate else 1
        except Ignored:
            continue  # a watcher erased since: nobody to tell
    return replace(outcome, notified=told)
