"""On-site personalization returned to the storefront on track/page calls (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from touchpoint.decide.content import recommendations
from touchpoint.decide.lifecycle import stage
from touchpoint.decide.model import Profile


def personalize(profile: Profile, now: datetime) -> dict[str, Any]:
    reasons = [f"lifecycle:{stage(profile, now)}"]
    recs = recommendations(profile)
    reasons.append("recommendations:recently_viewed" if recs else "recommendations:none_yet")
    offer = None
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
        content = {
            "banner": "welcome_back",
            "message": f"Welcome back{', ' + profile.first_name if profile.first_name else ''}",
        }
    if profile.orders_count == 0 and profile.carted and profile.has_consent("email"):
        offer = {"kind": "free_shipping", "code": "FIRSTSHIP"}
        reasons.append("offer:first_order_high_intent")
    return {
        "customer_id": profile.customer_id,
        "recommendations": [{"product_id": p} for p in recs],
        "content": content,
        "offer": offer,
        "reasons": reasons,
    }
