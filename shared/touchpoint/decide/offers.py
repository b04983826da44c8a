"""Incentives only where they pay: none for loyal full-price buyers, capped by the margin rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from touchpoint.decide.model import Profile
from touchpoint.playbook.model import Playbook, parse_duration


def offer_for(
    offer_id: str | None, profile: Profile, playbook: Playbook, when_no_code: str = "wait"
) -> tuple[dict[str, Any] | None, str | None]:
    """The offer to attach (or None) and the reason code that explains the choice."""
    if not offer_id:
        return None, None
    loyal = playbook.incentives.loyal_orders
    if profile.orders_count >= loyal and profile.discounted_orders == 0:
        return None, "offer_withheld:full_price_buyer"
    offer = playbook.offers[offer_id]
    value = offer.value
    if offer.kind == "percent":
        value = min(value, offer.max_discount_share * 100)
    attached: dict[str, Any] = {"id": offer_id, "kind": offer.kind, "value": value, "code": offer.code}
    if offer.unique:  # the Sender takes its code from the pool (touchpoint/codes.py)
        valid = parse_duration(offer.valid_for) if offer.valid_for is not None else None
        attached |= {"unique": True, "when_no_code": when_no_code}
        attached |= {"valid_days": valid.total_seconds() / 86400} if valid else {}
    return attached, f"offer:{offer_id}"


def onsite_offer(profile: Profile, playbook: Playbook) -> tuple[dict[str, Any] | None, str | None]:
    """For the storefront: a free-shipping nudge for a cart close to the threshold, else a first-order offer."""
    threshold = playbook.incentives.free_shipping_threshold
    checkout = profile.checkout or {}
    total = Decimal(str(checkout.get("total") or 0))
    if threshold and checkout and Decimal(str(threshold)) * Decimal("0.7") <= total < Decimal(str(threshold)):
        missing = Decimal(str(threshold)) - total
        return {"kind": "free_shipping_nudge", "missing": str(missing)}, "offer:free_shipping_nudge"
    first = playbook.incentives.first_order_offer
    if first and profile.orders_count == 0 and (profile.carted or checkout):
        offer, reason = offer_for(first, profile, playbook)
        return offer, (reason or "").replace("offer:", "offer:first_order:")
    return None, None
