"""The Sender's work for one queued message: claim, render, call the channel, record.

SQS delivers at least once; the conditional claim (queued -> sending) makes a
redelivery a no-op, so a customer never gets one message twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.expressions.update import Action

from touchpoint import config
from touchpoint.catalog import statistics
from touchpoint.catalog import store as catalog
from touchpoint.catalog.model import Product
from touchpoint.channels import DeliveryError, email, retargeting, sms
from touchpoint.content.render import Message, Rendered, RenderError, render
from touchpoint.decide import Playbook, Profile, Status
from touchpoint.decide.guardrails import last_look
from touchpoint.decide.products import recommend
from touchpoint.plan import keys
from touchpoint.plan.claims import claim
from touchpoint.plan.dispatch import LEASE, due_again
from touchpoint.profiles import changes, messages, store
from touchpoint.profiles.models import MESSAGE_PREFIX, MessageItem

logger = Logger(child=True)
MAX_ATTEMPTS = 5
RECONCILE_WINDOW = timedelta(hours=24)  # SendGrid posts `processed` within seconds, retries for a day


class RetryLater(Exception):
    """Tell the batch processor to leave this record on the queue."""


def _claim(pk: str, sk: str, now: datetime) -> MessageItem | None:
    return claim(
        pk,
        sk,
        [
            MessageItem.status.set(Status.SENDING.value),
            MessageItem.attempts.set((MessageItem.attempts | 0) + 1),
            MessageItem.updated_at.set(now),
            # a lease: if this Sender dies mid-send, the Dispatcher finds the message again and
            # records the unknown outcome instead of leaving it "sending" for ever
            MessageItem.due_sk.set(keys.due_sk(now + LEASE, sk.removeprefix(MESSAGE_PREFIX))),
        ],
        MessageItem.status == Status.QUEUED.value,
        becomes=Status.SENDING,
    )


def _retarget(item: MessageItem, profile: Profile, context: dict[str, Any]) -> str:
    if not retargeting.enabled():
        raise DeliveryError("retargeting is off (META_PIXEL_ID unset)", retryable=False)
    if item.template == retargeting.AUDIENCE_REMOVAL:
        return retargeting.remove_from_audience(profile)
    created = item.created_at.timestamp() if item.created_at else None
    return retargeting.send([retargeting.event(item.message_id, item.template, profile, context, created)])


def _rendered(item: MessageItem, recipient: Recipient, playbook: Playbook, now: datetime) -> Rendered:
    context = store.plain(item.context) or {}
    context["offer"] = store.plain(item.offer)
    message = Message(item.message_id, item.customer_id, item.flow, item.step, item.channel, item.template)
    return rendered_for(message, recipient.profile, context, playbook, now, recipient.products)


def _lines(context: dict[str, Any]) -> list[str]:
    """The products a message is about (its cart or order lines)."""
    return [str(line.get("product_id")) for line in context.get("items") or []]


def rendered_for(
    message: Message,
    profile: Profile,
    context: dict[str, Any],
    playbook: Playbook,
    now: datetime,
    lines: dict[str, Product] | None = None,
) -> Rendered:
    """What the message says now: its own items fresh from the catalog (`lines`, read with the
    profile by the Sender, else here), recommendations through the one-minute cache
    (catalog/cache.py). `touchpoint preview` calls this too."""
    co_purchased, best_sellers = statistics.read(sorted(profile.purchased | set(profile.carted)))
    candidates = [
        str(p["product_id"])
        for p in recommend(
            profile, playbook, now, limit=12, co_purchased=co_purchased, best_sellers=best_sellers
        )
    ]
    about = _lines(context)
    fresh = catalog.read(about) if lines is None else lines
    products = {**catalog.read_cached([c for c in candidates if c not in about]), **fresh}
    return render(message, playbook, profile, context, products, candidates, config.playbook_path())


def _provider_call(item: MessageItem, recipient: Recipient, playbook: Playbook, now: datetime) -> str:
    """Render and hand the message to its channel; returns the provider's id."""
    profile = recipient.profile
    if item.channel == "retargeting":
        context = store.plain(item.context) or {}
        return _retarget(item, profile, context)
    if item.channel == "email" and profile.email:
        rendered = _rendered(item, recipient, playbook, now)
        return email.send(
            email.payload(profile.email, rendered, item.message_id, item.customer_id, item.flow)
        )
    if item.channel == "sms" and profile.phone:
        rendered = _rendered(item, recipient, playbook, now)
        return sms.send(profile.phone, rendered.sms, bool(item.marketing))
    raise DeliveryError(f"no {item.channel} address on the profile", retryable=False)


def _fail(item: MessageItem, reason: str, error: str, now: datetime) -> str:
    return _closed(item, Status.FAILED, reason, now, MessageItem.error.set(error[:1000]))


def _closed(item: MessageItem, status: Status, reason: str, now: datetime, *more: Action) -> str:
    """A final status with its reason; off the due index, so the Dispatcher never finds it again."""
    item.update(
        actions=[
            MessageItem.status.set(status.value),
            MessageItem.reasons.set([*(item.reasons or ()), reason]),
            MessageItem.updated_at.set(now),
            MessageItem.due_pk.remove(),
            MessageItem.due_sk.remove(),
            *more,
        ]
    )
    return status.value


def _withdrawn(item: MessageItem, reason: str, now: datetime) -> str:
    """Not sent: the shopper withdrew consent (or paused, or turned the topic off) since dispatch."""
    logger.info("withdrawn before send", extra={"message_id": item.message_id, "reason": reason})
    return _closed(item, Status.SUPPRESSED, reason, now)


def _held(item: MessageItem, until: datetime, reason: str, now: datetime) -> str:
    """Not now (quiet hours came since dispatch): planned again for `until`, when the Dispatcher
    finds it and checks everything again."""
    item.update(
        actions=[
            MessageItem.status.set(Status.PLANNED.value),
            MessageItem.reasons.set([*(item.reasons or ()), reason]),
            MessageItem.updated_at.set(now),
            *due_again(item, until),
        ]
    )
    logger.info("held before send", extra={"message_id": item.message_id, "until": until.isoformat()})
    return Status.PLANNED.value


def _outcome_unknown(item: MessageItem, exc: DeliveryError, now: datetime) -> str:
    """The provider may have accepted it: wait for its events (plan/reconcile.py); with none
    within RECONCILE_WINDOW the Dispatcher records it failed. Never sent a second time."""
    item.update(
        actions=[
            MessageItem.status.set(Status.UNKNOWN.value),
            MessageItem.sent_at.set(now),  # when it may have gone out: guardrails count it as sent
            MessageItem.error.set(str(exc)),
            MessageItem.reasons.set([*(item.reasons or ()), "guardrails_passed", "outcome_unknown"]),
            MessageItem.due_pk.set(keys.due_pk(item.message_id, item.customer_id)),
            MessageItem.due_sk.set(keys.due_sk(now + RECONCILE_WINDOW, item.message_id)),
        ]
    )
    logger.warning("outcome unknown, not resent", extra={"message_id": item.message_id, "error": str(exc)})
    return Status.UNKNOWN.value


def _retry_or_fail(item: MessageItem, exc: DeliveryError, now: datetime) -> str:
    if exc.unknown:
        return _outcome_unknown(item, exc, now)
    attempts = int(item.attempts or 1)
    if not (exc.retryable and attempts < MAX_ATTEMPTS):
        logger.warning("send failed", extra={"message_id": item.message_id, "error": str(exc)})
        return _fail(item, "send_failed", str(exc), now)
    item.update(
        actions=[
            MessageItem.status.set(Status.QUEUED.value),
            MessageItem.error.set(str(exc)),
            MessageItem.due_pk.set(keys.due_pk(item.message_id, item.customer_id)),
            MessageItem.due_sk.set(keys.due_sk(now + LEASE, item.message_id)),
        ]
    )
    logger.warning("send failed, will retry", extra={"message_id": item.message_id, "error": str(exc)})
    raise RetryLater(str(exc)) from None


def _record_sent(item: MessageItem, provider_id: str, now: datetime) -> str:
    item.update(
        actions=[
            MessageItem.status.set(Status.SENT.value),
            MessageItem.sent_at.set(now),
            MessageItem.provider_id.set(provider_id or item.message_id),
            MessageItem.reasons.set([*(item.reasons or ()), "guardrails_passed", "sent"]),
            MessageItem.error.remove(),
            MessageItem.due_pk.remove(),
            MessageItem.due_sk.remove(),
        ]
    )
    logger.info("sent", extra={"message_id": item.message_id, "channel": item.channel})
    return Status.SENT.value


@dataclass(frozen=True)
class Recipient:
    """What the Sender reads in one BatchGetItem: the customer and the products the message is about."""

    profile: Profile
    products: dict[str, Product]


def _recipient(item: MessageItem) -> Recipient:
    lines = _lines(store.plain(item.context) or {}) if item.channel != "retargeting" else []
    try:
        before, found = store.load_profile_with(item.customer_id, catalog.keys_of(lines))
    except Exception:
        # nothing was sent yet: hand the message back to the queue and let SQS retry
        item.update(
            actions=[MessageItem.status.set(Status.QUEUED.value)],
            condition=MessageItem.status == Status.SENDING.value,
        )
        raise
    return Recipient(changes.as_profile(before, item.customer_id), catalog.from_raw(found))


def deliver(pk: str, sk: str, playbook: Playbook, now: datetime | None = None) -> str:
    """Returns the final status; raises RetryLater when the channel should be tried again.

    `now` is the clock the Dispatcher ran on (the scheduled instant, or `dispatch --at`), so
    `sent_at` never reads earlier than `due_at`; the wall clock wins when it is later."""
    now = max(now, datetime.now(UTC)) if now else datetime.now(UTC)
    item = _claim(pk, sk, now)
    if item is None:
        return "skipped"  # already sent, cancelled or being sent: a duplicate queue entry
    recipient = _recipient(item)
    look = last_look(recipient.profile, messages.to_view(item), playbook, now)
    if look.blocker is not None:
        return _withdrawn(item, look.blocker, now)
    if look.at != now:
        return _held(item, look.at, look.reason or "held", now)
    try:
        provider_id = _provider_call(item, recipient, playbook, now)
    except RenderError as exc:
        logger.error("cannot render, not sent", extra={"message_id": item.message_id, "error": str(exc)})
        return _fail(item, "render_error", str(exc), now)
    except DeliveryError as exc:
        return _retry_or_fail(item, exc, now)
    return _record_sent(item, provider_id, now)
