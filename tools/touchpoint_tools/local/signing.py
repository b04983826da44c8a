"""Signing a saved webhook event afresh (`touchpoint invoke --sign`), as its platform would.

Saved samples carry the signature of the day they were made; timestamp-signed routes
(Zendesk, SendGrid) refuse them once the tolerance has passed. This signs the body again
with the secrets configured in the environment and the current time. Local use only.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from touchpoint import config
from touchpoint.sources import signing

SAMPLE_SENDGRID_KEY = Path(__file__).resolve().parents[3] / "infra" / "sample-sendgrid-key.pem"


class SigningError(Exception):
    """The secret a route needs is not configured."""


def _secret(name: str) -> str:
    value = config.secret(name)
    if not value:
        raise SigningError(f"cannot sign: {name} is not set")
    return value


def _sendgrid(body: bytes, stamp: str) -> dict[str, str]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    path = Path(os.environ.get("SENDGRID_WEBHOOK_SIGNING_KEY_FILE") or SAMPLE_SENDGRID_KEY)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SigningError(f"cannot sign: SendGrid signing key {path}: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SigningError(f"cannot sign: {path} is not an EC private key")
    signature = key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "x-twilio-email-event-webhook-signature": base64.b64encode(signature).decode(),
        "x-twilio-email-event-webhook-timestamp": stamp,
    }


def headers_for(path: str, body: bytes, now: datetime) -> dict[str, str]:
    """The signature headers the platform behind `path` would send for this body now."""
    stamp = str(int(now.timestamp()))
    if path.startswith("/webhooks/shopify/"):
        return {"x-shopify-hmac-sha256": signing.b64_hmac_sha256(_secret("SHOPIFY_WEBHOOK_SECRET"), body)}
    if path.startswith("/webhooks/woocommerce/"):
        return {
            "x-wc-webhook-signature": signing.b64_hmac_sha256(_secret("WOOCOMMERCE_WEBHOOK_SECRET"), body)
        }
    if path.startswith("/webhooks/zendesk/"):
        secret = _secret("ZENDESK_WEBHOOK_SECRET")
        return {
            "x-zendesk-webhook-signature": signing.b64_hmac_sha256(secret, stamp.encode() + body),
            "x-zendesk-webhook-signature-timestamp": stamp,
        }
    if path.startswith("/webhooks/generic/"):
        return {
            "x-touchpoint-signature": "sha256=" + signing.hex_hmac(_secret("GENERIC_WEBHOOK_SECRET"), body)
        }
    if path.startswith("/webhooks/sendgrid/"):
        return _sendgrid(body, stamp)
    if path == "/events":
        key = base64.b64encode(f"{_secret('WEB_WRITE_KEY')}:".encode()).decode()
        return {"authorization": f"Basic {key}"}
    raise SigningError(f"cannot sign: no platform signs requests to {path}")


def resign(event: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """An API Gateway (payload 2.0) event with fresh signature headers; other events unchanged."""
    path = event.get("rawPath")
    if not isinstance(path, str) or "body" not in event:
        return event
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode("utf-8")
    fresh = headers_for(path, raw, now or datetime.now(UTC))
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    return {**event, "headers": {**headers, **fresh}}
