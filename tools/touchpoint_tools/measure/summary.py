"""The report's numbers, from messages as they ended (pure): per flow and step, what was
eligible, sent, suppressed and why, held out, what it caused, and what it caused beyond the
holdout (incremental), with 95% intervals (measure/intervals.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from touchpoint.decide.model import Status
from touchpoint_tools.measure.intervals import Estimate, difference, mean_difference, readable, wilson


@dataclass(frozen=True)
class Outcome:
    """One message as the report sees it: where it ended, and what the shopper did after."""

    message_id: str
    customer_id: str
    flow: str
    step: str
    channel: str
    status: str
    reasons: tuple[str, ...]
    marketing: bool
    due_at: datetime | None
    sent_at: datetime | None
    converted_at: datetime | None
    conversion_cents: int
    opened: bool = False
    clicked: bool = False
    unsubscribed: bool = False
    complained: bool = False

    @property
    def reason(self) -> str:
        """Why it ended as it did: the last reason code, without its detail."""
        return self.reasons[-1].split(":")[0] if self.reasons else "none"


@dataclass
class Row:
    flow: str
    step: str
    eligible: int = 0
    sent: int = 0
    held_out: int = 0
    cancelled: int = 0
    failed: int = 0
    planned: int = 0
    shadow: int = 0  # would have been sent: recorded in shadow mode (sending/modes.py)
    suppressed: Counter[str] = field(default_factory=Counter)
    opens: int = 0
    clicks: int = 0
    orders: int = 0
    revenue_cents: int = 0
    holdout_orders: int = 0
    unsubscribes: int = 0
    complaints: int = 0
    sent_revenue: list[float] = field(default_factory=list)
    holdout_revenue: list[float] = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        self.eligible += 1
        counted = {
            Status.SENT.value: "sent",
            Status.HOLDOUT.value: "held_out",
            Status.CANCELLED.value: "cancelled",
            Status.FAILED.value: "failed",
            Status.PLANNED.value: "planned",
            Status.SHADOW.value: "shadow",
        }.get(o.status)
        if counted:
            setattr(self, counted, getattr(self, counted) + 1)
        elif o.status == Status.SUPPRESSED.value:
            self.suppressed[o.reason] += 1
        money = o.conversion_cents / 100 if o.converted_at else 0.0
        if o.status == Status.SENT.value:
            self.opens += o.opened
            self.clicks += o.clicked
            self.unsubscribes += o.unsubscribed
            self.complaints += o.complained
            self.orders += o.converted_at is not None
            self.revenue_cents += o.conversion_cents if o.converted_at else 0
            self.sent_revenue.append(money)
        elif o.status == Status.HOLDOUT.value:
            self.holdout_orders += o.converted_at is not None
            self.holdout_revenue.append(money)

    @property
    def conversion(self) -> Estimate:
        """Orders attributed (last touch, 7 days) per message sent."""
        return wilson(self.orders, self.sent)

    @property
    def holdout_conversion(self) -> Estimate:
        return wilson(self.holdout_orders, self.held_out)

    @property
    def incremental(self) -> Estimate:
        """Sent minus held-out conversion: the orders the messages caused, per message."""
        found = difference(self.orders, self.sent, self.holdout_orders, self.held_out)
        return found.but(readable(self.orders, self.sent, self.holdout_orders, self.held_out))

    @property
    def incremental_revenue(self) -> Estimate:
        found = mean_difference(self.sent_revenue, self.holdout_revenue)
        return found.but(readable(self.orders, self.sent, self.holdout_orders, self.held_out))


@dataclass
class Summary:
    steps: list[Row]
    flows: list[Row]
    customers: int
    weeks: float
    sends_by_day: dict[date, int]
    orders_by_day: dict[date, int]
    send_hours: Counter[int]
    per_customer: Counter[int]  # messages sent -> customers who got that many

    @property
    def sent(self) -> int:
        return sum(r.sent for r in self.flows)

    @property
    def per_customer_week(self) -> float:
        return self.sent / self.customers / self.weeks if self.customers and self.weeks else 0.0


def summarize(
    outcomes: Iterable[Outcome],
    customers: int,
    weeks: float,
    orders_at: Sequence[datetime] = (),
) -> Summary:
    """`orders_at`: every order in the period (caused or not), for the orders-over-time plot."""
    steps: dict[tuple[str, str], Row] = {}
    flows: dict[str, Row] = {}
    sends_by_day: Counter[date] = Counter()
    send_hours: Counter[int] = Counter()
    per_customer: Counter[str] = Counter()
    for o in sorted(outcomes, key=lambda o: o.message_id):
        steps.setdefault((o.flow, o.step), Row(o.flow, o.step)).add(o)
        flows.setdefault(o.flow, Row(o.flow, "all")).add(o)
        if o.status == Status.SENT.value and o.sent_at is not None:
            sends_by_day[o.sent_at.date()] += 1
            send_hours[o.sent_at.hour] += 1
            per_customer[o.customer_id] += 1
    histogram: Counter[int] = Counter(per_customer.values())
    histogram[0] = max(0, customers - len(per_customer))
    return Summary(
        steps=[steps[k] for k in sorted(steps)],
        flows=[flows[k] for k in sorted(flows)],
        customers=customers,
        weeks=weeks,
        sends_by_day=dict(sorted(sends_by_day.items())),
        orders_by_day=dict(sorted(Counter(at.date() for at in orders_at).items())),
        send_hours=send_hours,
        per_customer=histogram,
    )


@dataclass(frozen=True)
class FlowDifference:
    flow: str
    a: Row
    b: Row

    @property
    def conversion(self) -> Estimate:
        """B's conversion per message sent minus A's."""
        return difference(self.b.orders, self.b.sent, self.a.orders, self.a.sent)


def compare(a: Summary, b: Summary) -> list[FlowDifference]:
    rows_a = {r.flow: r for r in a.flows}
    rows_b = {r.flow: r for r in b.flows}
    return [
        FlowDifference(flow, rows_a.get(flow, Row(flow, "all")), rows_b.get(flow, Row(flow, "all")))
        for flow in sorted(set(rows_a) | set(rows_b))
    ]


REACHED = {Status.SENT.value, Status.HOLDOUT.value, Status.SHADOW.value, Status.UNKNOWN.value}


def differing_customers(
    a: Iterable[Outcome], b: Iterable[Outcome], limit: int = 5
) -> list[tuple[str, list[Outcome], list[Outcome]]]:
    """Customers whose messages differ between the two playbooks, with both sets side by side;
    not those neither playbook reached (everything suppressed or cancelled under both)."""
    by_a: dict[str, list[Outcome]] = defaultdict(list)
    by_b: dict[str, list[Outcome]] = defaultdict(list)
    for o in a:
        by_a[o.customer_id].append(o)
    for o in b:
        by_b[o.customer_id].append(o)

    def shape(items: list[Outcome]) -> list[tuple[str, str, str, str]]:
        return sorted((o.flow, o.step, o.status, str(o.due_at)) for o in items)

    def reached(items: list[Outcome]) -> bool:
        return any(o.status in REACHED for o in items)

    found = []
    for customer in sorted(set(by_a) | set(by_b)):
        if not (reached(by_a[customer]) or reached(by_b[customer])):
            continue
        if shape(by_a[customer]) != shape(by_b[customer]):
            found.append((customer, sorted(by_a[customer], key=_order), sorted(by_b[customer], key=_order)))
        if len(found) == limit:
            break
    return found


def _order(o: Outcome) -> tuple[str, str]:
    return (o.due_at.isoformat() if o.due_at else "", o.message_id)
