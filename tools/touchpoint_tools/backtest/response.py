"""The response model: what a delivered message makes a shopper do (model.yaml, section `response`).

Each message draws from its own seeded stream (`<seed>:<message id>`), so its outcome does not
depend on the order of the replay. Only a delivered message has an effect: a held-out shopper
orders exactly as the synthetic shop says (the baseline), and a treated one may order besides;
the difference between the two is the incremental effect a holdout measures.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from touchpoint.events import Consent, Identity, Kind, LineItem, Order, TouchpointEvent
from touchpoint_tools.backtest.model import Send

FALLBACK_LINE = LineItem(product_id="sku-any", title="Another purchase", price=Decimal("60.00"))


@dataclass
class Effect:
    """What one message caused, and the events that report it back to the shop."""

    opened: bool = False
    clicked: bool = False
    ordered: Decimal | None = None
    unsubscribed: bool = False
    complained: bool = False
    events: list[TouchpointEvent] = field(default_factory=list)


class ResponseModel:
    def __init__(self, params: dict[str, Any], seed: int) -> None:
        self.params, self.seed = params, seed

    def respond(self, send: Send, recent: int) -> Effect:
        """`recent`: marketing messages this customer received in the 7 days before this one."""
        effect = Effect()
        if not send.marketing:
            return effect
        rng = random.Random(f"{self.seed}:{send.message_id}")
        damping = self.params["fatigue"] ** recent * self._night(send)
        if send.channel == "email":
            self._email(send, rng, damping, effect)
        elif send.channel == "sms":
            self._sms(send, rng, damping, effect)
        return effect

    def _night(self, send: Send) -> float:
        night = self.params["night"]
        hour = send.sent_at.astimezone(ZoneInfo(send.timezone) if send.timezone else UTC).hour
        quiet = hour >= night["from"] or hour < night["to"]
        return float(night["factor"]) if quiet else 1.0

    def _email(self, send: Send, rng: random.Random, damping: float, effect: Effect) -> None:
        email = self.params["email"]
        at = send.sent_at + self._delay(rng, "open")
        if rng.random() < email["open"] * damping:
            effect.opened = True
            effect.events.append(_feedback(send, "open", at, Kind.EMAIL_ENGAGED))
            if rng.random() < email["click_given_open"]:
                at += self._delay(rng, "click")
                effect.clicked = True
                effect.events.append(_feedback(send, "click", at, Kind.EMAIL_ENGAGED))
                self._order(send, rng, at, effect)
        if rng.random() < email["unsubscribe"]:
            effect.unsubscribed = True
            effect.events.append(_withdrawal(send, "email", "sendgrid:unsubscribe", at))
        elif rng.random() < email["complaint"]:
            effect.complained = True
            effect.events.append(_withdrawal(send, "email", "sendgrid:spamreport", at))

    def _sms(self, send: Send, rng: random.Random, damping: float, effect: Effect) -> None:
        sms = self.params["sms"]
        at = send.sent_at + self._delay(rng, "click")
        if rng.random() < sms["click"] * damping:
            effect.clicked = True
            self._order(send, rng, at, effect)
        if rng.random() < sms["opt_out"]:
            effect.unsubscribed = True
            effect.events.append(_withdrawal(send, "sms", "sms:STOP", at))

    def _order(self, send: Send, rng: random.Random, clicked_at: datetime, effect: Effect) -> None:
        chances = self.params["order_given_click"]
        chance = chances.get(send.flow, chances["default"])
        if send.trigger_at is not None:
            hours = max(0.0, (clicked_at - send.trigger_at).total_seconds() / 3600)
            chance *= math.pow(0.5, hours / self.params["half_life_hours"])
        if rng.random() >= chance:
            return
        lines = tuple(LineItem.model_validate(i) for i in send.items) or (FALLBACK_LINE,)
        total = sum((line.price * line.quantity for line in lines), Decimal(0))
        at = clicked_at + self._delay(rng, "order")
        effect.ordered = total
        order = Order(order_id=f"o-{send.message_id}", items=lines, total=total, currency=send.currency)
        effect.events.append(
            TouchpointEvent(
                source="shopify",
                event_id=f"{send.message_id}:order",
                kind=Kind.ORDER_PLACED,
                occurred_at=at,
                identity=Identity(customer_id=send.customer_id),
                order=order,
            )
        )

    def _delay(self, rng: random.Random, what: str) -> timedelta:
        low, high = self.params["delays_minutes"][what]
        return timedelta(minutes=rng.uniform(low, high))


def _feedback(send: Send, name: str, at: datetime, kind: Kind) -> TouchpointEvent:
    """As sources/sendgrid_events.py makes it from SendGrid's open and click events."""
    return TouchpointEvent(
        source="sendgrid",
        event_id=f"{send.message_id}:{name}",
        kind=kind,
        occurred_at=at,
        identity=Identity(customer_id=send.customer_id),
        name=name,
        message_id=send.message_id,
        creates_profile=False,
    )


def _withdrawal(send: Send, channel: str, source: str, at: datetime) -> TouchpointEvent:
    consent = Consent(channel=channel, state="unsubscribed", at=at, source=source)  # type: ignore[arg-type]
    return TouchpointEvent(
        source=source.split(":")[0],
        event_id=f"{send.message_id}:{source}",
        kind=Kind.CUSTOMER_UPDATED,
        occurred_at=at,
        identity=Identity(customer_id=send.customer_id),
        consents=(consent,),
        message_id=send.message_id,
        creates_profile=False,
    )
