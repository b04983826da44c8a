"""The documented generic JSON schema (schemas/generic/*.json), signed with X-Touchpoint-Signature."""

from __future__ import annotations

from typing import Any

from touchpoint import config
from touchpoint.events import Checkout, Kind, Order, Ticket, TouchpointEvent
from touchpoint.sources import Ignored, PayloadError, Request, jsonbody, signing
from touchpoint.sources.common import consents, customer, line_items, when
from touchpoint.sources.jsonbody import money, obj, text

SOURCE = "generic"
CHECKOUT_STATUS = {
    "open": Kind.CHECKOUT_UPDATED,
    "completed": Kind.CHECKOUT_COMPLETED,
    "cancelled": Kind.CHECKOUT_CANCELLED,
}
ORDER_STATUS = {
    "placed": Kind.ORDER_PLACED,
    "cancelled": Kind.ORDER_CANCELLED,
    "refunded": Kind.ORDER_REFUNDED,
}
TICKET_STATUS = {"open": Kind.TICKET_OPENED, "solved": Kind.TICKET_SOLVED, "rated": Kind.TICKET_RATED}
CUSTOMER_ACTION = {
    "update": Kind.CUSTOMER_UPDATED,
    "redact": Kind.PRIVACY_REDACT,
    "export": Kind.PRIVACY_EXPORT,
}


def verify(request: Request) -> None:
    secret = config.secret("GENERIC_WEBHOOK_SECRET")
    presented = request.header("X-Touchpoint-Signature")
    expected = "sha256=" + signing.hex_hmac(secret, request.body) if secret else ""
    signing.require(secret, presented, expected, "X-Touchpoint-Signature")


def _kind(table: dict[str, Kind], value: str | None, field: str) -> Kind:
    if value not in table:
        raise PayloadError(f"field '{field}' must be one of {', '.join(table)}")
    return table[value]


def normalize(request: Request, resource: str) -> list[TouchpointEvent]:
    data = jsonbody.parse_object(request.body)
    event_id = text(data, "event_id", required=True)
    assert event_id is not None
    at = when(data)
    identity, traits = customer(data, SOURCE)
    if not identity.aliases():
        raise PayloadError("missing required field 'customer' (with an id, email or phone)")
    base: dict[str, Any] = {
        "source": SOURCE,
        "event_id": event_id,
        "occurred_at": at,
        "identity": identity,
        "traits": traits,
        "consents": consents(data, at, f"{SOURCE}:{resource}"),
    }
    if resource == "checkouts":
        c = obj(data, "checkout")
        token = text(c, "token", "checkout.", required=True)
        assert token is not None
        kind = _kind(CHECKOUT_STATUS, text(c, "status", "checkout.") or "open", "checkout.status")
        checkout = Checkout(
            token=token,
            items=line_items(c),
            total=money(c, "total", "checkout."),
            currency=text(c, "currency", "checkout.") or "",
            url=text(c, "url", "checkout."),
        )
        return [TouchpointEvent(kind=kind, checkout=checkout, **base)]
    if resource == "orders":
        o = obj(data, "order")
        order_id = text(o, "id", "order.", required=True)
        assert order_id is not None
        kind = _kind(ORDER_STATUS, text(o, "status", "order.") or "placed", "order.status")
        order = Order(
            order_id=order_id,
            checkout_token=text(o, "checkout_token", "order."),
            items=line_items(o),
            total=money(o, "total", "order."),
            currency=text(o, "currency", "order.") or "",
        )
        base["identity"] = base["identity"].model_copy(update={"order_ref": f"{SOURCE}:{order_id}"})
        return [TouchpointEvent(kind=kind, order=order, **base)]
    if resource == "tickets":
        t = obj(data, "ticket")
        ticket_id = text(t, "id", "ticket.", required=True)
        assert ticket_id is not None
        kind = _kind(TICKET_STATUS, text(t, "status", "ticket.") or "open", "ticket.status")
        rating = text(t, "rating", "ticket.")
        if rating not in (None, "good", "bad"):
            raise PayloadError("field 'ticket.rating' must be good or bad")
        nps = t.get("nps")
        if nps is not None and (isinstance(nps, bool) or not isinstance(nps, int) or not 0 <= nps <= 10):
            raise PayloadError("field 'ticket.nps' must be an integer from 0 to 10")
        return [
            TouchpointEvent(
                kind=kind,
                ticket=Ticket(ticket_id=ticket_id, status=kind.value, rating=rating, nps=nps),
                **base,
            )
        ]
    if resource == "customers":
        kind = _kind(CUSTOMER_ACTION, text(data, "action") or "update", "action")
        return [TouchpointEvent(kind=kind, **base)]
    raise Ignored(f"unknown resource '{resource}'")
