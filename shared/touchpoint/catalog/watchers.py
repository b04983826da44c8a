"""Who is waiting on a product: customers who viewed or carted it lately. When it comes back
in stock or its price drops, the Catalog function tells each of them through the pipeline.

Where the event archive is on (as deployed), watches are written from it, off the event's path:
the Watches function reads each new archive object and writes its watches in BatchWriteItems of
25, so a product view is one profile write and a checkout's transaction carries no watch items.
A watch then exists a few minutes after the view (Firehose's buffer). Without an archive they
are written with the event, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.archive import store as archive
from touchpoint.archive.record import Landed
from touchpoint.kinds import WATCH_KINDS
from touchpoint.profiles.models import WATCH_PREFIX, WatchItem, product_pk

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from touchpoint.events import TouchpointEvent

WATCH_DAYS = timedelta(days=60)
MAX_PER_EVENT = 5  # a checkout with many lines watches its first few: a bounded write
MAX_FANOUT = 1000  # customers told about one change in one invocation
# Firehose delivers an object within minutes of its events, retrying a failing delivery up to a day
LANDS_WITHIN = timedelta(days=1)


def products_watched(event: TouchpointEvent) -> list[str]:
    return watched_in(event.kind.value, event.model_dump(mode="json", include={"checkout", "products"}))


def watched_in(kind: str, event: dict[str, Any]) -> list[str]:
    """The products an event shows interest in, from its JSON form (as archived): a checkout's
    lines, else the products viewed or added; the first few."""
    if kind not in WATCH_KINDS:
        return []
    lines = (event.get("checkout") or {}).get("items") if event.get("checkout") else event.get("products")
    return list(dict.fromkeys(str(line["product_id"]) for line in lines or ()))[:MAX_PER_EVENT]


def with_the_event() -> bool:
    """Without an archive to write them from, watches go with the event's own write."""
    return not archive.enabled()


def stage(tx: TransactWrite, customer_id: str, event: TouchpointEvent) -> None:
    """In the event's own transaction: interest is recorded exactly when the event is applied."""
    if with_the_event():
        for item in _watches(customer_id, products_watched(event)):
            tx.save(item)


def put(customer_id: str, event: TouchpointEvent) -> None:
    """Outside a transaction (an event that writes only its profile): one BatchWriteItem, before
    the profile's write. Writing a watch again only moves its expiry."""
    products = products_watched(event) if with_the_event() else []
    if products:
        _write(_watches(customer_id, products))


@dataclass
class Interest:
    """What one archive object shows, read once: whose events it holds (for their erasures) and
    each customer's latest interest in each product. Its size grows with the customers and
    products, not with the object's events."""

    customers: set[str] = field(default_factory=set)
    latest: dict[tuple[str, str], datetime] = field(default_factory=dict)

    @classmethod
    def read(cls, records: Iterable[Landed], now: datetime) -> Interest:
        """Events older than LANDS_WITHIN show none: such an object is an old one an erasure
        rewrote, whose watches were written when it landed, and writing them again would set
        back the expiry a later view moved."""
        interest = cls()
        for record in records:
            if not record.customer_id:
                continue
            interest.customers.add(record.customer_id)
            fresh = record.received_at >= now - LANDS_WITHIN
            for product in watched_in(record.kind, record.event) if fresh else []:
                key = (record.customer_id, product)
                interest.latest[key] = max(interest.latest.get(key, record.received_at), record.received_at)
        return interest

    def write(self, erased: Mapping[str, datetime]) -> int:
        """One watch per customer and product (the latest view sets its expiry), in
        BatchWriteItems of 25, but none whose events an erasure removed; returns how many. An
        object read twice writes the same items again."""
        standing = {
            (customer_id, product): received_at
            for (customer_id, product), received_at in self.latest.items()
            if customer_id not in erased or received_at > erased[customer_id]
        }
        _write(
            _watch(customer_id, product, received_at + WATCH_DAYS)
            for (customer_id, product), received_at in sorted(standing.items())
        )
        return len(standing)


def _write(items: Iterable[WatchItem]) -> None:
    with WatchItem.batch_write() as batch:
        for item in items:
            batch.save(item)


def _watches(customer_id: str, products: list[str]) -> Iterator[WatchItem]:
    for product in products:
        yield _watch(customer_id, product, WATCH_DAYS)


def _watch(customer_id: str, product: str, expires: timedelta | datetime) -> WatchItem:
    return WatchItem(
        product_pk(product), WATCH_PREFIX + customer_id, customer_id=customer_id, expires_at=expires
    )


def of(product_id: str) -> Iterator[str]:
    """The customers watching a product (one Query, paged), at most MAX_FANOUT."""
    query = WatchItem.query(
        product_pk(product_id), WatchItem.sk.startswith(WATCH_PREFIX), limit=MAX_FANOUT, page_size=250
    )
    for item in query:
        yield item.customer_id
