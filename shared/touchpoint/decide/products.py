"""Which products to show: what this customer is drawn to, never what they bought or we cannot sell."""

from __future__ import annotations

from datetime import datetime

from touchpoint.decide import affinity
from touchpoint.decide.model import Profile
from touchpoint.playbook.model import Playbook

MIN_SCORE = 0.05  # a single view fades below this after about four months


def recommend(
    profile: Profile,
    playbook: Playbook,
    now: datetime,
    limit: int = 4,
    co_purchased: dict[str, int] | None = None,
    best_sellers: list[str] | None = None,
) -> list[dict[str, object]]:
    """[{product_id, reason}]: bought together with what they have, then time-decayed affinity,
    then recent views, then best sellers (measured, else the playbook's list)."""
    excluded = set(profile.purchased) | set(playbook.catalog.unavailable)
    chosen: list[dict[str, object]] = []

    def take(product: str, reason: str) -> None:
        if (
            product not in excluded
            and all(c["product_id"] != product for c in chosen)
            and len(chosen) < limit
        ):
            chosen.append({"product_id": product, "reason": reason})

    for product, _ in sorted((co_purchased or {}).items(), key=lambda kv: (-kv[1], kv[0])):
        take(product, "bought_together")
    for product, score in affinity.top(profile.affinity, "p:", now, limit * 3):
        if score >= MIN_SCORE:
            take(product, "affinity")
    for product in (*profile.carted, *profile.viewed):
        take(product, "recently_viewed")
    for product in (*(best_sellers or ()), *playbook.catalog.best_sellers):
        take(product, "best_seller")
    return chosen
