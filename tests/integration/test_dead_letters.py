"""The outbound DLQ: listed without being taken, redriven without a second send."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from touchpoint import aws
from touchpoint.profiles import store
from touchpoint_tools import dead_letters
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop


def test_list_then_redrive_sends_nothing_twice(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(50, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    assert sendgrid.recipients() == ["shopper50@example.com"]
    _, items = store.load(store.find_customer("shopper50@example.com") or "")
    sent = next(m for m in items if m.status == "sent")
    urls = runtime.resources.queue_urls
    body = json.dumps({"pk": sent.pk, "sk": sent.sk, "at": now.isoformat()})
    aws.client("sqs").send_message(
        QueueUrl=urls["OutboundDeadLetterQueue"],
        MessageBody=body,
        MessageGroupId=sent.pk,
        MessageDeduplicationId="dead-1",
    )

    listed = dead_letters.peek(urls["OutboundDeadLetterQueue"])
    assert [(e["message_id"], e["body"]["sk"]) for e in listed] == [(sent.message_id, sent.sk)]
    assert len(dead_letters.peek(urls["OutboundDeadLetterQueue"])) == 1  # listing took nothing

    assert dead_letters.redrive(urls["OutboundDeadLetterQueue"], urls["OutboundQueue"]) == 1
    assert dead_letters.peek(urls["OutboundDeadLetterQueue"]) == []
    assert runtime.drain()["delivered"] == 1
    assert sendgrid.recipients() == ["shopper50@example.com"]  # the Sender's claim skipped it
