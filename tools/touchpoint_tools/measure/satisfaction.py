"""CSAT and NPS per week, from rated tickets (pure): the share of good ratings among good and
bad, with its Wilson interval, and promoters (9-10) minus detractors (0-6) among 0-10 scores."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from touchpoint.events import TouchpointEvent
from touchpoint_tools.measure.intervals import Estimate, wilson


@dataclass
class Week:
    monday: date
    good: int = 0
    bad: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    def add(self, rating: str | None, score: int | None) -> None:
        if rating in ("good", "bad"):
            self.good += rating == "good"
            self.bad += rating == "bad"
        if score is not None:
            self.promoters += score >= 9
            self.detractors += score <= 6
            self.passives += 7 <= score <= 8

    @property
    def csat(self) -> Estimate | None:
        return wilson(self.good, self.good + self.bad) if self.good + self.bad else None

    @property
    def scores(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        return 100 * (self.promoters - self.detractors) / self.scores if self.scores else None


def weekly(events: Iterable[TouchpointEvent]) -> list[Week]:
    """The weeks (Monday to Sunday, UTC, by when the ticket was rated) that had a rating or a
    score, oldest first."""
    weeks: dict[date, Week] = {}
    for event in events:
        ticket = event.ticket
        if ticket is None or (ticket.rating is None and ticket.nps is None):
            continue
        day = event.occurred_at.astimezone(UTC).date()
        monday = day - timedelta(days=day.weekday())
        weeks.setdefault(monday, Week(monday)).add(ticket.rating, ticket.nps)
    return [weeks[m] for m in sorted(weeks)]
