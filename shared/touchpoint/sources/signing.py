"""HMAC helpers shared by the webhook adapters: constant-time and over the raw bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from touchpoint import settings
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


def check_timestamp(stamp: str, header: str) -> None:
    """Reject signed timestamps outside the tolerance (replay protection).

    SIGNATURE_TOLERANCE_SECONDS, default one day (platforms retry with the original
    signature for hours); 0 turns the check off, e.g. for replaying saved samples.
    """
    tolerance = float(settings.get("SIGNATURE_TOLERANCE_SECONDS"))
    if tolerance <= 0:
        return
    try:
        if stamp.strip().isdigit():
            signed = datetime.fromtimestamp(int(stamp), UTC)
        else:
            signed = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
            signed = signed if signed.tzinfo else signed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        raise SignatureError(f"{header} is not a timestamp") from None
    if abs((datetime.now(UTC) - signed).total_seconds()) > tolerance:
        raise SignatureError(f"{header} is outside the {tolerance:g} s tolerance")
