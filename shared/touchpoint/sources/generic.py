"""The documented generic JSON schema (schemas/generic/*.json), signed with X-Touchpoint-Signature."""

from __future__ import annotations

from collections.abc import Callable
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
    builder = BUILDERS.get(resource)
    if builder is None:
        raise Ignored(f"unknown resource {jsonbody.shown(resource)}")
    return [builder(data, base)]


def _resource(
    data: dict[str, Any], name: str, key: str, statuses: dict[str, Kind], default: str
) -> tuple[dict[str, Any], str, Kind]:
    """The named object, its required id and the kind its status maps to."""
    found = obj(data, name)
    ident = text(found, key, f"{name}.", required=True)
    assert ident is not None
    return found, ident, _kind(statuses, text(found, "status", f"{name}.") or default, f"{name}.status")


def _amount(found: dict[str, Any], where: str) -> dict[str, Any]:
    return {"total": money(found, "total", where), "currency": text(found, "currency", where) or ""}


def _checkout(data: dict[str, Any], base: dict[str, Any]) -> TouchpointEvent:
    c, token, kind = _resource(data, "checkout", "token", CHECKOUT_STATUS, "open")
    checkout = Checkout(
        token=token, items=line_items(c), url=text(c, "url", "checkout."), **_amount(c, "checkout.")
    )
    return TouchpointEvent(kind=kind, checkout=checkout, **base)


def _order(data: dict[str, Any], base: dict[str, Any]) -> TouchpointEvent:
    o, order_id, kind = _resource(data, "order", "id", ORDER_STATUS, "placed")
    order = Order(
        order_id=order_id,
        checkout_token=text(o, "checkout_token", "order."),
        items=line_items(o),
        **_amount(o, "order."),
    )
    identity = base["identity"].model_copy(update={"order_ref": f"{SOURCE}:{order_id}"})
    return TouchpointEvent(kind=kind, order=order, **{**base, "identity": identity})


def _ticket(data: dict[str, Any], base: dict[str, Any]) -> TouchpointEvent:
    t, ticket_id, kind = _resource(data, "ticket", "id", TICKET_STATUS, "open")
    rating = text(t, "rating", "ticket.")
    if rating not in (None, "good", "bad"):
        raise PayloadError("field 'ticket.rating' must be good or bad")
    nps = t.get("nps")
    if nps is not None and (isinstance(nps, bool) or not isinstance(nps, int) or not 0 <= nps <= 10):
        raise PayloadError("field 'ticket.nps' must be an integer from 0 to 10")
    ticket = Ticket(ticket_id=ticket_id, status=kind.value, rating=rating, nps=nps)
    return TouchpointEvent(kind=kind, ticket=ticket, **base)


def _customer(data: dict[str, Any], base: dict[str, Any]) -> TouchpointEvent:
    kind = _kind(CUSTOMER_ACTION, text(data, "action") or "update", "action")
    return TouchpointEvent(kind=kind, **base)


BUILDERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], TouchpointEvent]] = {
    "checkouts": _checkout,
    "orders": _order,
    "tickets": _ticket,
    "customers": _customer,
}
