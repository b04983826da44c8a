"""The kinds of canonical event (touchpoint/events.py), apart from the event models: the table's
models need the kinds, and a function that never parses an event (the Dispatcher) should not pay
for building the models while it starts."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    CHECKOUT_UPDATED = "checkout_updated"
    CHECKOUT_CANCELLED = "checkout_cancelled"
    CHECKOUT_COMPLETED = "checkout_completed"
    ORDER_PLACED = "order_placed"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_REFUNDED = "order_refunded"
    CUSTOMER_UPDATED = "customer_updated"
    TICKET_OPENED = "ticket_opened"
    TICKET_SOLVED = "ticket_solved"
    TICKET_RATED = "ticket_rated"
    PAGE_VIEWED = "page_viewed"
    PRODUCT_VIEWED = "product_viewed"
    PRODUCT_ADDED = "product_added"
    TRACK = "track"
    IDENTIFY = "identify"
    ALIAS = "alias"
    EMAIL_ENGAGED = "email_engaged"  # an open or click reported by SendGrid
    EMAIL_BOUNCED = "email_bounced"
    EMAIL_OPT_IN = "email_opt_in"  # derived in decide(): a customer event carrying a fresh e-mail opt-in
    PREFERENCES_UPDATED = "preferences_updated"  # the preference center: topics, frequency, channels
    BACK_IN_STOCK = "back_in_stock"  # a product this customer viewed or carted is available again
    PRICE_DROPPED = "price_dropped"  # ... or its price fell by at least the playbook's share
    PRIVACY_EXPORT = "privacy_export"
    PRIVACY_REDACT = "privacy_redact"


# storefront kinds that make a customer watch a product (back in stock, price drop)
WATCH_KINDS = (Kind.PRODUCT_VIEWED, Kind.PRODUCT_ADDED, Kind.CHECKOUT_UPDATED)
CATALOG_KINDS = (Kind.BACK_IN_STOCK, Kind.PRICE_DROPPED)

# the kinds whose latest time the profile keeps: a flow's exits are judged against them
TRACKED_KINDS = (
    Kind.CHECKOUT_UPDATED,
    Kind.CHECKOUT_COMPLETED,
    Kind.CHECKOUT_CANCELLED,
    Kind.ORDER_PLACED,
    Kind.ORDER_CANCELLED,
    Kind.ORDER_REFUNDED,
    Kind.TICKET_OPENED,
    Kind.TICKET_SOLVED,
    Kind.TICKET_RATED,
    Kind.PRODUCT_ADDED,
)

__all__ = ["CATALOG_KINDS", "TRACKED_KINDS", "WATCH_KINDS", "Kind"]
