"""The backtest's shop in memory: the functions' rules over dicts instead of DynamoDB.

What is decided comes from the same code the functions run (reaction.react for events,
decide.recheck at send time, store.resolve_with for identity, messages.to_item/to_view for the
message mapping, measure.attribution for credit). What is here is only the storage: each write
mirrors a conditional write of pipeline.py, plan/staging.py and sending/delivery.py (the Dispatcher
writes nothing), and tests/integration/test_backtest_equivalence.py proves the two give the
same messages, statuses and reasons. Content is not rendered (it changes no status), and catalog
statistics and product watchers are not kept.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import Any

from touchpoint.channels import retargeting
from touchpoint.decide import Playbook, recheck
from touchpoint.decide.model import Action, Decision, MessageView, Profile, Status
from touchpoint.errors import Ignored, PayloadError
from touchpoint.events import Kind, TouchpointEvent
from touchpoint.measure.attribution import attribute
from touchpoint.plan import keys, staging
from touchpoint.profiles import changes, merge, messages, store
from touchpoint.profiles.models import MessageItem
from touchpoint.reaction import admit, bounded, react
from touchpoint_tools.backtest.model import Send

PENDING = (Status.PLANNED.value, Status.SUPPRESSED.value)


class MemoryShop:
    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.aliases: dict[str, str] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, MessageItem]] = {}
        self.markers: set[str] = set()
        self._due: list[tuple[str, str, str]] = []  # (due_sk, customer id, message id), stale ones skipped
        # what decide() sees of each message, kept until the message changes (reading pynamodb
        # attributes is most of the cost of a replay otherwise)
        self._views: dict[tuple[str, str], MessageView] = {}

    def _view(self, item: MessageItem) -> MessageView:
        key = (item.customer_id, item.message_id)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = messages.to_view(item)
        return view

    def _changed(self, item: MessageItem) -> None:
        self._views.pop((item.customer_id, item.message_id), None)

    # -- events ---------------------------------------------------------------------------------

    def apply(self, event: TouchpointEvent, now: datetime) -> str | None:
        """The customer the event was applied to; None when it was refused, ignored or a repeat."""
        if event.dedup_key in self.markers:
            return None
        try:
            resolution = admit(event, store.resolve_with(event.identity, self._lookup))
        except (PayloadError, Ignored):
            return None
        if event.kind in (Kind.PRIVACY_REDACT, Kind.PRIVACY_EXPORT):
            if event.kind == Kind.PRIVACY_REDACT and resolution.known:
                self._forget(resolution.customer_id)
            return None
        before = self.profiles.get(resolution.customer_id, {})
        if not resolution.stands(before):
            resolution = resolution.instead()
            before = self.profiles.get(resolution.customer_id, {})
        customer_id = resolution.customer_id
        resolution = bounded(resolution, before)
        if not before and not event.creates_profile:
            return None
        owned = self.messages.setdefault(customer_id, {})
        absorbed = [
            (loser, raw)
            for loser in resolution.others
            for raw in [self.profiles.get(loser, {})]
            if resolution.folds_in(loser, raw)
        ]
        views = tuple(self._view(m) for m in owned.values() if messages.live(m, now))
        reaction = react(event, customer_id, resolution.wanted, before, views, absorbed, self.playbook, now)
        self.markers.add(event.dedup_key)
        for key in resolution.new_aliases:
            self.aliases.setdefault(key, customer_id)
        self._stage(customer_id, reaction.decisions, event, now)
        self._attribute(event, owned, reaction.decisions)
        for loser, _ in absorbed:
            self._merge(customer_id, loser)
        self.profiles[customer_id] = changes.apply(before, reaction.change)
        return customer_id

    def _lookup(self, alias_keys: list[str]) -> dict[str, str]:
        return {k: self.aliases[k] for k in alias_keys if k in self.aliases}

    def _stage(
        self, customer_id: str, decisions: list[Decision], event: TouchpointEvent, now: datetime
    ) -> None:
        owned = self.messages[customer_id]
        for decision in decisions:
            prior = owned.get(decision.message_id)
            if prior is not None and not messages.live(prior, now):
                prior = None  # expired: as in DynamoDB, where store.load leaves it out
            if decision.action == Action.CANCEL:
                if prior is not None and prior.status == Status.PLANNED.value:
                    prior.status, prior.reasons = Status.CANCELLED.value, list(decision.reasons)
                    prior.updated_at = now
                    self._undue(prior)
                    self._changed(prior)
                continue
            if prior is not None and prior.status not in PENDING:
                continue
            created = prior.created_at if prior and prior.created_at else now
            item = messages.to_item(
                decision, customer_id, event.occurred_at, created, now, staging.context_for(event)
            )
            owned[decision.message_id] = item
            self._changed(item)
            if item.due_sk:
                heapq.heappush(self._due, (item.due_sk, customer_id, item.message_id))

    def _attribute(
        self, event: TouchpointEvent, owned: dict[str, MessageItem], decisions: list[Decision]
    ) -> None:
        if event.kind != Kind.ORDER_PLACED or event.order is None:
            return
        touched = {d.message_id for d in decisions}
        views = [self._view(m) for m in owned.values() if m.message_id not in touched]
        credited = attribute(views, event.occurred_at)
        if credited is None:
            return
        item = owned[credited.message_id]
        item.converted_at = event.occurred_at
        item.conversion_order = event.order.order_id
        item.conversion_cents = int((event.order.total * 100).to_integral_value())
        self._changed(item)

    def _merge(self, survivor: str, loser: str) -> None:
        for key in merge.carried_aliases(self.profiles.get(loser, {})):
            if self.aliases.get(key) == loser:
                self.aliases[key] = survivor
        if loser in self.profiles:
            self.profiles[loser] = {**self.profiles[loser], "merged_into": survivor}
        for item in self.messages.get(loser, {}).values():
            if item.status == Status.PLANNED.value:
                item.status = Status.CANCELLED.value
                item.reasons = [*(item.reasons or []), f"merged_into:{survivor}"]
                self._undue(item)
                self._changed(item)

    def _forget(self, customer_id: str) -> None:
        raw = self.profiles.pop(customer_id, {})
        for loser in raw.get("merged_from") or ():
            self._forget(str(loser))
        self.messages.pop(customer_id, None)
        for key in [k for k, owner in self.aliases.items() if owner == customer_id]:
            del self.aliases[key]

    # -- the Dispatcher and the Sender ------------------------------------------------------------

    def next_due(self) -> datetime | None:
        while self._due:
            due_sk, customer_id, message_id = self._due[0]
            item = self.messages.get(customer_id, {}).get(message_id)
            if item is not None and item.due_sk == due_sk:
                return keys.due_at_of(due_sk)
            heapq.heappop(self._due)
        return None

    def dispatch(self, now: datetime) -> list[Send]:
        """What dispatch.run and then the Sender do at `now`: each due message in the order it
        fell due (the queue is FIFO per customer) is claimed, re-checked and sent."""
        upper = keys.due_upper_bound(now)
        due: list[MessageItem] = []
        while self._due and self._due[0][0] < upper:
            due_sk, customer_id, message_id = heapq.heappop(self._due)
            item = self.messages.get(customer_id, {}).get(message_id)
            if item is not None and item.due_sk == due_sk:
                due.append(item)
        sends = []
        for item in due:
            send = self._delivered(item, now)
            self._changed(item)
            if send is not None:
                sends.append(send)
        return sorted(sends, key=lambda s: s.message_id)

    def _delivered(self, item: MessageItem, now: datetime) -> Send | None:
        """sending/delivery.deliver: the claim, the re-check on the profile with the customer's
        other live messages, then the send or what the re-check said instead."""
        if item.status not in (Status.PLANNED.value, Status.QUEUED.value):
            return None
        item.status, item.attempts, item.updated_at = Status.SENDING.value, int(item.attempts or 0) + 1, now
        owned = self.messages[item.customer_id]
        others = tuple(
            self._view(m) for m in owned.values() if m.message_id != item.message_id and messages.live(m, now)
        )
        profile = changes.as_profile(self.profiles.get(item.customer_id, {}), item.customer_id, others)
        verdict = recheck(profile, messages.to_view(item), item.trigger_at, self.playbook, now)
        item.reasons = list(verdict.reasons)
        if not verdict.send:
            self._not_now(item, verdict.retry_at, verdict.status, now)
            return None
        if verdict.channel:
            item.channel, item.template = verdict.channel, verdict.template or item.template
        return self._sent(item, profile, now)

    def _not_now(self, item: MessageItem, retry_at: datetime | None, status: Status, now: datetime) -> None:
        if retry_at is None:
            item.status = status.value
            self._undue(item)
            return
        item.status, item.due_at, item.attempts = Status.PLANNED.value, retry_at, int(item.attempts or 1) - 1
        item.due_sk = keys.due_sk(retry_at, item.message_id)
        expires = messages.retained_until(item.trigger, retry_at)
        if expires is not None:
            item.expires_at = expires
        heapq.heappush(self._due, (item.due_sk, item.customer_id, item.message_id))

    def _sent(self, item: MessageItem, profile: Profile, now: datetime) -> Send | None:
        audience = "meta" if retargeting.enabled() else None
        address = {"email": profile.email, "sms": profile.phone, "retargeting": audience}.get(item.channel)
        self._undue(item)
        if not address:
            item.status, item.error = Status.FAILED.value, f"no {item.channel} address on the profile"
            item.reasons = [*(item.reasons or ()), "send_failed"]
            return None
        item.status, item.sent_at, item.provider_id = Status.SENT.value, now, item.message_id
        item.reasons = [*(item.reasons or ()), "sent"]
        return Send.of(item, profile)

    @staticmethod
    def _undue(item: MessageItem) -> None:
        item.due_pk = item.due_sk = None

    # -- what the report reads ----------------------------------------------------------------------

    def all_messages(self) -> list[MessageItem]:
        return [m for owned in self.messages.values() for m in owned.values()]

    def message_item(self, customer_id: str, message_id: str) -> MessageItem | None:
        return self.messages.get(customer_id, {}).get(message_id)
