"""The Sender against a failing SendGrid and against SNS: retried, never lost, never doubled."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from touchpoint.plan import keys
from touchpoint.playbook import loading
from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime, scheduled_event
from touchpoint_tools.local.sendgrid_stub import SendGridStub
from touchpoint_tools.sim import payloads

from ..conftest import IDENTITY_SECRET, ROOT, WRITE_KEY, Shop


def statuses(email: str) -> dict[str, tuple[str, int]]:
    customer_id = store.find_customer(email)
    assert customer_id
    _, items = store.load(customer_id)
    return {m.step: (m.status, int(m.attempts or 0)) for m in items}


def test_sendgrid_outage_is_retried_then_sent_once(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(70, at=now))
    sendgrid.fail_with = 503
    result = runtime.dispatch(now + timedelta(hours=2))
    assert result["delivery"]["failed"] >= 1
    assert statuses("shopper70@example.com")["email_1h"] == ("queued", 1)

    sendgrid.fail_with = None
    runtime.drain()  # the queue redelivers, as SQS would after the visibility timeout
    runtime.drain()
    assert sendgrid.recipients() == ["shopper70@example.com"]
    assert statuses("shopper70@example.com")["email_1h"] == ("sent", 2)


def test_sendgrid_rejection_is_failed_not_retried(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(71, at=now))
    sendgrid.fail_with = 400
    runtime.dispatch(now + timedelta(hours=2))
    sendgrid.fail_with = None
    runtime.drain()
    assert sendgrid.requests == []
    assert statuses("shopper71@example.com")["email_1h"] == ("failed", 1)


def test_lost_queue_entry_is_enqueued_again_while_the_message_is_due(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    """The Dispatcher enqueued, then the queue entry vanished before the Sender claimed it: the
    Dispatcher wrote nothing, so the message is still due and a later run enqueues it again."""
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(72, at=now))
    runtime.invoke("DispatcherFunction", scheduled_event(now + timedelta(hours=2), "DispatcherFunction"))
    from touchpoint import aws

    aws.client("sqs").purge_queue(QueueUrl=runtime.resources.queue_urls["OutboundQueue"])
    assert statuses("shopper72@example.com")["email_1h"] == ("planned", 0)
    runtime.dispatch(now + timedelta(hours=2, minutes=20))
    assert sendgrid.recipients() == ["shopper72@example.com"]
    runtime.dispatch(now + timedelta(hours=3))
    assert len(sendgrid.requests) == 1


def test_sms_goes_through_sns_in_the_daytime_only(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    start = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # 15:00 in New York
    payload = shop.checkout(
        73, at=start, country="US", province="NY", phone="+12125550173", sms_consent="subscribed"
    )
    shop.post("checkouts", "checkouts/create", payload)
    sns = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    # the checkout is days old: the sequence is shifted to start now, keeping its spacing
    sms = next(
        m for m in store.load(store.find_customer("shopper73@example.com") or "")[1] if m.channel == "sms"
    )
    assert sms.status == "planned" and sms.due_at is not None
    night = sms.due_at.replace(hour=4, minute=0) + timedelta(days=1)  # 23:00 in New York
    runtime.dispatch(night)
    assert statuses("shopper73@example.com")["sms_48h"][0] == "planned"  # deferred, not sent
    assert [m for m in sns.sms_messages.values() if m[0] == "+12125550173"] == []
    runtime.dispatch(night + timedelta(hours=10))  # 09:00 in New York
    sent = [m for m in sns.sms_messages.values() if m[0] == "+12125550173"]
    assert len(sent) == 1 and "STOP" in sent[0][1]
    assert statuses("shopper73@example.com")["sms_48h"][0] == "sent"


def test_thank_you_recommends_what_others_bought_with_it(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    from decimal import Decimal

    from touchpoint.catalog import store as catalog
    from touchpoint.catalog.model import Product

    now = datetime.now(UTC)
    for pid, title, price in (("601", "Kettle", "40.00"), ("602", "Descaler", "6.00")):
        catalog.save(
            Product(
                product_id=pid,
                title=title,
                price=Decimal(price),
                url=f"https://shop.example/p/{pid}",
                updated_at=now,
            )
        )
    pair = [
        {"product_id": 601, "title": "Kettle", "quantity": 1, "price": "40.00"},
        {"product_id": 602, "title": "Descaler", "quantity": 1, "price": "6.00"},
    ]
    shop.post("orders", "orders/create", {**shop.order(74, at=now), "line_items": pair})
    shop.post("orders", "orders/create", {**shop.order(75, at=now), "line_items": pair[:1]})
    runtime.dispatch(now + timedelta(hours=25))
    thanks = [
        r["body"]
        for r in sendgrid.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == "shopper75@example.com"
    ]
    assert len(thanks) == 1
    text, html = (part["value"] for part in thanks[0]["content"])
    # bought together, named by title with its price and a tracked link, never what they bought
    assert "Descaler, €6.00" in text and "Kettle" not in text and "602" not in text.replace("/p/602", "")
    assert "Descaler" in html and "https://shop.example/p/602?utm_source=touchpoint" in html


def test_a_sender_that_dies_mid_send_is_never_retried_blindly(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    """Claimed by a Sender that then vanished: the provider may have it, so no second try, a visible failure."""
    from touchpoint import aws
    from touchpoint.sending import delivery

    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(76, at=now))
    runtime.invoke("DispatcherFunction", scheduled_event(now + timedelta(hours=2), "DispatcherFunction"))
    queue = runtime.resources.queue_urls["OutboundQueue"]
    [entry] = aws.client("sqs").receive_message(QueueUrl=queue).get("Messages", [])
    body = json.loads(entry["Body"])
    claimed, _ = delivery._claim(body["pk"], body["sk"], now + timedelta(hours=2))
    assert claimed is not None  # ... and then it died
    # the claim leaves its due-index entry as it was (re-keying it would cost two index writes)
    assert claimed.due_sk is not None and claimed.due_at is not None
    assert keys.due_at_of(claimed.due_sk) == claimed.due_at.replace(microsecond=0)
    aws.client("sqs").delete_message(QueueUrl=queue, ReceiptHandle=entry["ReceiptHandle"])

    runtime.dispatch(now + timedelta(hours=2, minutes=5))  # its lease (15 min) is not over
    assert statuses("shopper76@example.com")["email_1h"][0] == "sending"
    result = runtime.dispatch(now + timedelta(hours=2, minutes=20))
    assert result["DispatcherFunction"]["enqueued"] == 1
    assert statuses("shopper76@example.com")["email_1h"][0] == "failed"
    _, items = store.load(store.find_customer("shopper76@example.com") or "")
    assert [(m.reasons or [])[-1] for m in items if m.step == "email_1h"] == ["outcome_unknown"]
    assert sendgrid.requests == []


def test_an_order_after_a_reminder_is_credited_to_it(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(77, at=now - timedelta(hours=2)))
    runtime.dispatch(
        now + timedelta(hours=1)
    )  # late delivery: the sequence starts now, the reminder at +30 min
    assert sendgrid.recipients() == ["shopper77@example.com"]
    # the reminder went out at the simulated +1 h; the order comes five minutes after that
    shop.post("orders", "orders/create", shop.order(77, at=now + timedelta(hours=1, minutes=5)))
    _, items = store.load(store.find_customer("shopper77@example.com") or "")
    credited = [m for m in items if m.converted_at is not None]
    assert [(m.step, m.conversion_order, m.conversion_cents) for m in credited] == [
        ("email_1h", "90077", 3450)
    ]


def test_sent_at_follows_the_dispatch_clock_never_before_due(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(78, at=now))
    at = (now + timedelta(hours=30)).replace(microsecond=0)  # a schedule's time has whole seconds
    runtime.dispatch(at)
    _, items = store.load(store.find_customer("shopper78@example.com") or "")
    by_step = {m.step: m for m in items}
    first = by_step["email_1h"]
    assert first.status == "sent" and first.due_at and first.sent_at
    assert first.due_at <= first.sent_at and first.sent_at >= at
    # caught up in the order planned: the second reminder would land with the first, and smart
    # sending (16 h for e-mail) sees the first one sent; it is still relevant before the SMS step at
    # 48 h, so it waits for the window to end
    second = by_step["email_24h"]
    assert second.status == "planned" and second.due_at == first.sent_at + timedelta(hours=16)
    assert (second.reasons or [])[-2:] == ["lost_to:cart_abandonment", "smart_sending_deferred:email"]
    assert sendgrid.recipients() == ["shopper78@example.com"]


def test_a_message_whose_template_was_removed_is_held_until_a_playbook_renders_it(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, monkeypatch, tmp_path, caplog
) -> None:

    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(79, at=now))
    # a marketer renames the reminder templates (and their files) after the message was planned
    renamed = re.sub(r"cart_reminder(?!s)", "cart_nudge", loading.playbook_path().read_text())
    path = tmp_path / "renamed.yaml"
    path.write_text(renamed)
    (tmp_path / "templates" / "de").mkdir(parents=True)
    for folder in ("", "de/"):  # the brand's language and German
        for variant in ("", "_urgency"):
            for ext in ("html", "txt"):
                source = (
                    loading.playbook_path().parent / "templates" / f"{folder}cart_reminder{variant}.{ext}"
                )
                (tmp_path / "templates" / f"{folder}cart_nudge{variant}.{ext}").write_text(source.read_text())
    monkeypatch.setenv("PLAYBOOK", str(path))
    caplog.set_level("ERROR")
    runtime.dispatch(now + timedelta(hours=2))
    _, items = store.load(store.find_customer("shopper79@example.com") or "")
    first = next(m for m in items if m.step == "email_1h")
    assert first.status == "planned" and (first.reasons or [])[-1] == "render_error"
    assert first.due_at is not None and first.due_at >= now + timedelta(hours=2, minutes=59)
    assert "is not in the playbook" in (first.error or "")
    assert sendgrid.requests == []
    assert any("not sent: held" in r.getMessage() for r in caplog.records)

    monkeypatch.delenv("PLAYBOOK")  # the marketer puts the playbook right: the held reminder goes out
    runtime.dispatch(now + timedelta(hours=3, minutes=1))
    assert sendgrid.recipients() == ["shopper79@example.com"]


def test_an_order_without_line_items_is_recorded_without_an_error(
    shop: Shop, runtime: LocalRuntime, caplog
) -> None:
    caplog.set_level("ERROR")
    order = {**shop.order(80, at=datetime.now(UTC)), "line_items": []}
    status, body = shop.post("orders", "orders/create", order)
    assert status == 200 and body["duplicate"] is False
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


def test_a_send_that_timed_out_is_never_resent_and_is_settled_by_sendgrids_events(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, monkeypatch
) -> None:
    from touchpoint_tools.local.signing import headers_for

    monkeypatch.setenv("SENDGRID_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv(
        "SENDGRID_WEBHOOK_PUBLIC_KEY",
        (ROOT / "events" / "sendgrid-sample-public-key.txt").read_text().strip(),
    )
    sendgrid.delay_seconds = 3  # SendGrid takes the mail, then answers after our timeout
    now = datetime.now(UTC)
    for n in (96, 97):
        shop.post("checkouts", "checkouts/create", shop.checkout(n, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    runtime.dispatch(now + timedelta(hours=2, minutes=20))  # a later run must not send them again
    assert sorted(sendgrid.recipients()) == ["shopper96@example.com", "shopper97@example.com"]

    def first(n: int):
        _, items = store.load(store.find_customer(f"shopper{n}@example.com") or "")
        return next(m for m in items if m.step == "email_1h")

    assert first(96).status == "unknown" and "outcome_unknown" in (first(96).reasons or [])
    delivered = [
        {
            "event": "delivered",
            "email": "shopper96@example.com",
            "timestamp": int((now + timedelta(hours=2)).timestamp()),
            "sg_message_id": "sg-96",
            "touchpoint_message_id": first(96).message_id,
            "touchpoint_customer_id": first(96).customer_id,
        }
    ]
    body = json.dumps(delivered).encode()
    answer = runtime.http(
        "POST", "/webhooks/sendgrid/events", headers_for("/webhooks/sendgrid/events", body, now), body
    )
    assert answer.status == 200, answer.body
    assert first(96).status == "sent" and (first(96).reasons or [])[-1] == "provider:delivered"
    sendgrid.delay_seconds = 0
    runtime.dispatch(now + timedelta(hours=27))  # past the reconciliation window with no event
    assert first(97).status == "failed" and (first(97).reasons or [])[-1] == "no_provider_event"
    sent_97 = [r for r in sendgrid.requests if first(97).message_id in json.dumps(r["body"])]
    assert len(sent_97) == 1  # the timed-out reminder reached SendGrid exactly once


def _mails_of(sendgrid: SendGridStub, step: str) -> int:
    ids = [
        r["body"]["personalizations"][0]["custom_args"]["touchpoint_message_id"] for r in sendgrid.requests
    ]
    return sum(1 for i in ids if f".{step}." in i)


@pytest.mark.parametrize(
    ("fault", "status_after", "mails_accepted"),
    [
        ("close", "unknown", 1),  # SendGrid took it, the answer was lost: wait for its events
        ("drop", "unknown", 0),  # closed before an answer: we cannot tell it apart from "close"
        ("429", "sent", 1),  # throttled: nothing was accepted, so the retry is safe
        ("500", "sent", 1),
    ],
)
def test_each_provider_fault_is_retried_only_when_nothing_can_have_been_accepted(
    shop: Shop,
    runtime: LocalRuntime,
    sendgrid: SendGridStub,
    fault: str,
    status_after: str,
    mails_accepted: int,
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(95, at=now))
    sendgrid.script = [fault, "ok"]  # the first attempt meets the fault, any retry goes through
    runtime.dispatch(now + timedelta(hours=2))
    runtime.drain()
    runtime.dispatch(now + timedelta(hours=2, minutes=20))
    assert statuses("shopper95@example.com")["email_1h"][0] == status_after
    assert _mails_of(sendgrid, "email_1h") == mails_accepted
    runtime.dispatch(now + timedelta(hours=27))  # past the reconciliation window, no event came
    settled = "failed" if status_after == "unknown" else "sent"
    assert statuses("shopper95@example.com")["email_1h"][0] == settled
    assert _mails_of(sendgrid, "email_1h") == mails_accepted  # never sent a second time


def test_the_sender_reads_its_customer_once_consistently_and_the_cart_fresh(
    shop: Shop,
    runtime: LocalRuntime,
    sendgrid: SendGridStub,
    dynamodb_calls: list[tuple[str, dict[str, Any]]],
) -> None:
    """The send-time re-check needs the profile and the customer's live messages (smart sending,
    caps): one consistent Query, so it sees a send recorded a moment before. The products the
    mail is about are read once, fresh; the Dispatcher reads nothing of the customer."""
    now = datetime.now(UTC)
    for n in range(12):  # twelve checkouts: a history of superseded and planned reminders
        shop.post("checkouts", "checkouts/create", shop.checkout(60, at=now, token=f"t-{n}"))
    dynamodb_calls.clear()
    runtime.invoke("DispatcherFunction", scheduled_event(now + timedelta(hours=2), "DispatcherFunction"))
    assert {op for op, _ in dynamodb_calls} == {"Query"}
    assert all(params.get("IndexName") == "due-index" for _, params in dynamodb_calls)
    dynamodb_calls.clear()
    runtime.drain(functions=["SenderFunction"])
    assert sendgrid.recipients() == ["shopper60@example.com"]
    reads = [(op, params) for op, params in dynamodb_calls if op in ("GetItem", "Query", "BatchGetItem")]
    customer = store.find_customer("shopper60@example.com")
    [(op, params)] = [(op, params) for op, params in reads if f"C#{customer}" in json.dumps(params)]
    assert op == "Query" and params["ConsistentRead"] is True, reads
    products = [
        key["pk"]["S"]
        for _, params in reads
        for table in params.get("RequestItems", {}).values()
        for key in table["Keys"]
        if key["sk"]["S"] == "PRODUCT"
    ]
    # the cart's two lines, once each; the gift wrap has no product id, its variant id stands in
    assert sorted(products) == ["P#101", "P#2022"]
    writes = [op for op, _ in dynamodb_calls if op not in ("GetItem", "Query", "BatchGetItem")]
    assert writes == ["UpdateItem", "UpdateItem"]  # the claim and the outcome


def test_a_shopper_who_unsubscribes_while_a_send_waits_for_a_retry_gets_nothing(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    """A withdrawal cancels only what is still planned; a message already queued (here, waiting
    for SendGrid to come back) is stopped by the Sender's own look at the profile it reads."""
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(72, at=now))
    sendgrid.fail_with = 503
    runtime.dispatch(now + timedelta(hours=2))
    assert statuses("shopper72@example.com")["email_1h"] == ("queued", 1)

    gone = shop.customer(72, email_consent="unsubscribed")
    gone["email_marketing_consent"]["consent_updated_at"] = now.isoformat()
    status, _ = shop.post("customers", "customers/update", gone)
    assert status == 200
    sendgrid.fail_with = None
    runtime.drain()
    runtime.drain()
    assert sendgrid.recipients() == []
    customer_id = store.find_customer("shopper72@example.com")
    assert customer_id
    _, items = store.load(customer_id)
    reminder = next(m for m in items if m.step == "email_1h")
    assert (reminder.status, reminder.reasons[-1]) == ("suppressed", "no_consent:email")
    assert reminder.due_sk is None  # settled: the Dispatcher will not find it again


def test_a_text_queued_by_day_is_held_when_the_shoppers_zone_turns_out_to_be_at_night(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    """The Dispatcher enqueued it at 09:00 in New York; before the Sender ran, the storefront
    reported the shopper's browser in Tokyo, where it is 23:00. The Sender's re-check holds it,
    and a hold is not a send attempt."""
    customer, sms = shop.texter(74)
    morning = sms.due_at.replace(hour=14, minute=0) + timedelta(days=1)  # 09:00 NY, 23:00 Tokyo
    runtime.invoke("DispatcherFunction", scheduled_event(morning, "DispatcherFunction"))
    assert statuses("shopper74@example.com")["sms_48h"] == ("planned", 0)

    call = {
        "type": "page",
        "name": "Home",
        "userId": "u-74",
        "messageId": "tokyo-74",
        "context": {"timezone": "Asia/Tokyo", "traits": {"email": "shopper74@example.com"}},
    }
    headers, body = payloads.segment([call], WRITE_KEY, IDENTITY_SECRET)
    assert runtime.http("POST", "/events", headers, body).status == 200
    runtime.drain()

    sns = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    assert [m for m in sns.sms_messages.values() if m[0] == "+12125550174"] == []
    held = next(m for m in store.load(customer)[1] if m.step == "sms_48h")
    assert (held.status, held.reasons[-1]) == ("planned", "quiet_hours_deferred")
    assert held.due_at == morning.replace(hour=23, minute=0, second=0, microsecond=0)  # 08:00 in Tokyo
    assert int(held.attempts or 0) == 0


def test_the_dispatcher_enqueues_a_due_message_once_in_its_customers_group(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    """Two runs before the Sender gets to it: one queue entry, not two (the same message due at
    the same instant has the same deduplication id), in the customer's own message group."""
    from touchpoint import aws

    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(81, at=now))
    for minute in (0, 1):
        at = now + timedelta(hours=2, minutes=minute)
        runtime.invoke("DispatcherFunction", scheduled_event(at, "DispatcherFunction"))
    queue = runtime.resources.queue_urls["OutboundQueue"]
    entries = aws.client("sqs").receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]
    )["Messages"]
    customer = store.find_customer("shopper81@example.com")
    assert [e["Attributes"]["MessageGroupId"] for e in entries] == [f"C#{customer}"]
    assert json.loads(entries[0]["Body"])["sk"].startswith("MSG#cart_abandonment.email_1h.")


def test_a_reminder_enqueued_before_the_order_came_is_not_sent(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    """The Dispatcher enqueued the reminder; the order arrived before the Sender got to it and
    cancelled it. The queue entry is stale: the Sender's claim (planned and due) refuses it."""
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(82, at=now))
    runtime.invoke("DispatcherFunction", scheduled_event(now + timedelta(hours=2), "DispatcherFunction"))
    shop.post("orders", "orders/create", shop.order(82, at=now + timedelta(minutes=30)))
    assert runtime.drain(functions=["SenderFunction"])["delivered"] == 1
    assert sendgrid.requests == []
    assert statuses("shopper82@example.com")["email_1h"] == ("cancelled", 0)


def test_a_run_enqueues_the_oldest_it_may_and_the_next_run_the_rest(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog (after an outage) drains run by run, oldest first across the due index's
    shards, instead of one run reading all of it and running out of time."""
    from touchpoint import aws
    from touchpoint.sending import dispatch

    monkeypatch.setattr(dispatch, "MOST_PER_RUN", 2)
    now = datetime.now(UTC)
    for n in (85, 86, 87):
        shop.post("checkouts", "checkouts/create", shop.checkout(n, at=now))
    customers = {store.find_customer(f"shopper{n}@example.com"): n for n in (85, 86, 87)}
    first_due = {
        n: min(m.due_sk or "" for m in store.load(str(customer))[1] if m.due_sk)
        for customer, n in customers.items()
    }
    oldest_first = sorted(first_due, key=lambda n: first_due[n])
    queue = runtime.resources.queue_urls["OutboundQueue"]

    def enqueued_by_a_run() -> list[int]:
        runtime.invoke("DispatcherFunction", scheduled_event(now + timedelta(hours=2), "DispatcherFunction"))
        entries = aws.client("sqs").receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return sorted(customers[json.loads(e["Body"])["pk"][2:]] for e in entries.get("Messages", []))

    assert enqueued_by_a_run() == sorted(oldest_first[:2])
    assert runtime.drain(functions=["SenderFunction"])["delivered"] == 2
    assert enqueued_by_a_run() == oldest_first[2:]
