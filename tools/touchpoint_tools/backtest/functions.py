"""The backtest's shop as the deployed functions: the same driver over the functions' code on
moto. It is slow (every write goes through the emulator) and exists to prove backtest/memory.py
equal to it (tests/integration/test_backtest_equivalence.py)."""

from __future__ import annotations

from datetime import datetime

from touchpoint.decide.model import Status
from touchpoint.errors import Ignored, PayloadError
from touchpoint.events import TouchpointEvent
from touchpoint.plan import keys
from touchpoint.profiles import changes, store
from touchpoint.profiles.models import MESSAGE_PREFIX, MessageItem
from touchpoint_tools.backtest.model import Send
from touchpoint_tools.local.runtime import LocalRuntime


class FunctionsShop:
    """Events go through pipeline.handle, as every webhook function calls it after verifying and
    normalizing; time goes through the Dispatcher and Sender functions (runtime.dispatch)."""

    def __init__(self, runtime: LocalRuntime, function: str = "CartAbandonedFunction") -> None:
        self.runtime, self.function = runtime, function
        self._next_due: datetime | None = None  # kept up to date without reading the index per event

    def apply(self, event: TouchpointEvent, now: datetime) -> str | None:
        from touchpoint import pipeline

        with self.runtime.as_function(self.function):
            try:
                outcome = pipeline.handle(event, now)
            except (PayloadError, Ignored):
                return None
        if outcome.duplicate or outcome.export is not None:
            return None
        if outcome.decisions:  # most storefront events decide nothing and leave the index alone
            self._next_due = self._read_next_due()
        return outcome.customer_id

    def next_due(self) -> datetime | None:
        return self._next_due

    def _read_next_due(self) -> datetime | None:
        firsts = [
            item.due_sk for shard in keys.shards() for item in MessageItem.due_index.query(shard, limit=1)
        ]
        return keys.due_at_of(min(firsts)) if firsts else None

    def dispatch(self, now: datetime) -> list[Send]:
        due = [
            (item.pk, item.sk)
            for shard in keys.shards()
            for item in MessageItem.due_index.query(shard, MessageItem.due_sk < keys.due_upper_bound(now))
        ]
        self.runtime.dispatch(now)
        self._next_due = self._read_next_due()
        sends = []
        for item in MessageItem.batch_get(due):
            if item.status == Status.SENT.value:
                raw, _ = store.load(item.customer_id)
                sends.append(Send.of(item, changes.as_profile(raw, item.customer_id)))
        return sorted(sends, key=lambda s: s.message_id)

    def all_messages(self) -> list[MessageItem]:
        return list(MessageItem.scan(MessageItem.sk.startswith(MESSAGE_PREFIX)))
