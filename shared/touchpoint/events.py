"""The canonical event every source is normalized to.

Sources differ in shape and vocabulary; everything after `sources/` sees only
these types, so a new platform is one adapter and no change elsewhere.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from touchpoint.identity import key_part
from touchpoint.kinds import Kind
from touchpoint.languages import normalize_locale

# bounds on what one event may carry, so every item it writes stays small: longer lists are
# cut, longer ids hashed (identity.key_part), longer texts shortened
MAX_LINE_ITEMS = 100
MAX_TEXT = 200


def _short(value: str | None) -> str | None:
    return value[:MAX_TEXT] if value else value


ConsentState = Literal["subscribed", "not_subscribed", "unsubscribed", "pending", "redacted"]
Channel = Literal["email", "sms", "retargeting"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Identity(Frozen):
    email: str | None = None
    phone: str | None = None
    platform_id: str | None = None  # e.g. "shopify:7001"
    anonymous_id: str | None = None
    user_id: str | None = None
    previous_id: str | None = None  # Segment alias
    customer_id: str | None = None  # our own id, echoed back by SendGrid events
    order_ref: str | None = None  # "<platform>:<order id>": how a refund finds its customer
    region: str | None = None  # the address country: how a national phone number is read

    def aliases(self) -> list[tuple[str, str]]:
        """(kind, value) pairs, strongest first: the first one names a new customer."""
        pairs = [
            ("platform", self.platform_id),
            ("user", self.user_id),
            ("email", self.email),
            ("phone", self.phone),
            ("anon", self.anonymous_id),
            ("anon", self.previous_id),
            ("order", self.order_ref),
        ]
        return [(kind, value) for kind, value in pairs if value]


class Consent(Frozen):
    channel: Channel
    state: ConsentState
    at: datetime
    source: str


class LineItem(Frozen):
    product_id: str
    title: str = ""
    quantity: int = 1
    price: Decimal = Decimal(0)
    category: str | None = None

    @field_validator("product_id")
    @classmethod
    def _bounded_id(cls, value: str) -> str:
        return key_part(value)

    @field_validator("title", "category")
    @classmethod
    def _bounded_text(cls, value: str | None) -> str | None:
        return _short(value)


def _first_items(items: tuple[LineItem, ...]) -> tuple[LineItem, ...]:
    return tuple(items[:MAX_LINE_ITEMS])


class Checkout(Frozen):
    token: str
    items: tuple[LineItem, ...] = ()
    total: Decimal = Decimal(0)
    currency: str = ""
    url: str | None = None

    @field_validator("items")
    @classmethod
    def _bounded_items(cls, value: tuple[LineItem, ...]) -> tuple[LineItem, ...]:
        return _first_items(value)

    @field_validator("token")
    @classmethod
    def _bounded_token(cls, value: str) -> str:
        return key_part(value)


class Order(Frozen):
    order_id: str
    checkout_token: str | None = None
    cart_token: str | None = None
    items: tuple[LineItem, ...] = ()
    total: Decimal = Decimal(0)
    currency: str = ""
    discounted: bool = False  # a code or discount was applied: not a full-price order

    @field_validator("items")
    @classmethod
    def _bounded_items(cls, value: tuple[LineItem, ...]) -> tuple[LineItem, ...]:
        return _first_items(value)

    @field_validator("order_id", "checkout_token", "cart_token")
    @classmethod
    def _bounded_ids(cls, value: str | None) -> str | None:
        return key_part(value) if value else value


class Ticket(Frozen):
    ticket_id: str
    status: str = "open"
    rating: str | None = None  # CSAT: good or bad
    nps: int | None = None  # 0..10

    @field_validator("ticket_id")
    @classmethod
    def _bounded_id(cls, value: str) -> str:
        return key_part(value)

    @property
    def unhappy(self) -> bool:
        return self.rating == "bad" or (self.nps is not None and self.nps <= 6)


Frequency = Literal["normal", "weekly", "paused"]


class Preferences(Frozen):
    """What a shopper chose in the preference center."""

    topics_off: tuple[str, ...] = ()
    frequency: Frequency = "normal"
    paused_until: datetime | None = None  # with frequency "paused"


class Traits(Frozen):
    first_name: str | None = None
    last_name: str | None = None

    @field_validator("first_name", "last_name")
    @classmethod
    def _bounded_names(cls, value: str | None) -> str | None:
        return _short(value)

    timezone: str | None = None  # observed (browser) or stated by the customer, never guessed
    country: str | None = None  # ISO 3166-1 alpha-2 of the postal address
    province: str | None = None  # state or province code of the postal address
    locale: str | None = None  # the shopper's language as the shop or the browser says, e.g. de_AT

    @field_validator("locale")
    @classmethod
    def _a_locale(cls, value: str | None) -> str | None:
        return normalize_locale(value)


class TouchpointEvent(Frozen):
    source: str
    event_id: str = Field(min_length=1)
    kind: Kind
    occurred_at: datetime
    identity: Identity = Identity()
    consents: tuple[Consent, ...] = ()
    traits: Traits = Traits()
    checkout: Checkout | None = None
    order: Order | None = None
    ticket: Ticket | None = None
    products: tuple[LineItem, ...] = ()  # viewed / added on the storefront
    preferences: Preferences | None = None

    @field_validator("products")
    @classmethod
    def _bounded_products(cls, value: tuple[LineItem, ...]) -> tuple[LineItem, ...]:
        return _first_items(value)

    name: str | None = None  # the original event name (Segment track name, topic)
    message_id: str | None = None  # the message this feedback is about (SendGrid's custom arg)
    creates_profile: bool = True  # False: only about customers we already know (delivery feedback)
    proven: bool = True  # False: a storefront visitor nobody vouched for (sources/storefront.py)

    @property
    def dedup_key(self) -> str:
        return f"{self.source}#{self.event_id}"


# SendGrid events that prove a message went out (processed, delivered...); `dropped` proves it did not
WENT_OUT = frozenset({"processed", "delivered", "deferred", "bounce", "open", "click"})


class ProviderEvent(Frozen):
    """What the e-mail provider says happened to one of our messages (sending/reconcile.py)."""

    customer_id: str
    message_id: str
    event: str
    at: datetime
    provider_id: str = ""
