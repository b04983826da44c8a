"""Staging decisions as message writes inside the event's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from touchpoint.decide.model import Action, Decision, Status
from touchpoint.events import TouchpointEvent
from touchpoint.kinds import CATALOG_KINDS
from touchpoint.profiles import messages
from touchpoint.profiles.models import MESSAGE_PREFIX, MessageItem, customer_pk, unexpired


def _lines(event: TouchpointEvent) -> tuple[Any, ...]:
    if event.checkout:
        return event.checkout.items
    if event.order:
        return event.order.items
    return event.products if event.kind in CATALOG_KINDS else ()


def context_for(event: TouchpointEvent) -> dict[str, Any]:
    """What the message will say about its trigger: the cart or order lines and the checkout link."""
    lines = _lines(event)
    return {
        "items": [
            {"product_id": i.product_id, "title": i.title, "quantity": i.quantity, "price": str(i.price)}
            for i in lines
        ],
        "url": (event.checkout.url if event.checkout else None) or "",
        "currency": (event.checkout or event.order).currency if (event.checkout or event.order) else "",  # type: ignore[union-attr]
    }


def stage(
    tx: TransactWrite,
    customer_id: str,
    decisions: list[Decision],
    existing: dict[str, MessageItem],
    event: TouchpointEvent,
    now: datetime,
) -> None:
    pk = customer_pk(customer_id)
    for decision in decisions:
        sk = MESSAGE_PREFIX + decision.message_id
        if decision.action == Action.CANCEL:
            tx.update(
                MessageItem(pk, sk),
                actions=[
                    MessageItem.status.set(Status.CANCELLED.value),
                    MessageItem.reasons.set(list(decision.reasons)),
                    MessageItem.updated_at.set(now),
                    MessageItem.due_pk.remove(),
                    MessageItem.due_sk.remove(),
                ],
                # the Sender may have claimed it meanwhile: then its send-time check decides
                condition=MessageItem.status == Status.PLANNED.value,
            )
            continue
        prior = existing.get(decision.message_id)
        created = prior.created_at if prior and prior.created_at else now
        item = messages.to_item(decision, customer_id, event.occurred_at, created, now, context_for(event))
        condition: Condition = (
            # one store.load left out as expired may still be there: DynamoDB deletes it late
            (MessageItem.pk.does_not_exist() | ~unexpired(now))
            if prior is None
            else MessageItem.status.is_in(Status.PLANNED.value, Status.SUPPRESSED.value)
        )
        tx.save(item, condition=condition)
