"""handle(event): apply it to the profile, decide, plan; all effects in one write.

Round trips per event: one BatchGetItem (aliases, and the profile of the customer an alias named
when this container last read or wrote it, else the one its aliases would mint:
identity.minted_id), one Query (profile and messages) unless that profile is the event's and shows
no messages, then one write, and one Firehose PutRecord into the event archive. An event of a
customer this container has seen every alias of skips the BatchGetItem: the profile lists the
aliases it owns, so one GetItem (or the Query, where the event needs messages) confirms whose
event it is (store.confirmed). The write is a single conditional UpdateItem of the profile when
the event changes nothing else (a storefront view, an open), else one TransactWriteItems (event
marker, aliases, profile update, message writes, an order's product counters). Product watches
are written from the archive, off this path (catalog/watchers.py); only without an archive do
they go with the event. Either way the profile update is conditioned on the event's key being
absent from the profile's recent map (profiles/recent.py), and the transaction's marker on the
marker being absent, so a redelivered or concurrent duplicate is a no-op, mostly recognised on
the read already. Since nothing that matters is written outside that one write, a fault before it
loses nothing: the platform's retry simply runs it again (and archives the event then, if
archiving was what failed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from touchpoint import aws
from touchpoint.archive import store as archive
from touchpoint.catalog import statistics, watchers
from touchpoint.decide import Decision, Playbook, Profile, looks_at_messages
from touchpoint.decide.model import Status
from touchpoint.errors import Ignored
from touchpoint.events import Kind, TouchpointEvent
from touchpoint.identity import marker_key
from touchpoint.measure.attribution import attribute
from touchpoint.plan import staging
from touchpoint.playbook.loading import current_playbook
from touchpoint.profiles import changes, merge, messages, privacy, recent, store, update
from touchpoint.profiles.models import (
    PROFILE_SK,
    AliasItem,
    EventMarker,
    MessageItem,
    ProfileItem,
    customer_pk,
)
from touchpoint.reaction import admit, bounded, react

logger = Logger(child=True)
MARKER_TTL = timedelta(days=35)
# a repetition of these would count money twice: they keep a 35-day marker beyond the recent map
MARKED_KINDS = frozenset({Kind.ORDER_PLACED, Kind.ORDER_CANCELLED, Kind.ORDER_REFUNDED})
ATTEMPTS = 4


class Busy(Exception):
    """Concurrent writers kept winning; the platform's retry will get through."""


@dataclass
class Outcome:
    customer_id: str | None
    duplicate: bool = False
    decisions: list[Decision] = field(default_factory=list)
    profile: Profile | None = None
    export: dict[str, Any] | None = None
    proven: bool = True  # the caller proved whose profile this is (sources/storefront.py)

    def summary(self) -> dict[str, Any]:
        body: dict[str, Any] = {"customer_id": self.customer_id, "duplicate": self.duplicate}
        body["decisions"] = [
            {
                "message_id": d.message_id,
                "action": d.action.value,
                "channel": d.channel,
                "due_at": d.due_at.isoformat(),
                "reasons": list(d.reasons),
            }
            for d in self.decisions
        ]
        if self.export is not None:
            body["export"] = self.export
        return body


def handle(event: TouchpointEvent, now: datetime | None = None) -> Outcome:
    now = now or datetime.now(UTC)
    playbook = current_playbook()
    found, fetched = store.resolve_fetching(event.identity, now if _wants_messages(event, playbook) else None)
    resolution = admit(event, found)  # refuses events that may not create a customer
    if event.kind in (Kind.PRIVACY_REDACT, Kind.PRIVACY_EXPORT):
        return _privacy(event, resolution.customer_id if resolution.known else None)
    handling = uuid.uuid4().hex  # written into the marker: our own write is never a duplicate
    for attempt in range(ATTEMPTS):
        if attempt:  # read everything again
            resolution, fetched = store.resolve(event.identity) or resolution, None
        outcome = _apply(event, resolution, fetched, playbook, now, handling)
        if outcome is not None:
            # also for a repeat: if archiving failed after the commit, the platform's retry lands here
            _archive(event, outcome.customer_id or resolution.customer_id, now)
            return outcome
        logger.info("write conflict, retrying", extra={"attempt": attempt})
    raise Busy(f"could not apply {event.dedup_key} after {ATTEMPTS} attempts")


def _archive(event: TouchpointEvent, customer_id: str, now: datetime) -> None:
    """Archive the applied event. An AWS fault raises (the platform's retry archives it then); an
    event that cannot be archived at all is logged as an error and answered, since a retry would
    fail the same way for ever."""
    try:
        archive.put(event, customer_id, now)
    except (ValueError, TypeError) as exc:  # encoding or serialization: the same on every retry
        logger.error(
            "event applied but not archived", extra={"event_key": event.dedup_key, "error": str(exc)}
        )


def _apply(
    event: TouchpointEvent,
    resolution: store.Resolution,
    fetched: store.Fetched | None,
    playbook: Playbook,
    now: datetime,
    handling: str,
) -> Outcome | None:
    """One attempt: read, change, decide, commit. None when a concurrent writer won the race."""
    read = _read(event, resolution, fetched, playbook, now)
    resolution, before, message_items = read.resolution, read.profile, read.messages or []
    customer_id = resolution.customer_id
    applied_by = recent.applied_by(before, event.dedup_key)
    if applied_by is not None:  # a redelivery, recognised on the read: nothing to write
        return _repeat(event, customer_id, ours=applied_by == recent.token_of(handling))
    absorbed = [
        (loser, raw, items)
        for loser in resolution.others  # rare: one Query each
        for raw, items in [store.load(loser)]
        if resolution.folds_in(loser, raw)
    ]
    views = tuple(messages.to_view(m) for m in message_items)
    reaction = react(
        event, customer_id, resolution.wanted, before, views, [(c, r) for c, r, _ in absorbed], playbook, now
    )
    recent.remember(reaction.change, before, event.dedup_key, handling)
    if read.messages is not None or reaction.decisions:  # unread messages leave the mark as it is
        messages.mark_presence(
            reaction.change, before, found=bool(message_items), staged=bool(reaction.decisions)
        )
    commit = Commit(event, customer_id, reaction.change, resolution.new_aliases, reaction.decisions)
    if commit.profile_only and not absorbed:
        verdict = _update_profile(commit, handling)
    else:
        verdict = _transact(commit, message_items, now, absorbed, handling)
    if verdict is not APPLIED:
        return verdict
    store.owners.remember(dict.fromkeys(commit.new_aliases, customer_id))  # this container wrote them
    logger.info(
        "event applied",
        extra={
            "event_key": event.dedup_key,
            "kind": event.kind.value,
            "customer_id": customer_id,
            "decisions": [f"{d.action.value}:{d.message_id}" for d in reaction.decisions],
        },
    )
    return Outcome(customer_id=customer_id, decisions=reaction.decisions, profile=reaction.profile)


@dataclass(frozen=True)
class Read:
    """What one attempt read: the resolution the profile confirms, the profile (raw), and the
    customer's live messages, or None where the event had no use for them (not read)."""

    resolution: store.Resolution
    profile: dict[str, Any]
    messages: list[MessageItem] | None


def _read(
    event: TouchpointEvent,
    resolution: store.Resolution,
    fetched: store.Fetched | None,
    playbook: Playbook,
    now: datetime,
) -> Read:
    """The customer's profile and, where the event needs them, live messages."""
    wanted = _wants_messages(event, playbook)
    before, message_items = _load(resolution.customer_id, fetched, now, wanted or bool(resolution.others))
    if before.get("merged_into") and event.identity.customer_id:  # a link or feedback from before a merge
        resolution = resolution.named(store.survivor(resolution.customer_id, before)[0])
        before, message_items = _load(resolution.customer_id, None, now, wanted)
    if not resolution.stands(before):
        resolution = resolution.instead()
        before, message_items = _load(resolution.customer_id, fetched, now, wanted or bool(resolution.others))
    if not before and not event.creates_profile:
        raise Ignored(f"{event.kind.value} for a customer this deployment does not know")
    return Read(bounded(resolution, before), before, message_items)


def _wants_messages(event: TouchpointEvent, playbook: Playbook) -> bool:
    """decide() looks at messages only for an event a flow starts or stops on; an order credits
    one (attribution). (A merge moves them too: `_read` adds that case.)"""
    return event.kind in MARKED_KINDS or looks_at_messages(event, playbook)


def _load(
    customer_id: str, fetched: store.Fetched | None, now: datetime, wanted: bool
) -> tuple[dict[str, Any], list[MessageItem] | None]:
    """One Query for the profile and messages. The profile alone (one GetItem, or none where the
    resolving trip read it) when the event has no use for messages, or the profile shows there
    are none."""
    if fetched is not None and fetched.customer_id == customer_id:
        if fetched.messages is not None:
            return fetched.profile, fetched.messages
        if not messages.may_have(fetched.profile):
            return fetched.profile, []
        if not wanted:
            return fetched.profile, None
    if not wanted:
        return store.load_profile(customer_id, consistent=False), None
    return store.load(customer_id, live_at=now)


@dataclass(frozen=True)
class Commit:
    """What one attempt writes."""

    event: TouchpointEvent
    customer_id: str
    change: changes.Change
    new_aliases: set[str]
    decisions: list[Decision]

    @property
    def profile_only(self) -> bool:
        """Nothing but the profile (and, idempotent, product watches) changes, and a repetition
        could not change money: one conditional UpdateItem instead of a transaction."""
        return not (self.new_aliases or self.decisions or self.event.kind in MARKED_KINDS)


APPLIED = Outcome(customer_id=None)  # the verdict of a write that went through


def _update_profile(commit: Commit, handling: str) -> Outcome | None:
    """One UpdateItem, conditioned on the event being absent from the profile's recent map.
    Watches written with the event (no archive) go first: writing one again is harmless, and a
    retry after a fault writes them again."""
    watchers.put(commit.customer_id, commit.event)
    try:
        ProfileItem._get_connection().update_item(
            customer_pk(commit.customer_id),
            PROFILE_SK,
            actions=update.actions(commit.change),
            condition=update.condition(commit.change),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return _after_failed_condition(commit, handling)
    return APPLIED


def _after_failed_condition(commit: Commit, handling: str) -> Outcome | None:
    """Ours (the answer to our write was lost and the SDK's retry met it), a redelivery
    another handler applied, or a concurrent change to what the write assumed (None: retry)."""
    applied_by = recent.applied_by(store.load_profile(commit.customer_id), commit.event.dedup_key)
    if applied_by is None:
        return None
    if applied_by == recent.token_of(handling):
        return APPLIED
    return _repeat(commit.event, commit.customer_id)


def _transact(
    commit: Commit,
    message_items: list[MessageItem],
    now: datetime,
    absorbed: Sequence[tuple[str, dict[str, Any], list[MessageItem]]],
    handling: str,
) -> Outcome | None:
    try:
        _commit(commit, message_items, now, absorbed, handling)
    except TransactWriteError as exc:
        if not _is_duplicate(exc):
            if exc.cause_response_code != "TransactionCanceledException":
                raise
            return None
        if not _marked_by(commit.event, handling):
            return _repeat(commit.event, commit.customer_id)
        # our own transaction went through and only its answer was lost: the SDK's retry met our marker
    return APPLIED


def _repeat(event: TouchpointEvent, customer_id: str, ours: bool = False) -> Outcome:
    """The answer to an event already applied: a duplicate, unless it was this handling's own."""
    if not ours:
        logger.info("duplicate event", extra={"event_key": event.dedup_key})
    return Outcome(customer_id=customer_id, duplicate=not ours)


def _marked_by(event: TouchpointEvent, handling: str) -> bool:
    try:
        marker = EventMarker.get(marker_key(event.dedup_key), "EVENT", consistent_read=True)
    except EventMarker.DoesNotExist:
        return False
    return marker.attempt == handling


def _is_duplicate(exc: TransactWriteError) -> bool:
    """The event marker is the transaction's first item: its condition failing means a repeat."""
    reasons = exc.cancellation_reasons
    return bool(reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed")


def _commit(
    commit: Commit,
    message_items: list[MessageItem],
    now: datetime,
    absorbed: Sequence[tuple[str, dict[str, Any], list[MessageItem]]],
    handling: str,
) -> None:
    event, customer_id, decisions = commit.event, commit.customer_id, commit.decisions
    existing = {m.message_id: m for m in message_items}
    with TransactWrite(connection=aws.connection()) as tx:
        # first item: its cancellation reason tells a duplicate from a conflict
        tx.save(
            EventMarker(
                marker_key(event.dedup_key),
                "EVENT",
                kind=event.kind.value,
                expires_at=MARKER_TTL,
                attempt=handling,
            ),
            condition=EventMarker.pk.does_not_exist(),
        )
        for key in sorted(commit.new_aliases):
            tx.save(AliasItem(key, "ALIAS", customer_id=customer_id), condition=AliasItem.pk.does_not_exist())
        staging.stage(tx, customer_id, decisions, existing, event, now)
        watchers.stage(tx, customer_id, event)
        if event.kind == Kind.ORDER_PLACED and event.order:
            statistics.stage(tx, event.order.order_id, event.order.items)
        _stage_attribution(tx, event, message_items, decisions)
        for loser, loser_raw, loser_messages in absorbed:
            _stage_merge(tx, customer_id, loser, loser_raw, loser_messages, now)
        tx.update(
            ProfileItem(customer_pk(customer_id), PROFILE_SK),
            actions=update.actions(commit.change),
            condition=update.condition(commit.change),
        )


def _stage_attribution(
    tx: TransactWrite, event: TouchpointEvent, message_items: list[MessageItem], decisions: list[Decision]
) -> None:
    """Credit an order to the last message that touched the customer (sent, or held out)."""
    if event.kind != Kind.ORDER_PLACED or event.order is None:
        return
    touched = {d.message_id for d in decisions}  # one operation per item in a transaction
    views = [messages.to_view(m) for m in message_items if m.message_id not in touched]
    credited = attribute(views, event.occurred_at)
    if credited is None:
        return
    item = next(m for m in message_items if m.message_id == credited.message_id)
    tx.update(
        item,
        actions=[
            MessageItem.converted_at.set(event.occurred_at),
            MessageItem.conversion_order.set(event.order.order_id),
            MessageItem.conversion_cents.set(int((event.order.total * 100).to_integral_value())),
        ],
    )


def _stage_merge(
    tx: TransactWrite,
    survivor: str,
    loser: str,
    raw: dict[str, Any],
    messages: list[MessageItem],
    now: datetime,
) -> None:
    """Re-point every alias of the loser, leave a tombstone, cancel what it had pending."""
    for key in merge.carried_aliases(raw):
        tx.update(
            AliasItem(key, "ALIAS"),
            actions=[AliasItem.customer_id.set(survivor)],
            condition=AliasItem.customer_id == loser,
        )
    if raw:
        tx.update(
            ProfileItem(customer_pk(loser), PROFILE_SK),
            actions=[ProfileItem.merged_into.set(survivor), ProfileItem.updated_at.set(now)],
        )
    for message in messages:
        if message.status == Status.PLANNED.value:
            tx.update(
                message,
                actions=[
                    MessageItem.status.set(Status.CANCELLED.value),
                    MessageItem.reasons.set([*(message.reasons or []), f"merged_into:{survivor}"]),
                    MessageItem.due_pk.remove(),
                    MessageItem.due_sk.remove(),
                ],
                condition=MessageItem.status == Status.PLANNED.value,
            )


def _privacy(event: TouchpointEvent, customer_id: str | None) -> Outcome:
    if customer_id is None:
        return Outcome(customer_id=None, export={} if event.kind == Kind.PRIVACY_EXPORT else None)
    if event.kind == Kind.PRIVACY_EXPORT:
        return Outcome(customer_id=customer_id, export=privacy.export(customer_id, privacy.SWEEP_ON_REQUEST))
    privacy.forget(customer_id, sweep_for=privacy.SWEEP_ON_REQUEST)
    return Outcome(customer_id=customer_id)
