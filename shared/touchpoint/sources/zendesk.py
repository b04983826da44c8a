"""Zendesk trigger webhooks with the body documented in docs/http.md."""

from __future__ import annotations

from touchpoint import config
from touchpoint.events import Identity, Kind, Ticket, TouchpointEvent, Traits
from touchpoint.sources import Ignored, Request, jsonbody, signing
from touchpoint.sources.jsonbody import obj, text, timestamp

SOURCE = "zendesk"
OPEN = {"new", "open", "pending", "hold"}
SOLVED = {"solved", "closed"}
# what {{ticket.status}} and {{satisfaction.current_rating}} render to, in any case:
# "On-hold", "Good with comment", "Bad with comment", "Offered", "Unoffered"
STATUS_ALIASES = {"on-hold": "hold", "on hold": "hold", "onhold": "hold"}
RATINGS = {"good": "good", "good with comment": "good", "bad": "bad", "bad with comment": "bad"}


def _status(ticket: dict[str, object]) -> str:
    status = " ".join((text(ticket, "status", "ticket.") or "open").lower().split())
    return STATUS_ALIASES.get(status, status)


def _rating(ticket: dict[str, object]) -> str | None:
    """good or bad; anything else (offered, unoffered, a value Zendesk adds later) is no rating."""
    value = " ".join((text(ticket, "satisfaction", "ticket.") or "").lower().split())
    return RATINGS.get(value)


def verify(request: Request) -> None:
    secret = config.secret("ZENDESK_WEBHOOK_SECRET")
    stamp = request.header("X-Zendesk-Webhook-Signature-Timestamp")
    presented = request.header("X-Zendesk-Webhook-Signature")
    expected = signing.b64_hmac_sha256(secret, stamp.encode() + request.body) if secret else ""
    signing.require(secret, presented, expected, "X-Zendesk-Webhook-Signature")
    signing.check_timestamp(stamp, "X-Zendesk-Webhook-Signature-Timestamp")


def normalize(request: Request, resource: str) -> list[TouchpointEvent]:
    data = jsonbody.parse_object(request.body)
    ticket = obj(data, "ticket")
    ticket_id = text(ticket, "id", "ticket.", required=True)
    assert ticket_id is not None
    status, rating = _status(ticket), _rating(ticket)
    if rating:
        kind = Kind.TICKET_RATED
    elif status in OPEN:
        kind = Kind.TICKET_OPENED
    elif status in SOLVED:
        kind = Kind.TICKET_SOLVED
    else:
        raise Ignored(f"ticket status {jsonbody.shown(status)} is not acted on")
    requester = obj(data, "requester")
    at = timestamp(ticket, "updated_at", "ticket.")
    delivery = request.header("X-Zendesk-Webhook-Id")
    return [
        TouchpointEvent(
            source=SOURCE,
            event_id=f"ticket:{ticket_id}:{kind.value}:{text(ticket, 'updated_at', 'ticket.') or delivery or status}",
            kind=kind,
            occurred_at=at,
            identity=Identity(
                email=text(requester, "email", "requester."),
                phone=text(requester, "phone", "requester."),
            ),
            traits=Traits(first_name=text(requester, "name", "requester.")),
            ticket=Ticket(ticket_id=ticket_id, status=status, rating=rating),
        )
    ]
