"""A DynamoDB answer lost on the way back: the SDK retries the same request, which then meets
our own write. Claims and event markers recognise their own work instead of skipping it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from touchpoint import aws
from touchpoint.profiles import store
from touchpoint.profiles.models import MessageItem
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop


def _drop_first_answer(client: Any, operation: str, matches: Callable[[bytes], bool]) -> list[str]:
    """After the first successful `operation` whose request matches, pretend the answer was lost:
    botocore retries the identical request (the retry path of a real network fault)."""
    dropped: list[str] = []

    def needs_retry(
        response: Any, request_dict: dict[str, Any], attempts: int, caught_exception: Any, **_: Any
    ) -> Any:
        body = request_dict.get("body") or b""
        body = body if isinstance(body, bytes) else str(body).encode()
        ok = caught_exception is None and response is not None and response[0].status_code == 200
        if ok and attempts == 1 and matches(body) and not dropped:
            dropped.append(body.decode(errors="replace"))
            return 0  # retry at once, as after a dropped connection
        return None

    client.meta.events.register_first(f"needs-retry.dynamodb.{operation}", needs_retry)
    return dropped


def test_a_lost_answer_to_the_senders_claim_still_sends_once(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(98, at=now))
    client = MessageItem._get_connection().connection.client
    dropped = _drop_first_answer(client, "UpdateItem", lambda body: b'"sending"' in body)
    runtime.dispatch(now + timedelta(hours=2))
    assert dropped, "the fault was not injected"
    assert sendgrid.recipients().count("shopper98@example.com") == 1
    _, items = store.load(store.find_customer("shopper98@example.com") or "")
    assert {m.step: m.status for m in items}["email_1h"] == "sent"


def test_a_lost_answer_to_the_event_transaction_is_not_called_a_duplicate(
    shop: Shop, runtime: LocalRuntime
) -> None:
    dropped = _drop_first_answer(aws.connection().client, "TransactWriteItems", lambda body: b"EVT#" in body)
    checkout = shop.checkout(99)
    status, body = shop.post("checkouts", "checkouts/create", checkout, webhook_id="lost-1")
    assert dropped, "the fault was not injected"
    assert status == 200 and body["duplicate"] is False and body["decisions"]
    status, again = shop.post("checkouts", "checkouts/create", checkout, webhook_id="lost-1")
    assert status == 200 and again["duplicate"] is True  # a real redelivery still is one
    profile, _ = store.load(body["customer_id"])
    assert profile["event_count"] == 1
    assert json.dumps(body)  # the answer a platform gets is whole


def test_a_lost_answer_to_the_senders_hold_is_retried_harmlessly(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    """The Sender holds an SMS due at night in New York; the answer to that write is lost. The
    SDK sends the same write again, and it must mean the same thing the second time: the hold
    gives back the claim's attempt by setting the count, never by decrementing it."""
    customer, sms = shop.texter(94)
    night = sms.due_at.replace(hour=4, minute=0) + timedelta(days=1)  # 23:00 in New York
    client = MessageItem._get_connection().connection.client
    hold = _drop_first_answer(client, "UpdateItem", lambda body: b'"due_at"' in body and b'"reasons"' in body)
    runtime.dispatch(night)
    assert hold, "the fault was not injected"
    deferred = next(m for m in store.load(customer)[1] if m.channel == "sms")
    assert deferred.status == "planned" and deferred.due_at is not None and deferred.due_at > night
    assert deferred.reasons and deferred.reasons[-1] == "quiet_hours_deferred"
    assert int(deferred.attempts or 0) == 0
