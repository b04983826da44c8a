"""Normalization and hashing of contact points.

Keys never hold raw PII: e-mail and phone appear in keys only as SHA-256 of the
normalized form (the same normalization Meta and Google expect for matching).
"""

from __future__ import annotations

import hashlib
import re

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(value: str | None) -> str | None:
    if not value:
        return None
    email = value.strip().lower()
    return email if _EMAIL.match(email) else None


def normalize_phone(value: str | None, region: str | None = None) -> str | None:
    """E.164 or None. National formats such as "(502) 459-2181" need the region (the address
    country) to be read; a leading 00 reads as +. Possible numbers pass, so a test number keeps
    its alias; zones are only taken from valid ones (decide/zones.py)."""
    if not value or len(value) > 64:
        return None
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    hint = (region or "").strip().upper()
    import phonenumbers  # about 20 ms of a cold start: only when an event carries a phone

    try:
        number = phonenumbers.parse(text, hint if len(hint) == 2 else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


KEY_PART_LIMIT = 256  # DynamoDB allows 2,048 bytes of partition key; ids longer than this are hashed


def key_part(value: str) -> str:
    """A value as it may stand in a key: itself, or its hash when it is too long to be a key."""
    return value if len(value.encode("utf-8")) <= KEY_PART_LIMIT else "sha256:" + sha256(value)


STRONG_KINDS = ("platform", "user", "email")  # identify a person; phone and anonymous ids only hint


def alias_prefix(kind: str) -> str:
    """What every alias key of this kind starts with."""
    return f"ID#{kind}#"


STRONG_PREFIXES = tuple(alias_prefix(kind) for kind in STRONG_KINDS)


def alias_key(kind: str, value: str) -> str:
    """Partition key of an alias item; e-mail and phone are hashed, long ids too."""
    if kind in ("email", "phone"):
        value = sha256(value)
    return alias_prefix(kind) + key_part(value)


def marker_key(dedup_key: str) -> str:
    """Partition key of an event marker: hashed, so no platform id or checkout token is kept."""
    return f"EVT#{sha256(dedup_key)}"


def customer_id_for(alias: str) -> str:
    """A customer's id as derived from one alias key: the same key always gives the same id."""
    return "c_" + sha256(alias)[:24]


def minted_id(keys: list[str]) -> str:
    """A new customer's id, from the alias keys of its first event (strongest first): the
    e-mail's when the event names one, else the strongest's. Derived, so concurrent first events
    agree. The e-mail is what most sources name (Shopify, the help desk, a signed-in storefront),
    so a later event from another source can guess the profile's key from its own aliases and
    read it on the same trip as them."""
    email = alias_prefix("email")
    return customer_id_for(next((key for key in keys if key.startswith(email)), keys[0]))


def stable_bucket(*parts: str) -> float:
    """A stable number in [0, 1) for holdout and experiment assignment."""
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
