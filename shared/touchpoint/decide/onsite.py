"""On-site personalization returned to the storefront on track/page calls (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from touchpoint.decide.lifecycle import stage
from touchpoint.decide.model import Profile
from touchpoint.decide.offers import onsite_offer
from touchpoint.decide.products import recommend
from touchpoint.playbook.model import Playbook


def named(profile: Profile) -> bool:
    """A profile a person can be told apart by: contact data, orders or an open checkout."""
    return bool(
        profile.email or profile.phone or profile.orders_count or profile.checkout or profile.first_name
    )


def personalize(profile: Profile, playbook: Playbook, now: datetime, proven: bool = True) -> dict[str, Any]:
    """The answer for this visitor. A caller who has not proved who they are (the public write
    key without a verified identity) learns nothing of a named customer's profile: no checkout
    link, offer, name, stage or customer id, only what any new visitor sees."""
    if not proven and named(profile):
        answer = personalize(Profile(customer_id=""), playbook, now)
        return {**answer, "customer_id": None, "reasons": [*answer["reasons"], "identity:unverified"]}
    reasons = [f"lifecycle:{stage(profile, now)}"]
    recs = recommend(profile, playbook, now)
    reasons.extend(sorted({f"recommendations:{r['reason']}" for r in recs}) or ["recommendations:none_yet"])
    if profile.checkout:
        content = {
            "banner": "cart_waiting",
            "message": "Your cart is waiting",
            "url": profile.checkout.get("url") or "",
        }
        reasons.append("open_checkout")
    elif profile.orders_count == 0:
        content = {"banner": "welcome", "message": "Welcome! Take a look around"}
    else:
        name = f", {profile.first_name}" if profile.first_name else ""
        content = {"banner": "welcome_back", "message": f"Welcome back{name}"}
    offer, offer_reason = onsite_offer(profile, playbook)
    if offer_reason:
        reasons.append(offer_reason)
    return {
        "customer_id": profile.customer_id,
        "recommendations": recs,
        "content": content,
        "offer": offer,
        "reasons": reasons,
    }
