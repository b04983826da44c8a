"""Links in a message: every one tagged so a click (and the order after it) can be attributed,
and the signed, opaque token behind unsubscribe and the preference center."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from touchpoint import config

LOCAL_SECRET = "touchpoint-local-token-secret"  # the local runtime and tests only: links.keys
NONCE = 12
AAD = b"touchpoint link v2"


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


class NoLinkKey(RuntimeError):
    """No TOKEN_SECRET outside the local runtime: no link may be made, so no mail needing one."""


@dataclass(frozen=True)
class Keys:
    signing: bytes
    verifying: tuple[bytes, ...]  # the signing key first, then the previous one while it counts


def keys(now: datetime | None = None) -> Keys:
    """TOKEN_SECRET signs; TOKEN_SECRET_PREVIOUS (after a rotation) still verifies until
    TOKEN_SECRET_PREVIOUS_UNTIL, so links in mail already sent keep working. The stack generates
    TOKEN_SECRET at deploy (template.yaml: LinkSecrets); the built-in key exists only in the local
    runtime and tests (TOUCHPOINT_LOCAL), never in AWS."""
    current = config.secret("TOKEN_SECRET") or (LOCAL_SECRET if config.local_runtime() else "")
    if not current:
        raise NoLinkKey("TOKEN_SECRET is not set: no unsubscribe or preference link can be made")
    verifying = [current.encode()]
    previous = config.secret("TOKEN_SECRET_PREVIOUS")
    if previous and _still_counts(config.secret("TOKEN_SECRET_PREVIOUS_UNTIL"), now or datetime.now(UTC)):
        verifying.append(previous.encode())
    return Keys(current.encode(), tuple(verifying))


def _still_counts(until: str, now: datetime) -> bool:
    if not until:
        return True
    try:
        limit = datetime.fromisoformat(until.replace("Z", "+00:00"))
    except ValueError:
        return False  # a date nobody can read keeps no old key alive
    return now < (limit if limit.tzinfo else limit.replace(tzinfo=UTC))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cipher(secret: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # about 16 ms: first link only

    return AESGCM(hashlib.sha256(b"touchpoint-link-token|" + secret).digest())


def token_for(subject: Subject) -> str:
    """Opaque and authenticated: the subject encrypted (AES-GCM) under the signing key, so the
    link shows nothing of whom it is about and cannot be made or changed without the key."""
    nonce = os.urandom(NONCE)
    plain = json.dumps([subject.customer_id, subject.channel, subject.message_id]).encode()
    return _b64(nonce + _cipher(keys().signing).encrypt(nonce, plain, AAD))


def subject_of(token: str) -> Subject | None:
    """The token's subject when a current key opens it; None for anything forged or mangled."""
    if not token or len(token) > 2048:
        return None
    for secret in keys().verifying:
        fields = _opened(token, secret) if "." not in token else _signed(token, secret)
        if isinstance(fields, list) and len(fields) == 3 and all(isinstance(f, str) for f in fields):
            return Subject(*fields)
    return None


def _opened(token: str, secret: bytes) -> Any:
    from cryptography.exceptions import InvalidTag

    try:
        raw = _unb64(token)
        return json.loads(_cipher(secret).decrypt(raw[:NONCE], raw[NONCE:], AAD))
    except (ValueError, InvalidTag):
        return None


def _signed(token: str, secret: bytes) -> Any:
    """A link from before tokens were encrypted (body.mac, HMAC-SHA256): still honoured."""
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18])
    if not body or not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        return json.loads(_unb64(body))
    except ValueError:
        return None


def csrf_for(token: str) -> str:
    """The preference form's anti-forgery value: bound to the link and the signing key."""
    return hmac.new(keys().signing, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_url(token: str) -> str:
    return f"{config.public_url()}/unsubscribe/{token}"


def preferences_url(token: str) -> str:
    return f"{config.public_url()}/preferences/{token}"
