"""Normalization and hashing of contact points.

Keys never hold raw PII: e-mail and phone appear in keys only as SHA-256 of the
normalized form (the same normalization Meta and Google expect for matching).
"""

from __future__ import annotations

import hashlib
import re

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_email(value: str | None) -> str | None:
    if not value:
        return None
    email = value.strip().lower()
    return email if _EMAIL.match(email) else None


def normalize_phone(value: str | None) -> str | None:
    """E.164 or None: separators dropped, a leading 00 read as +."""
    if not value:
        return None
    phone = re.sub(r"[\s\-().]", "", value.strip())
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    return phone if _E164.match(phone) else None


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def alias_key(kind: str, value: str) -> str:
    """Partition key of an alias item; e-mail and phone are hashed."""
    if kind in ("email", "phone"):
        value = sha256(value)
    return f"ID#{kind}#{value}"


def customer_id_for(alias: str) -> str:
    """A new customer's id, derived from its first alias so concurrent first events agree."""
    return "c_" + sha256(alias)[:24]


def mask(value: str | None) -> str:
    """For logs: never the raw address or number."""
    if not value:
        return ""
    return sha256(value)[:12]


def stable_bucket(*parts: str) -> float:
    """A stable number in [0, 1) for holdout and experiment assignment."""
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
