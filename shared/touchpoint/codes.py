"""Single-use discount codes: a pool per offer, and one code taken per message.

A code is two items: `CODE#<code>` (which offer it belongs to, and once taken, the message and
customer that have it) and, while it is free, `POOL#<offer>` / `<code>` in the offer's pool.
Adding a code writes both only if no pool holds it yet, so a code is never in two pools.

The Sender takes a code for a message in one transaction: the pool entry is deleted (it must
still be there), the code item records the message (it must have none), and the message records
the code (the Sender's claim must still be its own). Two messages can therefore never carry the
same code, and a message keeps its code across retries: a Sender that finds one already on the
message uses it. Each attempt carries its own client request token, so when DynamoDB's answer is
lost the SDK's retry is answered as the first call was, and the taken code is not lost.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from touchpoint import aws
from touchpoint.profiles.models import CodeItem, MessageItem, PoolItem

POOL_PREFIX = "POOL#"
POOLS = "POOLS"
MAX_CODE = 64
CANDIDATES = 10  # free codes read per attempt: concurrent Senders pick different ones
ATTEMPTS = 5


class CodeError(ValueError):
    """A code that cannot be a discount code (empty, too long, spaces inside)."""


def clean(code: str) -> str:
    """The code as shops store it: trimmed; refused when empty, over 64 characters or spaced."""
    code = code.strip()
    if not code:
        raise CodeError("empty code")
    if len(code) > MAX_CODE:
        raise CodeError(f"longer than {MAX_CODE} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in code):
        raise CodeError("spaces or control characters inside")
    return code


def _condition_failed(exc: TransactWriteError) -> bool:
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or ())


def code_pk(code: str) -> str:
    return f"CODE#{code.upper()}"  # shops compare codes without case: so do we


def add(offer: str, code: str, now: datetime) -> bool:
    """Put a code into the offer's pool; False when some pool already holds (or held) it."""
    try:
        with TransactWrite(connection=aws.connection()) as tx:
            tx.save(
                CodeItem(code_pk(code), code=code, offer=offer, added_at=now),
                condition=CodeItem.pk.does_not_exist(),
            )
            tx.save(PoolItem(POOL_PREFIX + offer, code, added_at=now))
    except TransactWriteError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def count_added(offer: str, added: int) -> None:
    """The pool's own item: it exists once anything was added, and counts what was."""
    PoolItem(POOLS, offer).update(actions=[PoolItem.added.set((PoolItem.added | 0) + added)])


@dataclass(frozen=True)
class PoolStatus:
    offer: str
    left: int
    added: int


def left(offer: str) -> int:
    return sum(1 for _ in PoolItem.query(POOL_PREFIX + offer, attributes_to_get=["sk"]))


def pools() -> Iterator[PoolStatus]:
    for pool in PoolItem.query(POOLS):
        yield PoolStatus(pool.sk, left(pool.sk), int(pool.added or 0))


def _taken(item: MessageItem, offer: str, code: str, expires: datetime | None, now: datetime) -> bool:
    """One attempt at the transaction that moves `code` from the pool to the message."""
    message: list[Action] = [MessageItem.code.set(code)]
    if expires:
        message.append(MessageItem.code_expires_at.set(expires))
    try:
        with TransactWrite(connection=aws.connection(), client_request_token=uuid.uuid4().hex) as tx:
            tx.delete(PoolItem(POOL_PREFIX + offer, code), condition=PoolItem.pk.exists())
            tx.update(
                CodeItem(code_pk(code)),
                actions=[
                    CodeItem.message_id.set(item.message_id),
                    CodeItem.customer_id.set(item.customer_id),
                    CodeItem.taken_at.set(now),
                ],
                condition=CodeItem.message_id.does_not_exist(),
            )
            tx.update(item, actions=message, condition=MessageItem.lease_owner == item.lease_owner)
    except TransactWriteError as exc:
        if not _condition_failed(exc):
            raise
        return False  # another Sender took it first (or our claim lapsed: the next read tells)
    return True


def take(item: MessageItem, offer: str, valid_for: timedelta | None, now: datetime) -> str | None:
    """The message's code: the one it already has, else a free one from the offer's pool, else
    None (the pool is empty)."""
    if item.code:
        return item.code
    expires = now + valid_for if valid_for else None
    for _ in range(ATTEMPTS):
        free = [p.sk for p in PoolItem.query(POOL_PREFIX + offer, limit=CANDIDATES, consistent_read=True)]
        if not free:
            return None
        code = random.choice(free)
        if _taken(item, offer, code, expires, now):
            item.code, item.code_expires_at = code, expires
            return code
    return None
