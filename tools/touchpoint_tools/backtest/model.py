"""What the replay hands the response model: one delivered message, with what it was about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from touchpoint.decide import Profile
from touchpoint.profiles.models import MessageItem
from touchpoint.profiles.store import plain


@dataclass(frozen=True)
class Send:
    message_id: str
    customer_id: str
    flow: str
    channel: str
    marketing: bool
    sent_at: datetime
    trigger_at: datetime | None
    timezone: str | None
    items: tuple[dict[str, Any], ...]  # the cart or order lines the message is about
    currency: str

    @classmethod
    def of(cls, item: MessageItem, profile: Profile) -> Send:
        context = plain(item.context) or {}
        assert item.sent_at is not None
        return cls(
            message_id=item.message_id,
            customer_id=item.customer_id,
            flow=item.flow,
            channel=item.channel,
            marketing=bool(item.marketing),
            sent_at=item.sent_at,
            trigger_at=item.trigger_at,
            timezone=profile.timezone,
            items=tuple(context.get("items") or ()),
            currency=str(context.get("currency") or ""),
        )
