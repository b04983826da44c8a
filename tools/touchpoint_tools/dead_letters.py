"""The outbound dead-letter queue: sends that failed every SQS retry, to look at and to redrive.

Redriving is safe: a message goes to the Sender again, whose conditional claim (due or
queued -> sending) skips anything already sent, cancelled, re-timed or being sent.
"""

from __future__ import annotations

import json
from typing import Any

from touchpoint import aws

PEEK_ROUNDS = 10


def peek(dlq_url: str) -> list[dict[str, Any]]:
    """What waits in the DLQ, without taking it (visibility 0), each message once."""
    sqs, seen, found = aws.client("sqs"), set(), []
    for _ in range(PEEK_ROUNDS):
        batch = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for m in fresh:
            seen.add(m["MessageId"])
            found.append(_shown(m))
    return found


def _shown(message: dict[str, Any]) -> dict[str, Any]:
    try:
        body = json.loads(message["Body"])
    except ValueError:
        body = {"raw": message["Body"][:200]}
    attributes = message.get("Attributes", {})
    return {
        "sqs_message_id": message["MessageId"],
        "message_id": str(body.get("sk", "")).removeprefix("MSG#") or None,
        "customer": str(body.get("pk", "")).removeprefix("C#") or None,
        "receives": int(attributes.get("ApproximateReceiveCount", 0)),
        "body": body,
    }


def redrive(dlq_url: str, queue_url: str) -> int:
    """Move everything from the DLQ back to the outbound queue; returns how many moved."""
    sqs, moved = aws.client("sqs"), 0
    while True:
        batch = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
            "Messages", []
        )
        if not batch:
            return moved
        for m in batch:
            # first: never lost in between
            sqs.send_message(QueueUrl=queue_url, MessageBody=m["Body"], **_fifo(queue_url, m))
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
            moved += 1


def _fifo(queue_url: str, message: dict[str, Any]) -> dict[str, str]:
    """A FIFO queue's group (the customer, as the Dispatcher sets it) and deduplication id."""
    if not queue_url.endswith(".fifo"):
        return {}
    try:
        group = str(json.loads(message["Body"]).get("pk") or "redriven")
    except ValueError:
        group = "redriven"
    return {"MessageGroupId": group, "MessageDeduplicationId": message["MessageId"]}
