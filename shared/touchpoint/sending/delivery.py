"""The Sender's work for one queued message: claim, re-check, render, call the channel, record.

Three DynamoDB calls for a message that goes out: the claim, one consistent Query of the
customer's profile and live messages (the send-time re-check: consent, topics, pauses, open
tickets, frequency caps, smart sending, quiet hours, the end of the run), and the outcome. The
products the message is about are read fresh with one BatchGetItem more when it names any.
SQS delivers at least once; the conditional claim (due -> sending) makes a redelivery a no-op,
so a customer never gets one message twice. The queue is FIFO per customer, so the re-check
sees every earlier send to the same customer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from touchpoint import codes
from touchpoint.catalog import statistics
from touchpoint.catalog import store as catalog
from touchpoint.channels import DeliveryError, email, retargeting, sms
from touchpoint.content.render import Message, Rendered, RenderError, render
from touchpoint.decide import Playbook, Profile, Status, Verdict, recheck
from touchpoint.decide.products import recommend
from touchpoint.plan import keys
from touchpoint.playbook import loading
from touchpoint.profiles import changes, messages, store
from touchpoint.profiles.models import MessageItem
from touchpoint.sending import modes, readiness
from touchpoint.sending.claims import claim, claim_or_current
from touchpoint.sending.modes import Mode

logger = Logger(child=True)
MAX_ATTEMPTS = 5
RECONCILE_WINDOW = timedelta(hours=24)  # SendGrid posts `processed` within seconds, retries for a day


class RetryLater(Exception):
    """Tell the batch processor to leave this record on the queue."""


def due_again(item: MessageItem, at: datetime) -> list[Action]:
    """The writes that make a claimed message due again at `at`, for the Dispatcher to find."""
    actions: list[Action] = [
        MessageItem.due_at.set(at),
        MessageItem.due_pk.set(keys.due_pk(item.message_id, item.customer_id)),
        MessageItem.due_sk.set(keys.due_sk(at, item.message_id)),
    ]
    expires = messages.retained_until(item.trigger, at)
    if expires is not None:  # deferred again and again: it must not expire before it is due
        actions.append(MessageItem.expires_at.set(expires))
    return actions


def _claim(pk: str, sk: str, now: datetime) -> tuple[MessageItem | None, MessageItem | None]:
    """Planned and due by now (not re-timed or cancelled since it was enqueued), or queued for
    a retry; the item as claimed, else None and the item as it is."""
    return claim_or_current(
        pk,
        sk,
        [
            MessageItem.status.set(Status.SENDING.value),
            MessageItem.attempts.set((MessageItem.attempts | 0) + 1),
            # the lease runs from here (keys.LEASE). The message keeps its place on the due index:
            # re-keying it would cost two index writes per message. If this Sender dies mid-send,
            # the Dispatcher finds the message again, and the first Sender to get it after the
            # lease records the unknown outcome instead of leaving it "sending" for ever
            MessageItem.updated_at.set(now),
        ],
        (MessageItem.status == Status.QUEUED.value)
        | ((MessageItem.status == Status.PLANNED.value) & (MessageItem.due_sk < keys.due_upper_bound(now))),
        becomes=Status.SENDING,
    )


def _lapsed(status: Status, now: datetime) -> Condition:
    """A claim's lease is over (sending: claimed more than LEASE ago), or the provider's events
    did not come within the reconciliation window (unknown: its due key has come round)."""
    if status == Status.SENDING:
        return MessageItem.updated_at < now - keys.LEASE
    return MessageItem.due_sk < keys.due_upper_bound(now)


def _has_lapsed(current: MessageItem, now: datetime) -> bool:
    """`_lapsed`, on the item the refused claim read."""
    if current.status == Status.SENDING.value:
        return current.updated_at is not None and current.updated_at < now - keys.LEASE
    return bool(current.due_sk and current.due_sk < keys.due_upper_bound(now))


def _expire(current: MessageItem, now: datetime) -> bool:
    """Records a lapsed message failed, with the reason its status gives (EXPIRED)."""
    status = Status(current.status)
    return (
        claim(
            current.pk,
            current.sk,
            [
                MessageItem.status.set(Status.FAILED.value),
                MessageItem.reasons.set(MessageItem.reasons.append([EXPIRED[status.value]])),
                MessageItem.updated_at.set(now),
                MessageItem.due_pk.remove(),
                MessageItem.due_sk.remove(),
            ],
            (MessageItem.status == status.value) & _lapsed(status, now),
            becomes=Status.FAILED,
        )
        is not None
    )


EXPIRED = {Status.SENDING.value: "outcome_unknown", Status.UNKNOWN.value: "no_provider_event"}


def _not_claimed(current: MessageItem | None, now: datetime) -> str:
    """A duplicate queue entry, a message re-timed or cancelled since, or one whose lease ran
    out: a Sender died mid-send, or the provider's answer never came and neither did its events
    within the reconciliation window. The provider may have that message, so it is never sent
    again: it is recorded as failed with the reason, for a person to look at."""
    if current is None or current.status not in EXPIRED:
        return "skipped"
    if not _has_lapsed(current, now):
        return "skipped"  # another Sender is sending it now, or its provider's events may still come
    return "outcome_unknown" if _expire(current, now) else "skipped"


def _retarget(item: MessageItem, profile: Profile, context: dict[str, Any]) -> str:
    if not retargeting.enabled():
        raise DeliveryError("retargeting is off (META_PIXEL_ID unset)", retryable=False)
    if item.template == retargeting.AUDIENCE_REMOVAL:
        return retargeting.remove_from_audience(profile)
    created = item.created_at.timestamp() if item.created_at else None
    return retargeting.send([retargeting.event(item.message_id, item.template, profile, context, created)])


SHADOW_CODE = "YOUR-OWN-CODE"  # what a unique offer shows in shadow mode: no code is taken there


def _offer(item: MessageItem, shadow: bool) -> dict[str, Any] | None:
    """The offer as it goes out: a unique one with the message's own code (or a stand-in in shadow
    mode), none when its code could not be had and the step sends without it."""
    offer = store.plain(item.offer)
    if not offer or not offer.get("unique"):
        return offer
    if item.code:
        return {**offer, "code": item.code, "expires_at": item.code_expires_at}
    return {**offer, "code": SHADOW_CODE} if shadow else None


def _rendered(
    item: MessageItem, profile: Profile, playbook: Playbook, now: datetime, shadow: bool = False
) -> Rendered:
    context = store.plain(item.context) or {}
    context["offer"] = _offer(item, shadow)
    message = Message(item.message_id, item.customer_id, item.flow, item.step, item.channel, item.template)
    return rendered_for(message, profile, context, playbook, now)


def _lines(context: dict[str, Any]) -> list[str]:
    """The products a message is about (its cart or order lines)."""
    return [str(line.get("product_id")) for line in context.get("items") or []]


def rendered_for(
    message: Message,
    profile: Profile,
    context: dict[str, Any],
    playbook: Playbook,
    now: datetime,
) -> Rendered:
    """What the message says now: its own items fresh from the catalog, recommendations through
    the one-minute cache (catalog/cache.py), in one BatchGetItem (none when the message is about
    no product and the cache holds the recommendations). `touchpoint preview` calls this too."""
    co_purchased, best_sellers = statistics.read(sorted(profile.purchased | set(profile.carted)))
    candidates = [
        str(p["product_id"])
        for p in recommend(
            profile, playbook, now, limit=12, co_purchased=co_purchased, best_sellers=best_sellers
        )
    ]
    products = catalog.read_cached(candidates, fresh=_lines(context))
    return render(message, playbook, profile, context, products, candidates, loading.playbook_path())


def _provider_call(item: MessageItem, profile: Profile, playbook: Playbook, now: datetime) -> str:
    """Render and hand the message to its channel; returns the provider's id."""
    if item.channel == "retargeting":
        context = store.plain(item.context) or {}
        return _retarget(item, profile, context)
    if item.channel == "email" and profile.email:
        rendered = _rendered(item, profile, playbook, now)
        return email.send(
            email.payload(profile.email, rendered, item.message_id, item.customer_id, item.flow)
        )
    if item.channel == "sms" and profile.phone:
        rendered = _rendered(item, profile, playbook, now)
        return sms.send(profile.phone, rendered.sms, bool(item.marketing))
    raise DeliveryError(f"no {item.channel} address on the profile", retryable=False)


def _as_sent_on(item: MessageItem) -> list[Action]:
    """The channel and template it went out on: the step's fallback may have taken over."""
    return [MessageItem.channel.set(item.channel), MessageItem.template.set(item.template)]


def _fail(item: MessageItem, reason: str, error: str, now: datetime) -> str:
    return _closed(
        item, Status.FAILED, [*(item.reasons or ()), reason], now, MessageItem.error.set(error[:1000])
    )


def _closed(item: MessageItem, status: Status, reasons: list[str], now: datetime, *more: Action) -> str:
    """A final status with its story; off the due index, so the Dispatcher never finds it again."""
    item.update(
        actions=[
            MessageItem.status.set(status.value),
            MessageItem.reasons.set(reasons),
            MessageItem.updated_at.set(now),
            MessageItem.due_pk.remove(),
            MessageItem.due_sk.remove(),
            *_as_sent_on(item),
            *more,
        ]
    )
    return status.value


def _held(item: MessageItem, until: datetime, reasons: list[str], now: datetime, *more: Action) -> str:
    """Not now (quiet hours, smart sending's window): planned again for `until`, when the
    Dispatcher finds it and the Sender checks everything again. A hold is not a send attempt."""
    item.update(
        actions=[
            MessageItem.status.set(Status.PLANNED.value),
            MessageItem.reasons.set(reasons),
            MessageItem.updated_at.set(now),
            # set, not decremented: the SDK may send this write twice when an answer is lost
            MessageItem.attempts.set(max(int(item.attempts or 1) - 1, 0)),
            *due_again(item, until),
            *more,
        ]
    )
    logger.info("held", extra={"message_id": item.message_id, "until": until.isoformat()})
    return Status.PLANNED.value


NOT_READY_RETRY = timedelta(hours=1)
NO_CODE = "no_code_available"


def _code(item: MessageItem, offer: dict[str, Any], now: datetime) -> str | None:
    """A unique offer's code for this message (touchpoint/codes.py). None when it has one or needs
    none; else the pool is empty, and the step says: wait (the reason to hold it with), or go
    without the offer (recorded among its reasons)."""
    if not offer.get("unique"):
        return None
    days = offer.get("valid_days")
    if codes.take(item, str(offer["id"]), timedelta(days=float(days)) if days else None, now):
        return None
    if offer.get("when_no_code") == "send_without_offer":
        item.reasons = [*(item.reasons or ()), f"offer_dropped:{NO_CODE}"]
        return None
    return NO_CODE


def _not_ready(item: MessageItem, reason: str, error: str, now: datetime) -> str:
    """This deployment cannot send it yet (sending/readiness.py), or the playbook cannot render it:
    held and tried again in an hour (a pushed playbook or a completed set-up sends it then),
    never lost and never failed for good. An error in the log, and `held_<reason>` for the
    Sender's metric and alarm."""
    logger.error("not sent: held", extra={"message_id": item.message_id, "reason": reason, "error": error})
    reasons = [*(item.reasons or ()), reason]
    noted = [MessageItem.error.set(error[:1000])] if error else []
    _held(item, now + NOT_READY_RETRY, reasons, now, *noted)
    return f"held_{reason}"


def _not_now(item: MessageItem, verdict: Verdict, now: datetime) -> str:
    """The re-check said no: held for later, or closed with the reason (opted out, purchased,
    frequency cap, holdout...)."""
    if verdict.retry_at is not None:
        return _held(item, verdict.retry_at, list(verdict.reasons), now)
    logger.info("not sent", extra={"message_id": item.message_id, "reason": verdict.reasons[-1]})
    return _closed(item, verdict.status, list(verdict.reasons), now)


def _outcome_unknown(item: MessageItem, exc: DeliveryError, now: datetime) -> str:
    """The provider may have accepted it: wait for its events (sending/reconcile.py); with none
    within RECONCILE_WINDOW the Dispatcher enqueues it again and the Sender records it failed.
    Never sent a second time."""
    item.update(
        actions=[
            MessageItem.status.set(Status.UNKNOWN.value),
            MessageItem.sent_at.set(now),  # when it may have gone out: guardrails count it as sent
            MessageItem.error.set(str(exc)),
            MessageItem.reasons.set([*(item.reasons or ()), "outcome_unknown"]),
            MessageItem.due_pk.set(keys.due_pk(item.message_id, item.customer_id)),
            MessageItem.due_sk.set(keys.due_sk(now + RECONCILE_WINDOW, item.message_id)),
            *_as_sent_on(item),
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
            MessageItem.due_sk.set(keys.due_sk(now + keys.LEASE, item.message_id)),
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
            MessageItem.reasons.set([*(item.reasons or ()), "sent"]),
            MessageItem.error.remove(),
            MessageItem.due_pk.remove(),
            MessageItem.due_sk.remove(),
            *_as_sent_on(item),
        ]
    )
    logger.info("sent", extra={"message_id": item.message_id, "channel": item.channel})
    return Status.SENT.value


def _profile(item: MessageItem, now: datetime) -> Profile:
    """The customer with their other live messages, in one consistent Query."""
    try:
        before, others = store.load(item.customer_id, live_at=now, consistent=True)
    except Exception:
        # nothing was sent yet: hand the message back to the queue and let SQS retry
        item.update(
            actions=[MessageItem.status.set(Status.QUEUED.value)],
            condition=MessageItem.status == Status.SENDING.value,
        )
        raise
    views = tuple(messages.to_view(m) for m in others if m.sk != item.sk)
    return changes.as_profile(before, item.customer_id, views)


def _paused(item: MessageItem, now: datetime) -> str:
    """The stack is paused: nothing leaves. Held and looked at again every PAUSE_RETRY, until it
    has waited PAUSE_EXPIRY: then cancelled, so a resumed stack never sends stale messages."""
    since = item.paused_since or now
    if now - since >= modes.PAUSE_EXPIRY:
        return _closed(item, Status.CANCELLED, [*(item.reasons or ()), "expired_while_paused"], now)
    reasons = [*(item.reasons or ()), "paused"]
    return _held(item, now + modes.PAUSE_RETRY, reasons, now, MessageItem.paused_since.set(since))


def _shadow(
    item: MessageItem, profile: Profile, playbook: Playbook, blocked: str | None, now: datetime
) -> str:
    """Shadow mode: rendered as it would be sent (a template that cannot render is held, as in
    live mode), then recorded as `shadow`; no channel is called and no unique code is taken. One
    that live mode would hold (no link key yet, the example brand) is recorded with that reason,
    unrendered."""
    if item.channel != "retargeting" and not blocked:
        try:
            _rendered(item, profile, playbook, now, shadow=True)
        except RenderError as exc:
            return _not_ready(item, "render_error", str(exc), now)
    held = [f"would_hold_{blocked}"] if blocked else []
    return _closed(item, Status.SHADOW, [*(item.reasons or ()), *held, "shadow_mode"], now)


def deliver(
    pk: str, sk: str, playbook: Playbook, now: datetime | None = None, mode: Mode | None = None
) -> str:
    """Returns the final status; raises RetryLater when the channel should be tried again.

    `now` is the clock the Dispatcher ran on (the scheduled instant, or `dispatch --at`), so
    `sent_at` never reads earlier than `due_at`; the wall clock wins when it is later. `mode`:
    the stack's sending mode as the Sender read it for this batch (sending/modes.py)."""
    now = max(now, datetime.now(UTC)) if now else datetime.now(UTC)
    mode = mode or modes.current()
    item, current = _claim(pk, sk, now)
    if item is None:
        return _not_claimed(current, now)
    profile = _profile(item, now)
    verdict = recheck(profile, messages.to_view(item), item.trigger_at, playbook, now)
    if not verdict.send:
        return _not_now(item, verdict, now)
    item.reasons = list(verdict.reasons)
    if verdict.channel:  # the step's fallback channel takes over (e.g. the e-mail bounced)
        item.channel, item.template = verdict.channel, verdict.template or item.template
    if mode is Mode.PAUSED:
        return _paused(item, now)
    offer = store.plain(item.offer) or {}
    blocked = readiness.blocker(item.channel, bool(item.marketing), offer.get("code"), playbook)
    if mode is Mode.SHADOW:
        return _shadow(item, profile, playbook, blocked, now)
    if blocked:
        return _not_ready(item, blocked, "", now)
    waiting = _code(item, offer, now)
    if waiting:
        return _not_ready(item, waiting, "", now)
    try:
        provider_id = _provider_call(item, profile, playbook, now)
    except RenderError as exc:
        return _not_ready(item, "render_error", str(exc), now)
    except DeliveryError as exc:
        return _retry_or_fail(item, exc, now)
    return _record_sent(item, provider_id, now)
