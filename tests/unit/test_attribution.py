from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.decide.model import MessageView
from touchpoint.measure.attribution import attribute, lift_by_flow

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def msg(
    mid: str, status: str, hours_ago: float, converted_at: datetime | None = None, marketing: bool = True
) -> MessageView:
    at = NOW - timedelta(hours=hours_ago)
    sent_at = at if status == "sent" else None
    return MessageView(
        mid,
        "cart_abandonment",
        "s",
        status,
        "email",
        "t",
        due_at=at,
        sent_at=sent_at,
        converted_at=converted_at,
        marketing=marketing,
    )


def test_last_touch_in_the_window_gets_the_credit() -> None:
    messages = [
        msg("old", "sent", 30),
        msg("new", "sent", 2),
        msg("later", "planned", -5),
        msg("stale", "sent", 24 * 8),
    ]
    assert (attribute(messages, NOW) or msg("x", "sent", 0)).message_id == "new"
    assert attribute([msg("stale", "sent", 24 * 8)], NOW) is None
    assert attribute([msg("done", "sent", 1, converted_at=NOW)], NOW) is None
    assert attribute([msg("svc", "sent", 1, marketing=False)], NOW) is None


def test_holdout_messages_are_credited_by_their_would_be_time() -> None:
    assert (attribute([msg("h", "holdout", 3)], NOW) or msg("x", "sent", 0)).message_id == "h"


def test_lift_compares_sent_with_holdout() -> None:
    messages = [msg(f"s{i}", "sent", 1, converted_at=NOW if i < 3 else None) for i in range(10)]
    messages += [msg(f"h{i}", "holdout", 1, converted_at=NOW if i < 1 else None) for i in range(10)]
    [row] = lift_by_flow(messages)
    assert (row.sent, row.sent_converted, row.held_out, row.held_out_converted) == (10, 3, 10, 1)
    assert row.lift == pytest.approx(2.0)  # 30 % against 10 %
