"""A/B readouts (pure): for every step with `variants:`, what each variant's shoppers got and did,
and whether a variant is ahead of the first, behind it, or cannot be told apart yet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from touchpoint.decide.model import Status
from touchpoint_tools.measure.intervals import Estimate, difference, readable
from touchpoint_tools.measure.summary import Outcome


@dataclass
class Arm:
    variant: str
    shoppers: set[str] = field(default_factory=set)
    sent: int = 0
    opens: int = 0
    clicks: int = 0
    orders: int = 0
    revenue_cents: int = 0

    def add(self, o: Outcome) -> None:
        self.shoppers.add(o.customer_id)
        if o.status != Status.SENT.value:
            return
        self.sent += 1
        self.opens += o.opened
        self.clicks += o.clicked
        self.orders += o.converted_at is not None
        self.revenue_cents += o.conversion_cents if o.converted_at else 0

    @property
    def revenue_per_recipient(self) -> float:
        return self.revenue_cents / 100 / self.sent if self.sent else 0.0

    def against(self, first: Arm) -> Estimate:
        """Conversion per send minus the first variant's, with the words when too small to read."""
        gap = difference(self.orders, self.sent, first.orders, first.sent)
        return gap.but(readable(self.orders, self.sent, first.orders, first.sent, "first-variant shoppers"))


def _variant(o: Outcome) -> str | None:
    return next((r.split(":", 1)[1] for r in o.reasons if r.startswith("variant:")), None)


def arms(outcomes: Iterable[Outcome]) -> dict[tuple[str, str], list[Arm]]:
    """(flow, step) -> its variants' arms, in name order (the first is the one compared against)."""
    found: dict[tuple[str, str], dict[str, Arm]] = {}
    for o in outcomes:
        variant = _variant(o)
        if variant is not None:
            found.setdefault((o.flow, o.step), {}).setdefault(variant, Arm(variant)).add(o)
    return {key: [by_name[n] for n in sorted(by_name)] for key, by_name in sorted(found.items())}


def verdict(gap: Estimate) -> str:
    if gap.unreadable or not gap.excludes_zero:
        return "cannot tell yet"
    return "ahead" if gap.low > 0 else "behind"
