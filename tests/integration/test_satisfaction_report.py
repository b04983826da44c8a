"""`touchpoint report` shows CSAT and NPS per week from the help desk's rated tickets."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.report import live

from ..conftest import SECRET


def _rated(
    runtime: LocalRuntime, n: int, at: datetime, rating: str | None = None, nps: int | None = None
) -> None:
    ticket: dict[str, object] = {"id": f"T-{n}", "status": "rated"}
    if rating:
        ticket["rating"] = rating
    if nps is not None:
        ticket["nps"] = nps
    event = {
        "event_id": f"r{n}",
        "occurred_at": at.isoformat(),
        "customer": {"email": f"rater{n}@example.com"},
    }
    body = json.dumps({**event, "ticket": ticket}).encode()
    headers = {
        "X-Touchpoint-Signature": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    }
    answer = runtime.http("POST", "/webhooks/generic/tickets", headers, body)
    assert answer.status == 200, answer.body


def test_the_report_shows_csat_and_nps_for_each_week(runtime: LocalRuntime, tmp_path: Path) -> None:
    monday = datetime(2026, 11, 30, 10, tzinfo=UTC)
    for n, rating in enumerate(["good"] * 8 + ["bad"] * 2):
        _rated(runtime, n, monday + timedelta(hours=n), rating=rating)
    for n, score in enumerate([10, 9, 9, 8, 3], start=20):  # 3 promoters, 1 passive, 1 detractor
        _rated(runtime, n, monday + timedelta(days=7, hours=n), nps=score)
    report = live.build(monday - timedelta(days=1), monday + timedelta(days=14))
    table = next(t for t in report.tables if t.title.startswith("Satisfaction per week (live;"))
    assert [row[:3] for row in table.rows] == [
        ["2026-11-30", "80% (8 of 10) [49%, 94%]", "no scores"],
        ["2026-12-07", "no ratings", "+40 (5 scores)"],
    ]
    first = table.rows[0]
    rated = [re.search(r"\((\d+) of (\d+)\)", cell) for cell in first[3:5]]
    assert sum(int(m.group(2)) for m in rated if m) == 10  # messaged and held-out shoppers, apart
