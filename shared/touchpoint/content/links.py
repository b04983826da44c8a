"""Links in a message: every one tagged so a click (and the order after it) can be attributed,
and the signed, opaque token behind unsubscribe and the preference center."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from touchpoint import config

LOCAL_SECRET = "touchpoint-local-token-secret"  # local runs only; AWS reads TOKEN_SECRET from the secret


def tracked(url: str, message_id: str, flow: str, step: str, medium: str = "email") -> str:
    """The URL with utm_source/medium/campaign/content and our message id added."""
    if not url.startswith(("https://", "http://")):
        return ""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(
        utm_source="touchpoint", utm_medium=medium, utm_campaign=flow, utm_content=step, tp_mid=message_id
    )
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass(frozen=True)
class Subject:
    """Whose preferences a token opens, for which channel, from which message."""

    customer_id: str
    channel: str
    message_id: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _mac(body: str) -> str:
    secret = config.secret("TOKEN_SECRET", LOCAL_SECRET).encode()
    return _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18])


def token_for(subject: Subject) -> str:
    body = _b64(json.dumps([subject.customer_id, subject.channel, subject.message_id]).encode())
    return f"{body}.{_mac(body)}"


def subject_of(token: str) -> Subject | None:
    """The token's subject when its signature holds; None for anything forged or mangled."""
    body, _, mac = token.partition(".")
    if not body or len(token) > 2048 or not hmac.compare_digest(mac.encode(), _mac(body).encode()):
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return Subject(*fields) if isinstance(fields, list) and len(fields) == 3 else None
    except (ValueError, TypeError):
        return None


def unsubscribe_url(token: str) -> str:
    return f"{config.public_url()}/unsubscribe/{token}"


def preferences_url(token: str) -> str:
    return f"{config.public_url()}/preferences/{token}"
