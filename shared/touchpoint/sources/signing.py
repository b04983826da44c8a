"""HMAC helpers shared by the webhook adapters: constant-time and over the raw bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac

from touchpoint.sources import SignatureError


def hmac_digest(secret: str, body: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(secret.encode("utf-8"), body, getattr(hashlib, algorithm)).digest()


def require(secret: str, presented: str, expected: str, header: str) -> None:
    """Raise SignatureError unless the secret is configured and the signature matches."""
    if not secret:
        raise SignatureError(f"{header}: no secret configured for this route")
    if not presented:
        raise SignatureError(f"missing {header}")
    if not hmac.compare_digest(presented.strip().encode(), expected.encode()):
        raise SignatureError(f"{header} does not match the body")


def b64_hmac_sha256(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac_digest(secret, body)).decode("ascii")


def hex_hmac(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    return hmac_digest(secret, body, algorithm).hex()
