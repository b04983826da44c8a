"""`touchpoint report`: the backtest's report for a running deployment, from its messages (a scan
of the table) and its archive (opens, clicks, opt-outs, orders)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from touchpoint.archive import store as archive
from touchpoint.decide import in_holdout
from touchpoint.events import Kind
from touchpoint.playbook.loading import current_playbook
from touchpoint.profiles.messages import RETENTION
from touchpoint.profiles.models import MESSAGE_PREFIX, MessageItem
from touchpoint_tools.measure.outcomes import to_outcome
from touchpoint_tools.measure.satisfaction import Week, rating_of, weekly
from touchpoint_tools.measure.summary import summarize
from touchpoint_tools.report import plots, render
from touchpoint_tools.report.build import Report, assemble, orders_table, power_table, satisfaction_table


def _responses(records: list[archive.Archived]) -> dict[str, dict[str, bool]]:
    """What the archive says each message led to (SendGrid events carry our message id)."""
    found: dict[str, dict[str, bool]] = defaultdict(dict)
    for r in records:
        event = r.event
        if not event.message_id:
            continue
        if event.kind == Kind.EMAIL_ENGAGED:
            found[event.message_id]["clicked" if event.name == "click" else "opened"] = True
        elif event.kind == Kind.CUSTOMER_UPDATED and event.consents:
            spam = any(c.source.endswith("spamreport") for c in event.consents)
            found[event.message_id]["complained" if spam else "unsubscribed"] = True
    for answers in found.values():
        answers["opened"] = answers.get("opened", False) or answers.get("clicked", False)
    return found


def _retention_fact(since: datetime, now: datetime) -> list[str]:
    """Messages expire (profiles/messages.py): a period reaching further back is incomplete."""
    kept_from = now - RETENTION
    if since >= kept_from:
        return []
    return [
        f"Messages are kept {RETENTION.days} days after they were due: those due before "
        f"{kept_from:%Y-%m-%d} may be missing from this report. The event archive keeps every event; "
        "`touchpoint archive export` and `touchpoint backtest --events` replay them."
    ]


def build(since: datetime, until: datetime) -> Report:
    records = archive.read(since, until)
    responses = _responses(records)
    outcomes = []
    for item in MessageItem.scan(MessageItem.sk.startswith(MESSAGE_PREFIX)):
        when = item.sent_at or item.due_at
        if when is not None and since <= when < until:
            outcomes.append(to_outcome(item, **responses.get(item.message_id, {})))
    customers = {r.customer_id for r in records} | {o.customer_id for o in outcomes}
    orders = [r.event.occurred_at for r in records if r.event.kind == Kind.ORDER_PLACED]
    weeks = (until - since).total_seconds() / (7 * 86400)
    summary = summarize(outcomes, len(customers), weeks, orders)
    facts = [
        f"{len(outcomes)} messages due or sent in the period (a scan of the table), "
        f"{len(records)} archived events received in it, {len(customers)} customers.",
        *_retention_fact(since, datetime.now(UTC)),
    ]
    report = assemble(Report("Touchpoint report", since, until, {"live": summary}, facts), {"live": outcomes})
    report.tables.insert(0, orders_table("live", summary, len(orders), None))
    report.tables.append(power_table("live", summary, (until - since).total_seconds() / 86400))
    report.tables.append(satisfaction_table("live", _satisfaction(records)))
    return report


def _satisfaction(records: list[archive.Archived]) -> list[Week]:
    """CSAT and NPS per week of the archive's rated tickets, held-out shoppers apart."""
    playbook = current_playbook()
    ratings = [found for r in records if (found := rating_of(r.event, r.customer_id)) is not None]
    return weekly(ratings, lambda customer: in_holdout(customer, playbook))


def write(since: datetime, until: datetime, out: Path) -> list[Path]:
    report = build(since, until)
    out.mkdir(parents=True, exist_ok=True)
    report.plots = plots.draw(report.summaries, out)
    return render.write(report, out)
