"""Lifecycle stage and RFM score: plain functions of the profile and the clock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from touchpoint.decide.model import Profile

VIP_ORDERS = 5
VIP_REVENUE = Decimal(1000)
CHURN_RISK_DAYS = 90
LAPSED_DAYS = 180


def stage(profile: Profile, now: datetime) -> str:
    """prospect, first_time, repeat, vip, churn_risk or lapsed."""
    if profile.orders_count <= 0:
        return "prospect"
    if profile.last_order_at is not None:
        idle = (now - profile.last_order_at).days
        if idle >= LAPSED_DAYS:
            return "lapsed"
        if idle >= CHURN_RISK_DAYS:
            return "churn_risk"
    if profile.orders_count >= VIP_ORDERS or profile.revenue >= VIP_REVENUE:
        return "vip"
    return "first_time" if profile.orders_count == 1 else "repeat"


def _score(value: float, bounds: tuple[float, ...]) -> int:
    """1..5: how many bounds the value reaches."""
    return 1 + sum(1 for bound in bounds if value >= bound)


def rfm(profile: Profile, now: datetime) -> str:
    """Recency, frequency, monetary, each 1 (low) to 5 (high), e.g. R5F2M3; empty before a first order."""
    if profile.orders_count <= 0 or profile.last_order_at is None:
        return ""
    idle_days = max(0, (now - profile.last_order_at).days)
    recency = 6 - _score(idle_days, (31, 61, 91, 181))
    frequency = _score(profile.orders_count, (2, 3, 5, 10))
    monetary = _score(float(profile.revenue), (50, 150, 500, 1500))
    return f"R{recency}F{frequency}M{monetary}"


def average_order_value(profile: Profile) -> Decimal:
    if profile.orders_count <= 0:
        return Decimal(0)
    return (profile.revenue / profile.orders_count).quantize(Decimal("0.01"))
