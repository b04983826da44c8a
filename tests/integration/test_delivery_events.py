"""SendGrid's event webhook feeds back: opens teach the best hour, bounces switch channel, unsubscribes stop."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from touchpoint.profiles import changes, store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop

KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC = base64.b64encode(
    KEY.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
).decode()


def post_events(runtime: LocalRuntime, events: list[dict]) -> tuple[int, dict]:
    return post_signed(runtime, json.dumps(events).encode())


def post_signed(runtime: LocalRuntime, body: bytes) -> tuple[int, dict]:
    """Any body, signed as SendGrid signs its event webhook."""
    stamp = str(int(time.time()))
    signature = base64.b64encode(KEY.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))).decode()
    headers = {
        "X-Twilio-Email-Event-Webhook-Signature": signature,
        "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
    }
    response = runtime.http("POST", "/webhooks/sendgrid/events", headers, body)
    return response.status, json.loads(response.body)


@pytest.fixture(autouse=True)
def _public_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", PUBLIC)


def test_bounce_switches_the_next_step_to_sms(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    payload = shop.checkout(
        83, at=now, country="US", province="NY", phone="+12125550183", sms_consent="subscribed"
    )
    shop.post("checkouts", "checkouts/create", payload)
    runtime.dispatch(now + timedelta(hours=2))
    first = sendgrid.requests[0]["body"]["personalizations"][0]["custom_args"]
    status, _ = post_events(
        runtime,
        [
            {
                "email": "shopper83@example.com",
                "event": "bounce",
                "type": "bounce",
                "timestamp": int(time.time()),
                "sg_event_id": "b1",
                **first,
            }
        ],
    )
    assert status == 200
    customer_id = store.find_customer("shopper83@example.com") or ""
    due = next(m.due_at for m in store.load(customer_id)[1] if m.step == "email_24h")
    assert due is not None
    daytime = due + timedelta(minutes=1)  # the SMS that replaces it must also wait for daytime in New York
    while not 9 <= daytime.astimezone(ZoneInfo("America/New_York")).hour < 20:
        daytime += timedelta(hours=1)
    runtime.dispatch(daytime)
    assert len(sendgrid.requests) == 1  # no second e-mail to a bounced address
    sms = [
        m
        for m in sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values()
        if m[0] == "+12125550183"
    ]
    assert len(sms) == 1
    customer_id = store.find_customer("shopper83@example.com") or ""
    _, items = store.load(customer_id)
    second = next(m for m in items if m.step == "email_24h")
    assert second.channel == "sms" and second.status == "sent"
    assert "fallback:unreachable:email" in (second.reasons or [])


def test_unsubscribe_cancels_pending_email(shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(81, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    args = sendgrid.requests[0]["body"]["personalizations"][0]["custom_args"]
    status, body = post_events(
        runtime, [{"event": "unsubscribe", "timestamp": int(time.time()), "sg_event_id": "u1", **args}]
    )
    assert status == 200 and body["decisions"][0]["action"] == "cancel"
    runtime.dispatch(now + timedelta(hours=30))
    assert len(sendgrid.requests) == 1


def test_opens_are_learned_as_engagement_hours(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(82, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    args = sendgrid.requests[0]["body"]["personalizations"][0]["custom_args"]
    at_13 = int(datetime(2026, 11, 20, 13, 5, tzinfo=UTC).timestamp())
    events = [
        {"event": "open", "timestamp": at_13 + i * 86400, "sg_event_id": f"o{i}", **args} for i in range(3)
    ]
    events.append(
        {"event": "open", "sg_machine_open": True, "timestamp": at_13, "sg_event_id": "machine", **args}
    )
    status, _ = post_events(runtime, events)
    assert status == 200
    customer_id = args["touchpoint_customer_id"]
    raw, _ = store.load(customer_id)
    assert changes.as_profile(raw, customer_id).engagement_hours == {13: 3}


def test_a_signed_body_that_is_not_utf8_is_a_400_naming_the_encoding(runtime: LocalRuntime) -> None:
    """The signature is over bytes: a correctly signed body SendGrid could never send is the
    client's fault (400), not an authentication failure (401)."""
    status, answer = post_signed(runtime, b'[{"event": "open", "email": "caf\xe9@example.com"}]')
    assert status == 400, answer
    assert answer == {"error": "body is not UTF-8"}


def test_a_repeated_batch_of_delivery_events_answers_duplicate(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(84, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    args = sendgrid.requests[0]["body"]["personalizations"][0]["custom_args"]
    stamp = int(time.time())
    batch = [
        {"event": "processed", "timestamp": stamp, "sg_event_id": "p1", **args},
        {"event": "delivered", "timestamp": stamp, "sg_event_id": "d1", **args},
        {"event": "open", "timestamp": stamp, "sg_event_id": "o1", **args},
    ]
    first = post_events(runtime, batch)
    again = post_events(runtime, batch)
    assert first[0] == again[0] == 200
    assert first[1]["duplicate"] is False
    assert again[1]["duplicate"] is True and all(r["duplicate"] for r in again[1]["results"])
    _, items = store.load(args["touchpoint_customer_id"])
    sent = next(m for m in items if m.message_id == args["touchpoint_message_id"])
    assert sent.status == "sent"
    assert [r for r in sent.reasons or [] if r.startswith("provider:")] == [
        "provider:processed",
        "provider:delivered",
        "provider:open",
    ]
