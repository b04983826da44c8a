"""The report as tables: built once, written as Markdown (terminal) and HTML (browser)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from touchpoint_tools.measure import experiments
from touchpoint_tools.measure.intervals import Estimate, held_out_needed
from touchpoint_tools.measure.satisfaction import Tally, Week
from touchpoint_tools.measure.summary import (
    FlowDifference,
    Outcome,
    Row,
    Summary,
    compare,
    differing_customers,
)

METHOD = (
    "Orders are attributed to the last marketing message sent (or, for the holdout, the last one that would "
    "have been sent) in the 7 days before the order. Incremental = conversion of sent messages minus "
    "conversion of held-out ones; its 95% interval is Newcombe's hybrid score interval for a difference of "
    "two proportions (Wilson intervals for single rates); revenue per recipient uses a seeded bootstrap over "
    "recipients. A cell too small to expect 5 orders in each group says what is missing instead."
)


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Report:
    title: str
    start: datetime
    end: datetime
    summaries: dict[str, Summary]
    facts: list[str] = field(default_factory=list)  # what was replayed, with which model
    tables: list[Table] = field(default_factory=list)
    plots: dict[str, str] = field(default_factory=dict)
    sides: list[tuple[str, list[Outcome], list[Outcome]]] = field(default_factory=list)


def pct(e: Estimate) -> str:
    return f"{100 * e.value:.2f}%"


def pct_interval(e: Estimate) -> str:
    if e.unreadable:
        return e.unreadable
    return f"{100 * e.value:+.2f} pp [{100 * e.low:+.2f}, {100 * e.high:+.2f}]"


def money_interval(e: Estimate) -> str:
    if e.unreadable:
        return e.unreadable
    if e.low == float("-inf"):
        return "n/a"
    return f"{e.value:+.2f} [{e.low:+.2f}, {e.high:+.2f}]"


def flow_table(label: str, summary: Summary) -> Table:
    rows = [_flow_row(r) for r in summary.flows]
    return Table(
        f"Per flow ({label})",
        [
            "flow",
            "eligible messages",  # one per step and shopper: a 3-step flow counts each shopper 3 times
            "sent",
            "held out",
            "suppressed",
            "cancelled",
            "opens",
            "clicks",
            "orders",
            "revenue",
            "conversion",
            "holdout conversion",
            "incremental per message",
            "incremental revenue per recipient",
            "unsubscribes",
            "complaints",
        ],
        rows,
        f"{summary.sent} messages to {summary.customers} customers: "
        f"{summary.per_customer_week:.2f} messages per customer per week.",
    )


def _flow_row(r: Row) -> list[str]:
    return [
        r.flow,
        str(r.eligible),
        str(r.sent),
        str(r.held_out),
        str(sum(r.suppressed.values())),
        str(r.cancelled),
        str(r.opens),
        str(r.clicks),
        str(r.orders),
        f"{r.revenue_cents / 100:,.2f}",
        pct(r.conversion),
        pct(r.holdout_conversion) if r.held_out else "no holdout",
        pct_interval(r.incremental) if r.held_out and r.sent else "n/a",
        money_interval(r.incremental_revenue),
        str(r.unsubscribes),
        str(r.complaints),
    ]


def step_table(label: str, summary: Summary) -> Table:
    rows = [
        [
            r.flow,
            r.step,
            str(r.eligible),
            str(r.sent),
            str(r.held_out),
            str(r.cancelled),
            str(r.failed),
            str(r.planned),
            ", ".join(f"{reason} {n}" for reason, n in sorted(r.suppressed.items())) or "-",
            str(r.orders),
        ]
        for r in summary.steps
    ]
    headers = ["flow", "step", "eligible", "sent", "held out", "cancelled", "failed", "still planned"]
    return Table(f"Per step ({label})", [*headers, "suppressed by reason", "orders"], rows)


def comparison_table(a: str, b: str, differences: list[FlowDifference]) -> Table:
    rows = [
        [
            d.flow,
            str(d.a.sent),
            str(d.b.sent),
            str(d.a.orders),
            str(d.b.orders),
            pct(d.a.conversion),
            pct(d.b.conversion),
            pct_interval(d.conversion),
        ]
        for d in differences
    ]
    return Table(
        f"{b} vs {a}, per flow",
        [
            "flow",
            f"sent {a}",
            f"sent {b}",
            f"orders {a}",
            f"orders {b}",
            f"conversion {a}",
            f"conversion {b}",
            f"difference {b} - {a}",
        ],
        rows,
        "The two runs replay the same shoppers; the interval treats them as independent samples, "
        "which is conservative.",
    )


def shadow_table(label: str, summary: Summary) -> Table | None:
    """What a stack in shadow mode would have sent, per flow and step; None when nothing was."""
    rows = [[r.flow, r.step, str(r.shadow)] for r in summary.steps if r.shadow]
    if not rows:
        return None
    return Table(
        f"Would have been sent in shadow mode ({label})",
        ["flow", "step", "would have been sent"],
        rows,
        f"{sum(r.shadow for r in summary.flows)} messages were decided and rendered but not sent: "
        "the stack was in shadow mode (`touchpoint mode live` sends them from then on).",
    )


def _csat(t: Tally) -> str:
    csat = t.csat
    if csat is None:
        return "no ratings"
    return f"{100 * csat.value:.0f}% ({t.good} of {t.good + t.bad}) [{100 * csat.low:.0f}%, {100 * csat.high:.0f}%]"


def _nps(t: Tally) -> str:
    return f"{t.nps:+.0f} ({t.scores} scores)" if t.nps is not None else "no scores"


def satisfaction_table(label: str, weeks: list[Week]) -> Table:
    """CSAT and NPS per week, from the period's rated tickets: every shopper, then those messaged
    and those held out."""
    rows = [
        [
            f"{w.monday:%Y-%m-%d}",
            _csat(w.every),
            _nps(w.every),
            _csat(w.messaged),
            _csat(w.held_out),
            _nps(w.held_out),
        ]
        for w in weeks
    ]
    headers = ["week", "CSAT [95%]", "NPS", "CSAT, messaged", "CSAT, held out", "NPS, held out"]
    note = "" if rows else "No rated tickets in this period."
    return Table(
        f"Satisfaction per week ({label}; CSAT: good among good and bad; NPS: 0-10 scores)",
        headers,
        rows,
        note,
    )


def _incremental_orders(summary: Summary) -> tuple[float, float, list[str]]:
    """Orders the messages added over the holdout, summed over the flows large enough to read
    (sent x difference in conversion), with a 95% half-width from the flows' intervals combined
    as independent; and the flows left out."""
    total, variance, left_out = 0.0, 0.0, []
    for row in summary.flows:
        gap = row.incremental
        if not row.sent or gap.unreadable:
            left_out.append(row.flow)
            continue
        total += row.sent * gap.value
        variance += (row.sent * (gap.high - gap.low) / 2) ** 2
    return total, variance**0.5, left_out


def orders_table(label: str, summary: Summary, orders: int, caused: int | None) -> Table:
    """Three answers to "what did the messages do", side by side, each with what it means."""
    attributed = sum(r.orders for r in summary.flows)
    added, half, left_out = _incremental_orders(summary)
    skipped = f" (left out, too small to read: {', '.join(left_out)})" if left_out else ""
    read = len(left_out) < len(summary.flows)
    incremental = (
        f"{added:+.1f} [{added - half:+.1f}, {added + half:+.1f}]" if read else "no flow large enough to read"
    )
    rows = [
        ["all orders in the period", str(orders), "every order, whatever led to it"],
        [
            "attributed (last touch, 7 days)",
            str(attributed),
            "orders within 7 days of a message sent: credit, not cause; a shopper who would have bought anyway counts",
        ],
        [
            "incremental (sent vs holdout)",
            incremental,
            f"what the messages added over the held-out shoppers' own buying, per flow summed{skipped}",
        ],
        [
            "caused (the response model's ground truth)",
            str(caused) if caused is not None else "not known in a live shop",
            "orders the synthetic response model made happen because of a message: what the two above estimate",
        ],
    ]
    return Table(
        f"Orders: attributed, incremental and caused ({label})", ["measure", "orders", "what it means"], rows
    )


PLANNED_LIFT = 0.2  # the relative lift a holdout should be able to find


def power_table(label: str, summary: Summary, days: float) -> Table:
    """How many held-out shoppers each flow needs to tell a 20% lift at its conversion, and how
    many more days that is at this period's pace."""
    rows = []
    for row in summary.flows:
        rate = row.orders / row.sent if row.sent else 0.0
        needed = (
            held_out_needed(rate, PLANNED_LIFT, row.held_out / row.sent)
            if row.sent and row.held_out
            else None
        )
        if needed is None:
            why = (
                "nothing sent"
                if not row.sent
                else ("no held-out shoppers" if not row.held_out else "no orders yet")
            )
            rows.append([row.flow, f"{100 * rate:.2f}%", str(row.held_out), why, "-"])
            continue
        more = max(0, needed - row.held_out)
        pace = row.held_out / days if days > 0 else 0.0
        when = "enough now" if not more else (f"about {math.ceil(more / pace):,} more days" if pace else "-")
        rows.append([row.flow, f"{100 * rate:.2f}%", str(row.held_out), f"{needed:,}", when])
    headers = [
        "flow",
        "conversion",
        "held out so far",
        f"held out needed for a {PLANNED_LIFT:.0%} lift",
        "at this pace",
    ]
    note = "Two-sided test at 5%, 80% power, at each flow's conversion and its sent-to-held-out ratio."
    return Table(f"Planning: how long until a holdout can tell ({label})", headers, rows, note)


def experiment_tables(label: str, outcomes: list[Outcome]) -> list[Table]:
    """One readout per step that runs an A/B test."""
    tables = []
    for (flow, step), variants in experiments.arms(outcomes).items():
        first, rows = variants[0], []
        for arm in variants:
            gap = arm.against(first) if arm is not first else None
            rows.append(
                [
                    arm.variant,
                    str(len(arm.shoppers)),
                    str(arm.sent),
                    str(arm.opens),
                    str(arm.clicks),
                    str(arm.orders),
                    f"{arm.revenue_per_recipient:.2f}",
                    pct_interval(gap) if gap else "(compared against)",
                    experiments.verdict(gap) if gap else "-",
                ]
            )
        headers = [
            "variant",
            "shoppers",
            "sends",
            "opens",
            "clicks",
            "orders",
            "revenue / send",
            "conversion vs first",
            "verdict",
        ]
        tables.append(Table(f"Experiment ({label}): {flow} / {step}", headers, rows))
    return tables


def assemble(report: Report, outcomes: dict[str, list[Outcome]]) -> Report:
    for label, summary in report.summaries.items():
        shadow = shadow_table(label, summary)
        report.tables += [
            *([shadow] if shadow else []),
            flow_table(label, summary),
            step_table(label, summary),
        ]
    for label in report.summaries:
        report.tables += experiment_tables(label, outcomes[label])
    labels = list(report.summaries)
    if len(labels) == 2:
        a, b = labels
        report.tables.insert(0, comparison_table(a, b, compare(report.summaries[a], report.summaries[b])))
        report.sides = differing_customers(outcomes[a], outcomes[b])
    return report
