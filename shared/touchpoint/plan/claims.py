"""The one primitive both the Dispatcher and the Sender claim messages with."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from touchpoint.profiles.models import MessageItem


def claim(pk: str, sk: str, actions: list[Action], condition: Condition) -> MessageItem | None:
    """A conditional update: the item as updated, or None when someone else got there first."""
    item = MessageItem(pk, sk)
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item
