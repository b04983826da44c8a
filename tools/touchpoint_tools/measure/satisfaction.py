"""CSAT and NPS per week, from rated tickets (pure): the share of good ratings among good and
bad, with its Wilson interval, and promoters (9-10) minus detractors (0-6) among 0-10 scores;
for every shopper, and apart for the held-out ones and the ones marketing can reach."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from touchpoint.events import TouchpointEvent
from touchpoint_tools.measure.intervals import Estimate, wilson


@dataclass(frozen=True)
class Rating:
    at: datetime
    customer_id: str
    rating: str | None  # good or bad
    score: int | None  # 0-10


def rating_of(event: TouchpointEvent, customer_id: str) -> Rating | None:
    ticket = event.ticket
    if ticket is None or (ticket.rating is None and ticket.nps is None):
        return None
    return Rating(event.occurred_at, customer_id, ticket.rating, ticket.nps)


@dataclass
class Tally:
    good: int = 0
    bad: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    def add(self, r: Rating) -> None:
        self.good += r.rating == "good"
        self.bad += r.rating == "bad"
        if r.score is not None:
            self.promoters += r.score >= 9
            self.detractors += r.score <= 6
            self.passives += 7 <= r.score <= 8

    @property
    def csat(self) -> Estimate | None:
        return wilson(self.good, self.good + self.bad) if self.good + self.bad else None

    @property
    def scores(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        return 100 * (self.promoters - self.detractors) / self.scores if self.scores else None


@dataclass
class Week:
    monday: date
    every: Tally = field(default_factory=Tally)
    messaged: Tally = field(default_factory=Tally)
    held_out: Tally = field(default_factory=Tally)


def weekly(ratings: Iterable[Rating], in_holdout: Callable[[str], bool]) -> list[Week]:
    """The weeks (Monday to Sunday, UTC, by when the ticket was rated) that had a rating or a
    score, oldest first."""
    weeks: dict[date, Week] = {}
    for r in ratings:
        day = r.at.astimezone(UTC).date()
        week = weeks.setdefault(
            day - timedelta(days=day.weekday()), Week(day - timedelta(days=day.weekday()))
        )
        week.every.add(r)
        (week.held_out if in_holdout(r.customer_id) else week.messaged).add(r)
    return [weeks[m] for m in sorted(weeks)]
