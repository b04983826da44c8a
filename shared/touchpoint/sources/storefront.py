"""The storefront trust model: what an event posted with the public write key may claim.

The write key sits in every storefront page, so it proves nothing about who is browsing. A
browser-claimed user id or e-mail counts only when the shop's server vouched for it: it signs
the user id (or, without one, the e-mail) with IDENTITY_SECRET and the page sends that hex
HMAC-SHA256 as `context.traits.user_hash` (or the `X-Touchpoint-User-Hash` header), as
Intercom's and Customer.io's identity verification do. Unverified, the claim is a weak
identifier: it names a browsing profile of its own and never reaches a known customer. Orders,
refunds and money come only from the shop's signed webhooks; from the browser they count as
engagement.
"""

from __future__ import annotations

import hmac

from touchpoint import config
from touchpoint.events import Identity, Kind, Traits
from touchpoint.identity import sha256
from touchpoint.sources import signing

HASH_HEADER = "X-Touchpoint-User-Hash"
WEAK_PREFIX = "weak:"  # an unverified user id or e-mail, kept as an anonymous id of its own
MONEY_KINDS = frozenset({Kind.ORDER_PLACED, Kind.ORDER_CANCELLED, Kind.ORDER_REFUNDED})


def user_hash(secret: str, user_id: str) -> str:
    """What the shop's server computes and the page sends: hex HMAC-SHA256 of the user id."""
    return signing.hex_hmac(secret, user_id.encode("utf-8"))


def verified(identity: Identity, presented: str | None) -> bool:
    """Whether the shop's server vouched for this identity's user id (else its e-mail)."""
    secret = config.secret("IDENTITY_SECRET")
    claimed = identity.user_id or identity.email
    if not (secret and claimed and presented):
        return False
    return hmac.compare_digest(presented.strip().lower().encode(), user_hash(secret, claimed).encode())


def weak_identity(identity: Identity) -> Identity:
    """The anonymous ids alone; an unverified user id or e-mail becomes an anonymous id of its
    own (hashed), so a stranger who names a shopper reaches a profile only strangers wrote."""
    claimed = identity.user_id or identity.email
    anonymous = identity.anonymous_id or (WEAK_PREFIX + sha256(claimed)[:32] if claimed else None)
    return Identity(anonymous_id=anonymous, previous_id=identity.previous_id)


def weak_traits(traits: Traits) -> Traits:
    """What a stranger may say of a browsing profile: the zone and language its browser observed
    (the shop's own word on the language wins over it), no names."""
    return Traits(timezone=traits.timezone, locale=traits.locale)


def browser_kind(kind: Kind) -> Kind:
    """An order event from the browser is engagement, never money or an order that ends a flow."""
    return Kind.TRACK if kind in MONEY_KINDS else kind
