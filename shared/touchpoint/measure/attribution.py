"""Last-touch attribution within a window, for sent messages and for the holdout's would-be ones.

Crediting holdout messages the same way is what makes lift measurable: the holdout's conversion
rate is what the flow would have converted without sending anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from touchpoint.decide.model import MessageView, Status

WINDOW = timedelta(days=7)
CREDITED = {Status.SENT.value, Status.HOLDOUT.value}


def touched_at(message: MessageView) -> datetime | None:
    return message.sent_at if message.status == Status.SENT.value else message.due_at


def attribute(
    messages: Iterable[MessageView], order_at: datetime, window: timedelta = WINDOW
) -> MessageView | None:
    """The latest marketing message (sent, or held out) in the window before the order, not yet credited."""
    candidates = [
        m
        for m in messages
        if m.marketing
        and m.status in CREDITED
        and m.converted_at is None
        and (at := touched_at(m)) is not None
        and order_at - window <= at <= order_at
    ]
    return max(candidates, key=lambda m: touched_at(m) or order_at, default=None)


@dataclass
class FlowLift:
    flow: str
    sent: int = 0
    sent_converted: int = 0
    held_out: int = 0
    held_out_converted: int = 0

    @property
    def sent_rate(self) -> float:
        return self.sent_converted / self.sent if self.sent else 0.0

    @property
    def holdout_rate(self) -> float:
        return self.held_out_converted / self.held_out if self.held_out else 0.0

    @property
    def lift(self) -> float | None:
        """Relative lift over the holdout; None until the holdout has converted at all."""
        return (self.sent_rate - self.holdout_rate) / self.holdout_rate if self.holdout_rate else None


def lift_by_flow(messages: Iterable[MessageView]) -> list[FlowLift]:
    flows: dict[str, FlowLift] = defaultdict(lambda: FlowLift(""))
    for m in messages:
        if not m.marketing or m.status not in CREDITED:
            continue
        row = flows[m.flow]
        row.flow = m.flow
        if m.status == Status.SENT.value:
            row.sent += 1
            row.sent_converted += m.converted_at is not None
        else:
            row.held_out += 1
            row.held_out_converted += m.converted_at is not None
    return sorted(flows.values(), key=lambda r: r.flow)
