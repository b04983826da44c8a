"""SendGrid's signed Event Webhook: unsubscribes and bounces flow back into consent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from touchpoint import config
from touchpoint.events import Consent, Identity, Kind, TouchpointEvent
from touchpoint.sources import PayloadError, Request, SignatureError, signing
from touchpoint.sources.jsonbody import text

SOURCE = "sendgrid"
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
        valid = EventWebhook(public_key).verify_signature(request.body.decode("utf-8"), signature, stamp)
    except Exception:  # malformed key or signature: the library raises several types
        valid = False
    if not valid:
        raise SignatureError("X-Twilio-Email-Event-Webhook-Signature does not match the body")
    signing.check_timestamp(stamp, "X-Twilio-Email-Event-Webhook-Timestamp")


def normalize(request: Request, resource: str = "events") -> list[TouchpointEvent]:
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise PayloadError("body must be a JSON array of event objects")
    return [event for i, e in enumerate(data) if (event := _event(e, f"[{i}]."))]


def _event(e: dict[str, object], where: str) -> TouchpointEvent | None:
    name = text(e, "event", where, required=True)
    customer_id = text(e, "touchpoint_customer_id", where)
    if not customer_id:
        return None  # not one of our messages
    stamp = e.get("timestamp")
    at = (
        datetime.fromtimestamp(stamp, UTC)
        if isinstance(stamp, int | float) and 0 < stamp < 2**33
        else datetime.now(UTC)
    )
    event_id = text(e, "sg_event_id", where) or f"{text(e, 'sg_message_id', where)}:{name}"
    base = {
        "source": SOURCE,
        "event_id": event_id,
        "occurred_at": at,
        "name": name,
        "identity": Identity(customer_id=customer_id),
    }
    if name in WITHDRAW:
        consent = Consent(channel="email", state="unsubscribed", at=at, source=f"sendgrid:{name}")
        return TouchpointEvent(kind=Kind.CUSTOMER_UPDATED, consents=(consent,), **base)  # type: ignore[arg-type]
    if name == "dropped" or (name == "bounce" and e.get("type", "bounce") == "bounce"):
        return TouchpointEvent(kind=Kind.EMAIL_BOUNCED, **base)  # type: ignore[arg-type]
    if name == "click" or (name == "open" and not e.get("sg_machine_open")):
        return TouchpointEvent(kind=Kind.EMAIL_ENGAGED, **base)  # type: ignore[arg-type]
    return None  # processed, delivered, deferred, blocked: nothing to learn yet
