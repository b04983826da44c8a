"""`make bench`, history part: backtest replay throughput, and what the event archive costs.

Prices: AWS list prices, us-east-1, November 2026 (on-demand; free tiers ignored).
"""

from __future__ import annotations

import resource
import time

from touchpoint.archive.record import Archived
from touchpoint.playbook import loading
from touchpoint_tools.backtest import run, synthetic

TARGET_SHOPPERS, TARGET_DAYS, TARGET_SECONDS = 100_000, 30, 300

FIREHOSE_PER_GB = 0.029  # Direct PUT ingestion; each record billed in 5 KB increments
FIREHOSE_RECORD_UNIT_KB = 5
S3_PUT_PER_1000 = 0.005
S3_GB_MONTH = 0.023
LAMBDA_GB_SECOND_ARM = 0.0000133334
PUT_RECORD_SECONDS = 0.010  # one PutRecord from inside the function: an assumption (a same-region HTTPS call), not measured here
FUNCTION_GB = 0.5
DYNAMODB_WRITE_PER_MILLION = 0.625  # per million write request units (on-demand)


def replay(shoppers: int = TARGET_SHOPPERS, days: int = TARGET_DAYS) -> tuple[int, float, int]:
    """(events applied, seconds, peak RSS MB of the largest process) for the default playbook,
    generation included, as `touchpoint backtest --synthetic` runs it (one process per core, up to 4)."""
    options = run.Options(playbook=loading.DEFAULT, synthetic=shoppers, days=days)
    started = time.perf_counter()
    digest = run.replay_synthetic(options, loading.DEFAULT, run.load_model(run.MODEL))
    seconds = time.perf_counter() - started
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return digest.events, seconds, peak // 1024


SPEEDUP_SHOPPERS, SPEEDUP_TARGET = 20_000, 1.7


def workers_speedup(shoppers: int = SPEEDUP_SHOPPERS, days: int = TARGET_DAYS) -> tuple[float, float]:
    """Seconds for one replay in one process and in two (`--workers 1` and `--workers 2`)."""
    model = run.load_model(run.MODEL)
    seconds = []
    for workers in (1, 2):
        options = run.Options(playbook=loading.DEFAULT, synthetic=shoppers, days=days, workers=workers)
        started = time.perf_counter()
        run.replay_synthetic(options, loading.DEFAULT, model)
        seconds.append(time.perf_counter() - started)
    return seconds[0], seconds[1]


def archive_costs(sample: int = 2000) -> list[str]:
    """Cost per million archived events, Firehose vs the alternative of a DynamoDB stream."""
    model = run.load_model(run.MODEL)
    shop = synthetic.Shop(model["shop"], 1, run.SYNTHETIC_START, 30)
    lines = [
        Archived(e.occurred_at, "c", e).line()
        for _, e in zip(range(sample), synthetic.stream(shop, 500), strict=False)
    ]
    mean_bytes = sum(map(len, lines)) / len(lines)
    billed_gb = 1_000_000 * FIREHOSE_RECORD_UNIT_KB * 1000 / 1e9
    firehose = billed_gb * FIREHOSE_PER_GB
    objects = 30 * 24 * 12  # a month at one object per 5-minute buffer, whatever the volume
    s3_puts = objects / 1000 * S3_PUT_PER_1000
    stored_gb = 1_000_000 * mean_bytes / 8 / 1e9  # gzip: JSON lines shrink about 8x
    lambda_time = 1_000_000 * PUT_RECORD_SECONDS * FUNCTION_GB * LAMBDA_GB_SECOND_ARM
    total = firehose + s3_puts + stored_gb * S3_GB_MONTH + lambda_time
    stream_alternative = 1_000_000 * 2 * DYNAMODB_WRITE_PER_MILLION / 1e6  # +1 KB on a transactional write
    return [
        f"  mean archived record: {mean_bytes:,.0f} bytes (one JSON line)",
        f"  Firehose ingestion: 1M records x {FIREHOSE_RECORD_UNIT_KB} KB billed = {billed_gb:.1f} GB x ${FIREHOSE_PER_GB}/GB"
        f" = ${firehose:.3f}",
        f"  S3 PUTs: {objects:,} objects a month (5-minute buffers) x ${S3_PUT_PER_1000}/1000 = ${s3_puts:.3f}",
        f"  S3 storage: {stored_gb * 1000:.0f} MB gzip x ${S3_GB_MONTH}/GB-month = ${stored_gb * S3_GB_MONTH:.4f} a month",
        f"  Lambda time for PutRecord: 1M x {PUT_RECORD_SECONDS * 1000:.0f} ms x {FUNCTION_GB} GB arm64 = ${lambda_time:.3f}",
        f"  archive total: ${total:.2f} per million events (target <= $0.50: {'met' if total <= 0.5 else 'NOT met'})",
        f"  (the alternative, the event on the marker item + a DynamoDB stream: about ${stream_alternative:.2f}"
        " per million in extra transactional write units alone)",
    ]


def main() -> None:
    print("\nevent archive, cost per million events (list prices, us-east-1)")
    for line in archive_costs():
        print(line)
    print(
        f"\nbacktest replay: {TARGET_SHOPPERS:,} synthetic shoppers over {TARGET_DAYS} days, default playbook"
    )
    events, seconds, peak = replay()
    verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
    print(
        f"  {events:,} events applied (shop + feedback), generation included: {events / seconds:,.0f} events/s"
    )
    print(f"  peak RSS {peak:,} MB per process (one process per core, up to 4)")
    print(f"  total {seconds:.0f} s (target < {TARGET_SECONDS} s on 2 cores: {verdict})")
    one, two = workers_speedup()
    speedup = one / two
    met = "met" if speedup >= SPEEDUP_TARGET else "NOT met"
    print(
        f"  --workers 2 vs 1, {SPEEDUP_SHOPPERS:,} shoppers: {one:.1f} s vs {two:.1f} s = {speedup:.2f}x"
        f" (target >= {SPEEDUP_TARGET}x on 2 cores: {met})"
    )


if __name__ == "__main__":
    main()
