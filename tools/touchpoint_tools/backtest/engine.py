"""The replay: events in simulated time, the Dispatcher at each minute something is due, and the
response model's feedback (opens, clicks, orders, opt-outs) fed back in as events.

The driver is the same for both shops (backtest/memory.py, and the functions on moto in
backtest/functions.py), which is what lets a test prove the two equal.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from touchpoint.events import Kind, TouchpointEvent
from touchpoint.profiles.models import MessageItem
from touchpoint_tools.backtest.model import Send
from touchpoint_tools.backtest.response import Effect, ResponseModel
from touchpoint_tools.measure.satisfaction import Rating, rating_of

MINUTE = timedelta(minutes=1)
FATIGUE_WINDOW = timedelta(days=7)


class Shop(Protocol):
    def apply(self, event: TouchpointEvent, now: datetime) -> str | None: ...
    def next_due(self) -> datetime | None: ...
    def dispatch(self, now: datetime) -> list[Send]: ...
    def all_messages(self) -> list[MessageItem]: ...


@dataclass(frozen=True)
class OrderSeen:
    customer_id: str
    at: datetime
    total: Decimal
    caused_by: str | None  # the message the response model says caused it; None: the shop's own


@dataclass
class Replay:
    """What happened: every message, what each delivered one caused, and every order."""

    messages: list[MessageItem] = field(default_factory=list)
    # by (customer, message): message ids are unique per customer only (a day's browse run has one id)
    effects: dict[tuple[str, str], Effect] = field(default_factory=dict)
    orders: list[OrderSeen] = field(default_factory=list)
    customers: set[str] = field(default_factory=set)
    ratings: list[Rating] = field(default_factory=list)  # rated tickets, for CSAT and NPS
    events: int = 0


def ceil_minute(at: datetime) -> datetime:
    floor = at.replace(second=0, microsecond=0)
    return floor if floor == at else floor + MINUTE


class Driver:
    def __init__(self, shop: Shop, responses: ResponseModel | None, until: datetime) -> None:
        self.shop, self.responses, self.until = shop, responses, until
        self.result = Replay()
        self._feedback: list[tuple[datetime, int, TouchpointEvent]] = []
        self._seq = 0
        self._recent: dict[str, deque[datetime]] = defaultdict(deque)
        self._last_tick: datetime | None = None

    def run(self, arrivals: Iterable[tuple[datetime, TouchpointEvent]]) -> Replay:
        """`arrivals`: (received at, event) in time order."""
        stream = iter(arrivals)
        upcoming = next(stream, None)
        while True:
            tick = self._next_tick()
            arrival = self._next_arrival(upcoming)
            if tick is not None and (arrival is None or tick <= arrival[0]):
                self._dispatch(tick)
            elif arrival is not None:
                if upcoming is not None and arrival is upcoming:
                    upcoming = next(stream, None)
                else:
                    heapq.heappop(self._feedback)
                self._apply(*arrival)
            else:
                break
        self.result.messages = self.shop.all_messages()
        return self.result

    def _next_tick(self) -> datetime | None:
        due = self.shop.next_due()
        if due is None:
            return None
        tick = ceil_minute(due)
        if self._last_tick is not None:
            tick = max(tick, self._last_tick + MINUTE)
        return tick if tick < self.until else None

    def _next_arrival(
        self, upcoming: tuple[datetime, TouchpointEvent] | None
    ) -> tuple[datetime, TouchpointEvent] | None:
        candidates = [a for a in (upcoming, self._feedback[0][::2] if self._feedback else None) if a]
        found = min(candidates, key=lambda a: a[0], default=None)
        return found if found is not None and found[0] < self.until else None

    def _apply(self, at: datetime, event: TouchpointEvent) -> None:
        customer_id = self.shop.apply(event, at)
        self.result.events += 1
        if customer_id is None:
            return
        self.result.customers.add(customer_id)
        rated = rating_of(event, customer_id)
        if rated is not None:
            self.result.ratings.append(rated)
        if event.kind == Kind.ORDER_PLACED and event.order is not None:
            caused = event.event_id.removesuffix(":order") if event.event_id.endswith(":order") else None
            self.result.orders.append(OrderSeen(customer_id, event.occurred_at, event.order.total, caused))

    def _dispatch(self, now: datetime) -> None:
        self._last_tick = now
        for send in self.shop.dispatch(now):
            effect = self._respond(send)
            self.result.effects[(send.customer_id, send.message_id)] = effect
            for event in effect.events:
                self._seq += 1
                heapq.heappush(self._feedback, (event.occurred_at, self._seq, event))

    def _respond(self, send: Send) -> Effect:
        if self.responses is None or not send.marketing:
            return Effect()
        recent = self._recent[send.customer_id]
        while recent and recent[0] < send.sent_at - FATIGUE_WINDOW:
            recent.popleft()
        effect = self.responses.respond(send, len(recent))
        recent.append(send.sent_at)
        return effect


def arrivals(events: Iterable[TouchpointEvent]) -> Iterator[tuple[datetime, TouchpointEvent]]:
    """Synthetic events arrive when they happen."""
    return ((e.occurred_at, e) for e in events)
