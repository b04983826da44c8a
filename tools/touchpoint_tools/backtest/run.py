"""`touchpoint backtest`: replay events (a file, or a synthetic shop) against one or two playbooks
and write the report. Same inputs and seed, byte-identical report: nothing here reads the clock."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from touchpoint.decide import Playbook, in_holdout
from touchpoint.errors import PayloadError
from touchpoint.events import TouchpointEvent
from touchpoint.playbook import loading
from touchpoint_tools.backtest import engine, memory, response, shards, synthetic
from touchpoint_tools.measure.outcomes import to_outcome
from touchpoint_tools.measure.satisfaction import Rating, Week, weekly
from touchpoint_tools.measure.summary import Outcome, summarize
from touchpoint_tools.report import plots, render
from touchpoint_tools.report.build import (
    Report,
    Table,
    assemble,
    orders_table,
    power_table,
    satisfaction_table,
)

MODEL = Path(__file__).with_name("model.yaml")
SYNTHETIC_START = datetime(2026, 10, 1, tzinfo=UTC)
SMALL = 1000  # shoppers (or ten times as many events) below which one process is quicker than a pool


class BacktestError(ValueError):
    """A bad input file or option, said in one line."""


@dataclass(frozen=True)
class Options:
    playbook: Path
    vs: Path | None = None
    events: Path | None = None
    synthetic: int | None = None
    days: int = 30
    seed: int = 1
    out: Path = Path("backtest-report")
    model: Path = MODEL
    start: datetime = SYNTHETIC_START
    workers: int | None = None  # processes, sharded by customer; None: one per core for a large replay

    def processes(self, size: int) -> int:
        if self.workers is not None:
            return self.workers
        return min(os.cpu_count() or 1, 4) if size >= SMALL else 1


def load_model(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BacktestError(f"{path}: cannot read the model: {exc}") from None
    if not isinstance(data, dict) or not {"shop", "response"} <= set(data):
        raise BacktestError(f"{path}: needs a `shop` and a `response` section")
    return data


def read_events(path: Path) -> list[tuple[datetime, TouchpointEvent]]:
    """JSON lines as `touchpoint archive export` writes them (or bare canonical events)."""
    found = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BacktestError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            event = TouchpointEvent.model_validate(record.get("event", record))
            received = (
                datetime.fromisoformat(record["received_at"])
                if "received_at" in record
                else event.occurred_at
            )
        except (ValueError, TypeError, AttributeError, PayloadError) as exc:
            raise BacktestError(
                f"{path}:{number}: not a canonical event: {str(exc).splitlines()[0]}"
            ) from None
        found.append((received, event))
    return sorted(found, key=lambda pair: (pair[0], pair[1].dedup_key))


def _describe(options: Options, arrivals: list[tuple[datetime, TouchpointEvent]]) -> str:
    if options.events is not None:
        return f"{len(arrivals)} archived events from {options.events.name}"
    return f"a synthetic shop: {options.synthetic} shoppers over {options.days} days, seed {options.seed}"


def _window(options: Options, arrivals: list[tuple[datetime, TouchpointEvent]]) -> tuple[datetime, datetime]:
    if options.events is None:
        return options.start, options.start + timedelta(days=options.days)
    if not arrivals:
        raise BacktestError(f"{options.events}: no events")
    start = arrivals[0][0]
    return start, max(arrivals[-1][0], start) + timedelta(days=options.days if options.days else 7)


@dataclass(frozen=True)
class Digest:
    """What the report needs of one replay (or one shard of it), small enough to pass between
    processes."""

    outcomes: list[Outcome]
    orders_at: list[datetime]
    caused: int
    customers: int
    events: int
    ratings: list[Rating]

    @classmethod
    def of(cls, result: engine.Replay) -> Digest:
        return cls(
            outcomes=outcomes_of(result),
            orders_at=[o.at for o in result.orders],
            caused=sum(1 for o in result.orders if o.caused_by),
            customers=len(result.customers),
            events=result.events,
            ratings=result.ratings,
        )

    @classmethod
    def merged(cls, parts: list[Digest]) -> Digest:
        """One replay's digest from its shards', in an order that does not depend on how many
        there were (message ids repeat across customers: a day's browse run has one id)."""
        return cls(
            outcomes=sorted(
                (o for p in parts for o in p.outcomes), key=lambda o: (o.message_id, o.customer_id)
            ),
            orders_at=sorted(at for p in parts for at in p.orders_at),
            caused=sum(p.caused for p in parts),
            customers=sum(p.customers for p in parts),
            events=sum(p.events for p in parts),
            ratings=sorted((r for p in parts for r in p.ratings), key=lambda r: (r.at, r.customer_id)),
        )


@dataclass(frozen=True)
class Shard:
    """One independent part of a synthetic replay: shoppers n with n % shards == index. Shoppers
    of a synthetic shop share nothing, so shards replay apart, in parallel, and merge into the
    same report whatever their number (shards.py)."""

    playbook: Path
    model: dict[str, Any]
    seed: int
    start: datetime
    days: int
    shoppers: int
    index: int
    shards: int

    def replay(self) -> Digest:
        shop = synthetic.Shop(self.model["shop"], self.seed, self.start, self.days)
        events = engine.arrivals(synthetic.stream(shop, self.shoppers, self.index, self.shards))
        until = self.start + timedelta(days=self.days)
        return Digest.of(replay_one(_load(self.playbook), events, self.model, self.seed, until))


@dataclass(frozen=True)
class EventShard:
    """One part of an archive's replay: the events of the customers shards.split gave it."""

    playbook: Path
    model: dict[str, Any]
    seed: int
    until: datetime
    arrivals: list[tuple[datetime, TouchpointEvent]]

    def replay(self) -> Digest:
        return Digest.of(replay_one(_load(self.playbook), self.arrivals, self.model, self.seed, self.until))


def _replay_shard(shard: Shard | EventShard) -> Digest:
    return shard.replay()


def _in_parallel(parts: list[Shard] | list[EventShard]) -> Digest:
    if len(parts) == 1:
        return Digest.merged([parts[0].replay()])
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=len(parts), mp_context=context) as pool:
        return Digest.merged(list(pool.map(_replay_shard, parts)))


def replay_synthetic(options: Options, playbook: Path, model: dict[str, Any]) -> Digest:
    assert options.synthetic is not None
    count = options.processes(options.synthetic)
    return _in_parallel(
        [
            Shard(playbook, model, options.seed, options.start, options.days, options.synthetic, index, count)
            for index in range(count)
        ]
    )


def replay_events(
    options: Options,
    playbook: Path,
    model: dict[str, Any],
    arrivals: list[tuple[datetime, TouchpointEvent]],
    until: datetime,
) -> Digest:
    count = options.processes(len(arrivals) // 10)
    parts = shards.split(arrivals, count) if count > 1 else [arrivals]
    return _in_parallel([EventShard(playbook, model, options.seed, until, part) for part in parts])


def replay_one(
    playbook: Playbook,
    arrivals: Iterable[tuple[datetime, TouchpointEvent]],
    model: dict[str, Any],
    seed: int,
    until: datetime,
) -> engine.Replay:
    responses = response.ResponseModel(model["response"], seed)
    return engine.Driver(memory.MemoryShop(playbook), responses, until).run(iter(arrivals))


def outcomes_of(result: engine.Replay) -> list[Outcome]:
    found = []
    for item in result.messages:
        effect = result.effects.get((item.customer_id, item.message_id))
        responses = (
            {
                "opened": effect.opened,
                "clicked": effect.clicked,
                "unsubscribed": effect.unsubscribed,
                "complained": effect.complained,
            }
            if effect
            else {}
        )
        found.append(to_outcome(item, **responses))
    return found


def _label(path: Path, other: Path | None) -> str:
    return path.stem if other is None or other.stem != path.stem else str(path)


def _load(path: Path) -> Playbook:
    try:
        return loading.load(path)
    except loading.PlaybookError as exc:
        raise BacktestError(str(exc).splitlines()[0]) from None


def _satisfaction(digest: Digest, playbook: Playbook) -> list[Week]:
    """CSAT and NPS per week of the replay's rated tickets, held-out shoppers apart."""
    return weekly(digest.ratings, lambda customer: in_holdout(customer, playbook))


def run(options: Options) -> list[Path]:
    model = load_model(options.model)
    arrivals = read_events(options.events) if options.events is not None else []
    start, end = _window(options, arrivals)
    runs = {_label(options.playbook, options.vs): options.playbook}
    if options.vs is not None:
        runs[_label(options.vs, options.playbook)] = options.vs
    summaries, outcomes, facts = {}, {}, [f"Replayed {_describe(options, arrivals)}."]
    satisfaction: list[Table] = []
    explained: list[Table] = []
    planning: list[Table] = []
    weeks = (end - start).total_seconds() / (7 * 86400)
    for label, path in runs.items():
        if options.events is not None:
            digest = replay_events(options, path, model, arrivals, end)
        else:
            digest = replay_synthetic(options, path, model)
        outcomes[label] = digest.outcomes
        satisfaction.append(satisfaction_table(label, _satisfaction(digest, _load(path))))
        summaries[label] = summarize(digest.outcomes, digest.customers, weeks, digest.orders_at)
        explained.append(orders_table(label, summaries[label], len(digest.orders_at), digest.caused))
        planning.append(power_table(label, summaries[label], (end - start).total_seconds() / 86400))
        facts.append(
            f"{label} ({path.name}): {digest.events} events applied including the response model's "
            f"feedback; {digest.customers} customers; {len(digest.orders_at)} orders, "
            f"{digest.caused} of them caused by a message."
        )
    facts.append(f"Response model: {options.model.name}, seed {options.seed}.")
    report = assemble(Report("Touchpoint backtest", start, end, summaries, facts), outcomes)
    first = 1 if options.vs is not None else 0  # after the comparison of the two playbooks, if any
    report.tables[first:first] = explained  # then what the later tables' numbers mean
    report.tables += [*planning, *satisfaction]
    options.out.mkdir(parents=True, exist_ok=True)
    report.plots = plots.draw(summaries, options.out)
    return render.write(report, options.out)
