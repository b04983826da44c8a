"""The pool's promises under concurrency and retries: two messages never carry one code, a
message keeps its code across retries, and a code is in at most one pool."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from touchpoint import codes
from touchpoint.profiles.models import CodeItem, MessageItem, customer_pk
from touchpoint_tools.local.runtime import LocalRuntime

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _claimed(n: int) -> MessageItem:
    """A message a Sender has claimed (its lease token on it)."""
    item = MessageItem(
        customer_pk(f"c{n}"),
        f"MSG#m{n}",
        message_id=f"m{n}",
        customer_id=f"c{n}",
        flow="cart_abandonment",
        step="email_24h",
        status="sending",
        channel="email",
        template="cart_offer",
        lease_owner=f"lease{n}",
        offer={"id": "comeback_10", "unique": True},
    )
    item.save()
    return item


def test_concurrent_senders_never_share_a_code(runtime: LocalRuntime) -> None:
    for i in range(6):
        assert codes.add("comeback_10", f"C-{i}", NOW)
    messages = [_claimed(n) for n in range(10)]
    with ThreadPoolExecutor(max_workers=5) as pool:
        taken = list(pool.map(lambda m: codes.take(m, "comeback_10", timedelta(days=14), NOW), messages))
    given = [c for c in taken if c]
    assert len(given) == 6 and len(set(given)) == 6  # every code once; four messages found none
    assert codes.left("comeback_10") == 0
    for message, code in zip(messages, taken, strict=True):
        stored = MessageItem.get(message.pk, message.sk)
        assert stored.code == code
        if code:
            assert CodeItem.get(codes.code_pk(code), "CODE").message_id == message.message_id
            assert stored.code_expires_at == NOW + timedelta(days=14)


def test_a_retried_send_keeps_its_code_and_takes_no_second(runtime: LocalRuntime) -> None:
    for code in ("R-1", "R-2"):
        codes.add("comeback_10", code, NOW)
    first = codes.take(_claimed(1), "comeback_10", None, NOW)
    retried = MessageItem.get(customer_pk("c1"), "MSG#m1")  # the Sender's next attempt reads it afresh
    assert codes.take(retried, "comeback_10", None, NOW) == first
    assert codes.left("comeback_10") == 1


def test_a_code_is_in_one_pool_only_whatever_its_case(runtime: LocalRuntime) -> None:
    assert codes.add("comeback_10", "SAME-1", NOW)
    assert not codes.add("winback_15", "same-1", NOW)
    assert codes.left("winback_15") == 0 and codes.left("comeback_10") == 1


def test_a_sender_whose_claim_lapsed_takes_no_code(runtime: LocalRuntime) -> None:
    codes.add("comeback_10", "L-1", NOW)
    mine = _claimed(2)
    MessageItem(mine.pk, mine.sk).update(actions=[MessageItem.lease_owner.set("someone-else")])
    assert codes.take(mine, "comeback_10", None, NOW) is None
    assert codes.left("comeback_10") == 1  # still free for the Sender that holds the claim
