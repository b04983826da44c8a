"""Messages expire 35 days after they are due, so the customer's partition every event reads stays
bounded; a once-per-customer run (the welcome) never expires, or it would run again. An expired
message DynamoDB has not deleted yet counts as gone, on every path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.profiles import messages, store
from touchpoint.profiles.models import MessageItem
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import Shop

EMAIL = "shopper31@example.com"


def _items(email: str) -> dict[str, MessageItem]:
    customer_id = store.find_customer(email)
    assert customer_id
    return {m.step: m for m in store.load(customer_id)[1]}


def _checkout(shop: Shop, at: datetime, webhook_id: str) -> None:
    status, body = shop.post("checkouts", "checkouts/update", shop.checkout(31, at=at), webhook_id=webhook_id)
    assert status == 200, body


def _age(email: str, expired_at: datetime) -> None:
    """What 35 days and more do to the reminders: sent, then past their expiry, not yet deleted."""
    for item in _items(email).values():
        item.update(actions=[MessageItem.status.set("sent"), MessageItem.expires_at.set(expired_at)])


def test_a_checkouts_reminders_expire_35_days_after_they_are_due(shop: Shop, runtime: LocalRuntime) -> None:
    now = datetime.now(UTC)
    _checkout(shop, now, "w-1")
    items = _items(EMAIL)
    assert {step: m.status for step, m in items.items()} == {
        "email_1h": "planned",
        "email_24h": "planned",
        "sms_48h": "suppressed",
    }
    for item in items.values():
        assert item.expires_at is not None and item.due_at is not None
        assert item.expires_at == (item.due_at + messages.RETENTION).replace(microsecond=0)


def test_the_welcome_never_expires(shop: Shop, runtime: LocalRuntime) -> None:
    now = datetime.now(UTC)
    customer = shop.customer(32)
    customer["email_marketing_consent"]["consent_updated_at"] = now.isoformat()
    customer["updated_at"] = now.isoformat()
    status, body = shop.post("customers", "customers/update", customer, webhook_id="c-1")
    assert status == 200, body
    welcome = _items("shopper32@example.com")["welcome"]
    assert welcome.status == "planned" and welcome.expires_at is None


@pytest.mark.parametrize("expired", [False, True])
def test_a_sent_reminder_is_planned_again_only_once_expired(
    shop: Shop, runtime: LocalRuntime, expired: bool
) -> None:
    """Expired but not deleted yet: the same checkout touched again replaces it (no conflict with
    the leftover item); still live, it stays sent and nothing goes out twice."""
    now = datetime.now(UTC)
    _checkout(shop, now, "w-1")
    _age(EMAIL, now + (timedelta(seconds=-1) if expired else timedelta(days=30)))

    _checkout(shop, now + timedelta(minutes=5), "w-2")

    reminder = _items(EMAIL)["email_1h"]
    assert reminder.status == ("planned" if expired else "sent")
    assert reminder.expires_at is not None and reminder.expires_at > now
