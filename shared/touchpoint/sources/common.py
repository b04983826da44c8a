"""Shapes shared by the generic schema and the simpler platforms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from touchpoint.events import Consent, Identity, LineItem, Traits
from touchpoint.sources import PayloadError, jsonbody
from touchpoint.sources.jsonbody import items, money, obj, quantity, text, timestamp

CONSENT_STATES = ("subscribed", "not_subscribed", "unsubscribed", "pending")


def line_items(data: dict[str, Any], key: str = "items") -> tuple[LineItem, ...]:
    result = []
    for i, line in enumerate(items(data, key)):
        where = f"{key}[{i}]."
        product = text(line, "product_id", where, required=True)
        assert product is not None
        result.append(
            LineItem(
                product_id=product,
                title=text(line, "title", where) or text(line, "name", where) or "",
                quantity=quantity(line, "quantity", where),
                price=money(line, "price", where),
                category=text(line, "category", where),
            )
        )
    return tuple(result)


def customer(data: dict[str, Any], platform: str) -> tuple[Identity, Traits]:
    c = obj(data, "customer")
    cid = text(c, "id", "customer.")
    identity = Identity(
        email=text(c, "email", "customer."),
        phone=text(c, "phone", "customer."),
        platform_id=f"{platform}:{cid}" if cid else None,
        region=text(c, "country", "customer."),
    )
    traits = Traits(
        first_name=text(c, "first_name", "customer."),
        last_name=text(c, "last_name", "customer."),
        timezone=text(c, "timezone", "customer."),
        country=text(c, "country", "customer."),
        province=text(c, "province", "customer."),
    )
    return identity, traits


def consents(data: dict[str, Any], at: datetime, source: str) -> tuple[Consent, ...]:
    found = []
    for channel, state in obj(data, "consent").items():
        if channel not in ("email", "sms"):
            raise PayloadError(f"field 'consent': channel {jsonbody.shown(channel)} must be email or sms")
        if state not in CONSENT_STATES:
            raise PayloadError(f"field 'consent.{channel}' must be one of {', '.join(CONSENT_STATES)}")
        found.append(Consent(channel=channel, state=state, at=at, source=source))  # type: ignore[arg-type]
    return tuple(found)


def when(data: dict[str, Any], key: str = "occurred_at") -> datetime:
    return timestamp(data, key)
