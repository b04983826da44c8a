"""Plain data the decision code works on: no AWS, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from touchpoint.decide import zones


class Action(StrEnum):
    SCHEDULE = "schedule"
    CANCEL = "cancel"
    SUPPRESS = "suppress"


class Status(StrEnum):
    PLANNED = "planned"
    QUEUED = "queued"  # transient: a send failed and waits for the queue to bring it back
    SENDING = "sending"  # transient: the Sender is calling the channel
    UNKNOWN = "unknown"  # transient: the provider may have it; its events settle it (sending/reconcile.py)
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SUPPRESSED = "suppressed"
    HOLDOUT = "holdout"
    SHADOW = "shadow"  # decided and rendered in shadow mode (sending/modes.py): never sent


# a re-trigger may re-plan these; every other status is settled for good
OPEN_STATUSES = frozenset({Status.PLANNED, Status.SUPPRESSED})
# still to go out, or going out now: what makes a flow's run active
PENDING_STATUSES = frozenset({Status.PLANNED, Status.QUEUED, Status.SENDING})


@dataclass(frozen=True)
class ConsentRecord:
    state: str
    at: datetime | None = None
    source: str = ""

    @property
    def granted(self) -> bool:
        return self.state == "subscribed"


@dataclass(frozen=True)
class MessageView:
    message_id: str
    flow: str
    step: str
    status: str
    channel: str
    template: str
    due_at: datetime | None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    marketing: bool = True
    reasons: tuple[str, ...] = ()
    trigger_at: datetime | None = None
    converted_at: datetime | None = None  # an order was credited to this message
    trigger: str = ""  # what started this run of the flow, e.g. "checkout:<token>"


@dataclass
class Profile:
    """The customer as decide() sees it: the stored profile plus the event just applied."""

    customer_id: str
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    consent: dict[str, ConsentRecord] = field(default_factory=dict)
    timezone: str | None = None  # observed or stated; never guessed
    locale: str | None = None  # the shop's or the browser's word for the shopper's language
    country: str | None = None
    province: str | None = None
    orders_count: int = 0
    discounted_orders: int = 0
    revenue: Decimal = Decimal(0)
    first_seen_at: datetime | None = None
    last_order_at: datetime | None = None
    last_checkout_at: datetime | None = None
    open_tickets: int = 0
    last_rating: str | None = None
    purchased: frozenset[str] = frozenset()
    ordered_checkouts: frozenset[str] = frozenset()
    viewed: tuple[str, ...] = ()
    carted: tuple[str, ...] = ()
    checkout: dict[str, Any] | None = None  # the latest open checkout: token, items, total, url
    last_event_at: dict[str, datetime] = field(default_factory=dict)  # event kind -> latest time
    email_bounced: bool = False
    last_engaged_at: datetime | None = None
    affinity: dict[str, float] = field(default_factory=dict)  # decay-normalized; see decide/affinity.py
    engagement_hours: dict[int, int] = field(default_factory=dict)  # UTC hour -> opens and clicks
    topics_off: frozenset[str] = frozenset()  # preference center: topics switched off
    frequency: str = "normal"  # normal, weekly (one marketing message a week at most) or paused
    paused_until: datetime | None = None
    messages: tuple[MessageView, ...] = ()

    @property
    def zones(self) -> tuple[ZoneInfo, ...]:
        """Every time zone this customer may be in (decide/zones.py); empty when unknown."""
        return zones.candidates(self.timezone, self.country, self.province, self.phone)

    def has_consent(self, channel: str) -> bool:
        record = self.consent.get(channel)
        if record is None and channel == "retargeting":
            record = self.consent.get(
                "email"
            )  # no separate ads consent recorded: e-mail marketing consent decides
        return bool(record and record.granted)

    def reachable(self, channel: str) -> bool:
        if channel == "email":
            return bool(self.email) and not self.email_bounced
        if channel == "sms":
            return bool(self.phone)
        return bool(self.email or self.phone)


@dataclass(frozen=True)
class Decision:
    """One thing to do about one message, with the reason codes that explain it."""

    action: Action
    message_id: str
    flow: str
    step: str
    channel: str
    template: str
    due_at: datetime
    reasons: tuple[str, ...]
    marketing: bool = True
    trigger: str = ""
    products: tuple[dict[str, Any], ...] = ()
    offer: dict[str, Any] | None = None
    variant: str | None = None

    @property
    def status(self) -> Status:
        return {
            Action.SCHEDULE: Status.PLANNED,
            Action.CANCEL: Status.CANCELLED,
            Action.SUPPRESS: Status.SUPPRESSED,
        }[self.action]


@dataclass(frozen=True)
class Verdict:
    """What the send-time re-check says of one claimed message."""

    send: bool
    reasons: tuple[str, ...]
    status: Status = Status.PLANNED
    retry_at: datetime | None = None
    channel: str | None = None  # set when the step's fallback channel takes over
    template: str | None = None
