"""The one primitive the Sender claims messages with (to send, and to record a lapsed lease)."""

from __future__ import annotations

import uuid

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from touchpoint.decide.model import Status
from touchpoint.profiles.models import MessageItem


def claim(
    pk: str, sk: str, actions: list[Action], condition: Condition, becomes: Status | None = None
) -> MessageItem | None:
    """A conditional update: the item as updated, or None when someone else got there first.

    With `becomes`, the claim writes a fresh owner token too. If DynamoDB applied the update but
    its answer was lost, the SDK's retry fails the condition; the item then carries our token
    and the status we set, and the claim is ours after all, rather than skipped."""
    return claim_or_current(pk, sk, actions, condition, becomes)[0]


def claim_or_current(
    pk: str, sk: str, actions: list[Action], condition: Condition, becomes: Status | None = None
) -> tuple[MessageItem | None, MessageItem | None]:
    """`claim`, and when the claim is not ours, the item as it is (read to tell, with `becomes`),
    so the caller can see why without reading it again."""
    item = MessageItem(pk, sk)
    owner = uuid.uuid4().hex if becomes else None
    try:
        item.update(
            actions=[*actions, MessageItem.lease_owner.set(owner)] if owner else actions, condition=condition
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return _ours(pk, sk, owner, becomes)
    return item, item


def _ours(
    pk: str, sk: str, owner: str | None, becomes: Status | None
) -> tuple[MessageItem | None, MessageItem | None]:
    if owner is None or becomes is None:
        return None, None
    try:
        current = MessageItem.get(pk, sk, consistent_read=True)
    except MessageItem.DoesNotExist:
        return None, None
    ours = current.lease_owner == owner and current.status == becomes.value
    return (current if ours else None), current
