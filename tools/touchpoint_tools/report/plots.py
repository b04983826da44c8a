"""The report's four plots (matplotlib, Agg, no display). Files are byte-identical for the same
numbers: no timestamps or version strings are written into them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from touchpoint_tools.measure.summary import Summary

PNG_METADATA = {"Software": None}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {"figure.dpi": 100, "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
    )
    return plt


def _save(fig: Any, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, format="png", metadata=PNG_METADATA)
    _pyplot().close(fig)  # pyplot keeps every figure until closed: a long session would pile them up
    return path.name


def over_time(summaries: dict[str, Summary], path: Path) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3))
    for label, s in summaries.items():
        days = sorted(set(s.sends_by_day) | set(s.orders_by_day))
        ax.plot(days, [s.sends_by_day.get(d, 0) for d in days], label=f"messages sent ({label})")
        ax.plot(days, [s.orders_by_day.get(d, 0) for d in days], linestyle="--", label=f"orders ({label})")
    ax.set_title("Messages sent and orders per day")
    ax.legend(loc="upper left", fontsize=7)
    fig.autofmt_xdate()
    return _save(fig, path)


def conversion_by_flow(summary: Summary, path: Path) -> str:
    """Treated vs holdout conversion per flow, with the 95% intervals as error bars."""
    plt = _pyplot()
    rows = [r for r in summary.flows if r.sent >= 20 and r.held_out]  # a bar needs something to compare
    fig, ax = plt.subplots(figsize=(7, 3))
    xs = range(len(rows))
    tallest = 0.0
    for offset, label, estimates in (
        (-0.18, "sent", [r.conversion for r in rows]),
        (0.18, "held out", [r.holdout_conversion for r in rows]),
    ):
        values = [100 * e.value for e in estimates]
        errors = [
            [max(0.0, 100 * (e.value - e.low)) for e in estimates],
            [max(0.0, 100 * (e.high - e.value)) for e in estimates],
        ]
        ax.bar([x + offset for x in xs], values, width=0.36, yerr=errors, capsize=3, label=label)
        tallest = max([tallest, *values])
    # a tiny holdout's whisker reaches far up: the axis follows the bars, the whisker runs off the top
    ax.set_ylim(0, max(1.0, 3 * tallest))
    ax.set_xticks(list(xs), [r.flow for r in rows], rotation=20, ha="right")
    ax.set_ylabel("orders per message, %")
    ax.set_title("Conversion by flow: sent vs holdout (95% intervals; flows with a holdout)")
    ax.legend(fontsize=7)
    return _save(fig, path)


def send_hours(summary: Summary, path: Path) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    ax.bar(range(24), [summary.send_hours.get(h, 0) for h in range(24)])
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel("hour of the send (UTC)")
    ax.set_title("When messages went out")
    return _save(fig, path)


def per_customer(summary: Summary, path: Path) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    counts = sorted(summary.per_customer)
    ax.bar(counts, [summary.per_customer[c] for c in counts])
    ax.set_xlabel("messages received in the period")
    ax.set_ylabel("customers")
    ax.set_yscale("symlog")
    ax.set_title("Messages per customer")
    return _save(fig, path)


def draw(summaries: dict[str, Summary], out: Path) -> dict[str, str]:
    """Every plot into `out`; returns their file names by role."""
    first = next(iter(summaries.values()))
    return {
        "over_time": over_time(summaries, out / "sends_and_orders.png"),
        "conversion": conversion_by_flow(first, out / "conversion_by_flow.png"),
        "hours": send_hours(first, out / "send_hours.png"),
        "per_customer": per_customer(first, out / "messages_per_customer.png"),
    }
