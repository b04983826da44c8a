"""SendGrid's signed Event Webhook: unsubscribes and bounces flow back into consent."""

from __future__ import annotations

from datetime import UTC, datetime

from touchpoint import config
from touchpoint.events import WENT_OUT, Consent, Identity, Kind, ProviderEvent, TouchpointEvent
from touchpoint.identity import sha256
from touchpoint.sources import PayloadError, Request, SignatureError, jsonbody, signing
from touchpoint.sources.jsonbody import text

SOURCE = "sendgrid"
MAX_ID = 256
WITHDRAW = {"unsubscribe", "group_unsubscribe", "spamreport"}


def verify(request: Request) -> None:
    public_key = config.secret("SENDGRID_WEBHOOK_PUBLIC_KEY")
    signature = request.header("X-Twilio-Email-Event-Webhook-Signature")
    stamp = request.header("X-Twilio-Email-Event-Webhook-Timestamp")
    if not public_key:
        raise SignatureError("X-Twilio-Email-Event-Webhook-Signature: no public key configured")
    if not signature or not stamp:
        raise SignatureError("missing X-Twilio-Email-Event-Webhook-Signature or -Timestamp")
    from sendgrid.helpers.eventwebhook import EventWebhook

    try:
        payload = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("body is not UTF-8") from None
    try:
        valid = EventWebhook(public_key).verify_signature(payload, signature, stamp)
    except Exception:  # malformed key or signature: the library raises several types
        valid = False
    if not valid:
        raise SignatureError("X-Twilio-Email-Event-Webhook-Signature does not match the body")
    signing.check_timestamp(stamp, "X-Twilio-Email-Event-Webhook-Timestamp")


def _when(e: dict[str, object]) -> datetime:
    """The event's unix timestamp; now when it is missing or out of range."""
    stamp = e.get("timestamp")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool) and 0 < stamp < 2**33:
        return datetime.fromtimestamp(stamp, UTC)
    return datetime.now(UTC)


def _provider_event(e: dict[str, object], where: str) -> ProviderEvent | None:
    """Delivery status about one of our messages (for messages whose send timed out)."""
    name = text(e, "event", where) or ""
    message_id = text(e, "touchpoint_message_id", where)
    customer_id = text(e, "touchpoint_customer_id", where)
    if name not in (*WENT_OUT, "dropped") or not message_id or not customer_id:
        return None
    at = _when(e)
    provider_id = (text(e, "sg_message_id", where) or "")[:MAX_ID]
    return ProviderEvent(
        customer_id=customer_id[:MAX_ID],
        message_id=message_id[:MAX_ID],
        event=name,
        at=at,
        provider_id=provider_id,
    )


def normalize(request: Request, resource: str = "events") -> list[TouchpointEvent | ProviderEvent]:
    data = jsonbody.parse_json(request.body)
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise PayloadError("body must be a JSON array of event objects")
    found: list[TouchpointEvent | ProviderEvent] = []
    for i, e in enumerate(data):
        for parsed in (_provider_event(e, f"[{i}]."), _event(e, f"[{i}].")):
            if parsed is not None:
                found.append(parsed)
    return found


def _identity(e: dict[str, object], where: str) -> Identity | None:
    """Our message's customer when the event carries our custom arg; else whoever owns the
    address (a mail sent by another tool on the account, or SendGrid's own test)."""
    customer_id = text(e, "touchpoint_customer_id", where)
    if customer_id:
        return Identity(customer_id=customer_id[:MAX_ID])
    email = text(e, "email", where)
    return Identity(email=email) if email else None


def _event(e: dict[str, object], where: str) -> TouchpointEvent | None:
    name = text(e, "event", where, required=True)
    identity = _identity(e, where)
    if identity is None:
        return None
    at = _when(e)
    fallback_id = text(e, "sg_message_id", where) or sha256(identity.email or "")[:24]
    event_id = text(e, "sg_event_id", where) or f"{fallback_id}:{name}:{int(at.timestamp())}"
    base = {
        "source": SOURCE,
        "event_id": event_id[:MAX_ID],
        "occurred_at": at,
        "name": name,
        "identity": identity,
        "creates_profile": False,  # feedback about someone we do not know (or erased) is dropped
        "message_id": (text(e, "touchpoint_message_id", where) or "")[:MAX_ID] or None,
    }
    if name in WITHDRAW:
        consent = Consent(channel="email", state="unsubscribed", at=at, source=f"sendgrid:{name}")
        return TouchpointEvent(kind=Kind.CUSTOMER_UPDATED, consents=(consent,), **base)  # type: ignore[arg-type]
    if name == "dropped" or (name == "bounce" and e.get("type", "bounce") == "bounce"):
        return TouchpointEvent(kind=Kind.EMAIL_BOUNCED, **base)  # type: ignore[arg-type]
    if name == "click" or (name == "open" and not e.get("sg_machine_open")):
        return TouchpointEvent(kind=Kind.EMAIL_ENGAGED, **base)  # type: ignore[arg-type]
    return None  # processed, delivered, deferred, blocked: nothing to learn yet
