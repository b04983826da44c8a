"""A stored message as the report reads it: the one copy from MessageItem to Outcome."""

from __future__ import annotations

from touchpoint.profiles.models import MessageItem
from touchpoint_tools.measure.summary import Outcome


def to_outcome(item: MessageItem, **responses: bool) -> Outcome:
    """What the report reads of a message; `responses`: opened, clicked... when known."""
    return Outcome(
        message_id=item.message_id,
        customer_id=item.customer_id,
        flow=item.flow,
        step=item.step,
        channel=item.channel,
        status=item.status,
        reasons=tuple(item.reasons or ()),
        marketing=bool(item.marketing),
        due_at=item.due_at,
        sent_at=item.sent_at,
        converted_at=item.converted_at,
        conversion_cents=int(item.conversion_cents or 0),
        **responses,
    )
