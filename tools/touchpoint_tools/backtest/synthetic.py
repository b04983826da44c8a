"""A synthetic shop: shoppers who browse, cart, check out, order, and open support tickets.

Every shopper is generated from their own seeded random stream (`<seed>:<n>`), so a shopper's
history does not depend on how many others there are, and any run is reproducible. The
parameters live in model.yaml (section `shop`); docs/backtest.md explains them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from touchpoint.events import (
    Checkout,
    Consent,
    Identity,
    Kind,
    LineItem,
    Order,
    Ticket,
    TouchpointEvent,
    Traits,
)

CURRENCY = {"US": "USD", "CA": "CAD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "AU": "AUD"}
PHONE_PREFIX = {
    "US": "+1212555",
    "CA": "+1416555",
    "GB": "+4477009",
    "DE": "+491512",
    "FR": "+33612",
    "AU": "+61412",
}


@dataclass(frozen=True)
class Product:
    product_id: str
    title: str
    category: str
    price: Decimal
    in_stock: bool

    def line(self, quantity: int = 1) -> LineItem:
        return LineItem(
            product_id=self.product_id,
            title=self.title,
            quantity=quantity,
            price=self.price,
            category=self.category,
        )


def catalog(params: dict[str, Any], seed: int) -> list[Product]:
    rng = random.Random(f"{seed}:catalog")
    low, high = params["price_range"]
    products = []
    for n in range(params["products"]):
        category = params["categories"][n % len(params["categories"])]
        price = math.exp(rng.uniform(math.log(low), math.log(high)))
        products.append(
            Product(
                product_id=f"sku-{n:04d}",
                title=f"{category.title()} No. {n}",
                category=category,
                price=Decimal(f"{price:.2f}"),
                in_stock=rng.random() >= params["out_of_stock"],
            )
        )
    return products


@dataclass(frozen=True)
class Shopper:
    n: int
    country: str
    zone: str
    province: str | None
    email: str
    phone: str | None
    account: bool  # has a shop account (a platform customer id), else checks out as a guest
    email_consent: bool
    sms_consent: bool

    @property
    def identity(self) -> Identity:
        return Identity(
            email=self.email,
            phone=self.phone,
            platform_id=f"shopify:{self.n}" if self.account else None,
            anonymous_id=self.anonymous_id,
            region=self.country,
        )

    @property
    def anonymous_id(self) -> str:
        return f"anon-{self.n}"


class Shop:
    """Generates each shopper's events in [start, start + days)."""

    def __init__(self, params: dict[str, Any], seed: int, start: datetime, days: int) -> None:
        self.params, self.seed, self.start, self.days = params, seed, start, days
        self.products = catalog(params["catalog"], seed)
        self.orderable = [p for p in self.products if p.in_stock]
        self._countries = list(params["countries"])
        self._country_weights = [params["countries"][c]["share"] for c in self._countries]

    def shopper(self, n: int, rng: random.Random) -> Shopper:
        country = rng.choices(self._countries, self._country_weights)[0]
        place = self.params["countries"][country]
        pick = rng.randrange(len(place["zones"]))
        provinces = place.get("provinces") or [None]
        phone = None
        if rng.random() < self.params["phone"]:
            phone = f"{PHONE_PREFIX[country]}{n % 10000:04d}"
        email_consent = rng.random() < self.params["email_consent"]
        return Shopper(
            n=n,
            country=country,
            zone=place["zones"][pick],
            province=provinces[min(pick, len(provinces) - 1)],
            email=f"shopper{n}@example.com",
            phone=phone,
            account=rng.random() < 0.5,
            email_consent=email_consent,
            sms_consent=phone is not None and rng.random() < self.params["sms_consent"],
        )

    def events(self, n: int) -> list[TouchpointEvent]:
        """One shopper's events, in time order."""
        rng = random.Random(f"{self.seed}:{n}")
        who = self.shopper(n, rng)
        visits = _poisson(rng, self.params["sessions_per_30_days"] * self.days / 30)
        found: list[TouchpointEvent] = []
        for k in range(max(1, visits)):
            found.extend(Visit(self, who, k, rng).events())
        end = self.start + timedelta(days=self.days)
        return sorted((e for e in found if e.occurred_at < end), key=lambda e: (e.occurred_at, e.event_id))

    def visit_start(self, who: Shopper, rng: random.Random) -> datetime:
        zone = ZoneInfo(who.zone)
        for _ in range(20):  # draw a day, then an hour of that day by the traffic curve
            day = rng.randrange(self.days)
            local = (self.start + timedelta(days=day)).astimezone(zone)
            if rng.random() * 1.2 > self.params["weekday_weights"][local.weekday()]:
                continue
            break
        hour = rng.choices(range(24), self.params["hour_weights"])[0]
        local = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
        return local.astimezone(self.start.tzinfo)


class Visit:
    """One session: product views, perhaps a cart, a checkout, an order, a ticket."""

    def __init__(self, shop: Shop, who: Shopper, k: int, rng: random.Random) -> None:
        self.shop, self.who, self.k, self.rng = shop, who, k, rng
        self.params = shop.params
        self.at = shop.visit_start(who, rng)
        self.found: list[TouchpointEvent] = []

    def _event(self, kind: Kind, source: str, suffix: str, **fields: Any) -> TouchpointEvent:
        fields.setdefault("identity", self.who.identity)
        event = TouchpointEvent(
            source=source,
            event_id=f"{self.who.n}-{self.k}-{suffix}",
            kind=kind,
            occurred_at=self.at,
            **fields,
        )
        self.found.append(event)
        return event

    def _later(self, minutes: float) -> None:
        self.at += timedelta(minutes=minutes)

    def events(self) -> list[TouchpointEvent]:
        cart = self._browse()
        if cart and self.rng.random() < self.params["checkout"]:
            self._checkout(cart)
        return self.found

    def _browse(self) -> list[Product]:
        low, high = self.params["products_per_visit"]
        traits = (
            Traits(timezone=self.who.zone)
            if self.rng.random() < self.params["browser_timezone"]
            else Traits()
        )
        browsing = Identity(anonymous_id=self.who.anonymous_id)
        viewed = self.rng.sample(self.shop.products, self.rng.randint(low, high))
        for j, product in enumerate(viewed):
            self._event(
                Kind.PRODUCT_VIEWED,
                "segment",
                f"v{j}",
                identity=browsing,
                traits=traits,
                products=(product.line(),),
            )
            self._later(self.rng.uniform(0.3, 3))
        cart = [p for p in viewed if p.in_stock][:3]
        if not cart or self.rng.random() >= self.params["add_to_cart"]:
            return []
        for j, product in enumerate(cart):
            self._event(Kind.PRODUCT_ADDED, "segment", f"a{j}", identity=browsing, products=(product.line(),))
            self._later(self.rng.uniform(0.2, 2))
        return cart

    def _consents(self) -> tuple[Consent, ...]:
        def state(granted: bool) -> Any:
            return "subscribed" if granted else "not_subscribed"

        found = [Consent(channel="email", state=state(self.who.email_consent), at=self.at, source="shopify")]
        if self.who.phone:
            found.append(
                Consent(channel="sms", state=state(self.who.sms_consent), at=self.at, source="shopify")
            )
        return tuple(found)

    def _checkout(self, cart: list[Product]) -> None:
        who = self.who
        token = f"ck-{who.n}-{self.k}"
        lines = tuple(p.line() for p in cart)
        total = sum((p.price for p in cart), Decimal(0))
        currency = CURRENCY[who.country]
        traits = Traits(first_name=f"Shopper{who.n}", country=who.country, province=who.province)
        self._event(
            Kind.CHECKOUT_UPDATED,
            "shopify",
            "checkout",
            consents=self._consents(),
            traits=traits,
            checkout=Checkout(
                token=token,
                items=lines,
                total=total,
                currency=currency,
                url=f"https://shop.example/c/{token}",
            ),
        )
        if self.rng.random() < self.params["order_at_once"]:
            self._later(self.rng.uniform(2, 15))
        elif self.rng.random() < self.params["returns_to_order"]:
            self._later(60 * self.rng.uniform(*self.params["returns_within_hours"]))
        else:
            return
        self._event(
            Kind.ORDER_PLACED,
            "shopify",
            "order",
            order=Order(
                order_id=f"o-{who.n}-{self.k}",
                checkout_token=token,
                items=lines,
                total=total,
                currency=currency,
            ),
        )
        if self.rng.random() < self.params["ticket_after_order"]:
            self._ticket()

    def _ticket(self) -> None:
        ticket_id = f"t-{self.who.n}-{self.k}"
        identity = Identity(email=self.who.email)
        self._later(60 * self.rng.uniform(12, 72))
        self._event(
            Kind.TICKET_OPENED, "zendesk", "t-open", identity=identity, ticket=Ticket(ticket_id=ticket_id)
        )
        self._later(60 * self.rng.uniform(4, 48))
        solved = Ticket(ticket_id=ticket_id, status="solved")
        self._event(Kind.TICKET_SOLVED, "zendesk", "t-solved", identity=identity, ticket=solved)
        self._later(self.rng.uniform(30, 600))
        rating = "bad" if self.rng.random() < self.params["bad_rating"] else "good"
        rated = Ticket(ticket_id=ticket_id, status="solved", rating=rating)
        self._event(Kind.TICKET_RATED, "zendesk", "t-rated", identity=identity, ticket=rated)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of visits per shopper."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def stream(shop: Shop, shoppers: int, shard: int = 0, shards: int = 1) -> Iterator[TouchpointEvent]:
    """The events of shoppers n (n < shoppers, n % shards == shard), merged in time order."""
    import heapq

    per_shopper = (iter(shop.events(n)) for n in range(shard, shoppers, shards))
    return heapq.merge(*per_shopper, key=lambda e: (e.occurred_at, e.event_id))
