"""Two-way SMS: replies reach an SNS topic (AWS End User Messaging / SNS); an opt-out in any
reasonable wording withdraws SMS consent at once."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from touchpoint.events import Consent, Identity, Kind, TouchpointEvent
from touchpoint.identity import sha256

SOURCE = "sms"
# CTIA / carrier opt-out keywords, and the words people actually write
OPT_OUT = {
    "stop",
    "stopall",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "arret",
    "optout",
    "opt-out",
    "remove",
    "revoke",
}
MAX_WORDS = 6  # a long message that happens to contain "end" is a conversation, not an opt-out


def is_opt_out(text: str) -> bool:
    words = re.findall(r"[a-z][a-z-]*", text.lower())
    return 0 < len(words) <= MAX_WORDS and any(word in OPT_OUT for word in words)


def event_for(message: dict[str, Any], sns_id: str) -> TouchpointEvent | None:
    """The consent withdrawal a reply stands for, or None for any other reply."""
    phone = str(message.get("originationNumber") or "")
    body = f"{message.get('messageKeyword') or ''} {message.get('messageBody') or ''}"
    if not phone or not is_opt_out(body):
        return None
    now = datetime.now(UTC)
    return TouchpointEvent(
        source=SOURCE,
        event_id=str(message.get("inboundMessageId") or sns_id or sha256(phone + body)),
        kind=Kind.CUSTOMER_UPDATED,
        occurred_at=now,
        identity=Identity(phone=phone),
        consents=(Consent(channel="sms", state="unsubscribed", at=now, source="sms:reply"),),
        creates_profile=False,
    )


def events(sns_event: dict[str, Any]) -> list[TouchpointEvent]:
    found = []
    for record in sns_event.get("Records") or []:
        sns = record.get("Sns") or {}
        try:
            message = json.loads(sns.get("Message") or "{}")
        except (ValueError, RecursionError):
            continue  # not a two-way SMS notification: nothing to act on
        event = event_for(message, str(sns.get("MessageId") or "")) if isinstance(message, dict) else None
        if event is not None:
            found.append(event)
    return found
