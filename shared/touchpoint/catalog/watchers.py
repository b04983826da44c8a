"""Who is waiting on a product: customers who viewed or carted it lately. When it comes back
in stock or its price drops, the Catalog function tells each of them through the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from pynamodb.transactions import TransactWrite

from touchpoint.events import TouchpointEvent
from touchpoint.kinds import WATCH_KINDS
from touchpoint.profiles.models import WATCH_PREFIX, WatchItem, product_pk

WATCH_DAYS = timedelta(days=60)
MAX_PER_EVENT = 5  # a checkout with many lines watches its first few: a bounded write
MAX_FANOUT = 1000  # customers told about one change in one invocation


def products_watched(event: TouchpointEvent) -> list[str]:
    if event.kind not in WATCH_KINDS:
        return []
    lines = event.checkout.items if event.checkout else event.products
    return list(dict.fromkeys(line.product_id for line in lines))[:MAX_PER_EVENT]


def stage(tx: TransactWrite, customer_id: str, event: TouchpointEvent) -> None:
    """In the event's own transaction: interest is recorded exactly when the event is applied."""
    for item in _watches(customer_id, products_watched(event)):
        tx.save(item)


def put(customer_id: str, event: TouchpointEvent) -> None:
    """Outside a transaction (an event that writes only its profile): one BatchWriteItem, before
    the profile's write. Writing a watch again only moves its expiry."""
    products = products_watched(event)
    if not products:
        return
    with WatchItem.batch_write() as batch:
        for item in _watches(customer_id, products):
            batch.save(item)


def _watches(customer_id: str, products: list[str]) -> Iterator[WatchItem]:
    for product in products:
        yield WatchItem(
            product_pk(product), WATCH_PREFIX + customer_id, customer_id=customer_id, expires_at=WATCH_DAYS
        )


def of(product_id: str) -> Iterator[str]:
    """The customers watching a product (one Query, paged), at most MAX_FANOUT."""
    query = WatchItem.query(
        product_pk(product_id), WatchItem.sk.startswith(WATCH_PREFIX), limit=MAX_FANOUT, page_size=250
    )
    for item in query:
        yield item.customer_id
