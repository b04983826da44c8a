"""Product watches are written from the event archive's new objects by the Watches function (S3
notices on a queue), off the events' path; without an archive they go with the event."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from touchpoint import aws
from touchpoint.archive.record import Archived, Landed
from touchpoint.catalog import watchers
from touchpoint.events import Kind, LineItem, TouchpointEvent
from touchpoint_tools.local.runtime import LocalRuntime, sqs_record

from ..conftest import storefront, table_items

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _viewed(n: int, customer: str, product: str, at: datetime, kind: Kind = Kind.PRODUCT_VIEWED) -> Archived:
    event = TouchpointEvent(
        source="segment",
        event_id=f"v-{n}",
        kind=kind,
        occurred_at=at,
        products=(LineItem(product_id=product),),
    )
    return Archived(at, customer, event)


def _landed(record: Archived) -> Landed:
    """The record as the Watches function reads it from its archive object."""
    return Landed.parse(record.line())


def _write(records: list[Archived], now: datetime) -> int:
    """The watches of these records, as the Watches function writes those of an object no
    customer of which was erased."""
    return watchers.Interest.read([_landed(r) for r in records], now).write(erased={})


def _watches(runtime: LocalRuntime) -> dict[tuple[str, str], int]:
    """(product key, customer) -> expiry (epoch seconds)."""
    return {
        (i["pk"]["S"], i["customer_id"]["S"]): int(i["expires_at"]["N"])
        for i in table_items(runtime)
        if i["sk"]["S"].startswith("W#")
    }


def test_an_old_object_an_erasure_rewrote_sets_back_no_watch(runtime: LocalRuntime) -> None:
    """A view in an object from last month, read again because an erasure rewrote the object,
    must not set back the expiry of the watch this week's view moved."""
    now = AT + timedelta(days=30)
    assert _write([_viewed(1, "c-1", "p-1", now - timedelta(minutes=3))], now) == 1
    assert _write([_viewed(2, "c-1", "p-1", AT)], now) == 0
    expiry = int((now - timedelta(minutes=3) + watchers.WATCH_DAYS).timestamp())
    assert _watches(runtime) == {("P#p-1", "c-1"): expiry}


def test_one_watch_per_customer_and_product_lasting_from_the_latest_view(
    runtime: LocalRuntime, dynamodb_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    records = [
        _viewed(1, "c-1", "p-1", AT + timedelta(minutes=2)),
        _viewed(2, "c-1", "p-1", AT),  # an earlier view, later in the object
        _viewed(3, "c-2", "p-1", AT),
        _viewed(4, "c-1", "p-2", AT, kind=Kind.PAGE_VIEWED),  # not a kind that watches
        _viewed(5, "", "p-3", AT),  # nobody's
    ]
    assert _write(records, now=AT + timedelta(minutes=5)) == 2
    assert [op for op, _ in dynamodb_calls] == ["BatchWriteItem"]
    expiry = int((AT + watchers.WATCH_DAYS).timestamp())
    assert _watches(runtime) == {("P#p-1", "c-1"): expiry + 120, ("P#p-1", "c-2"): expiry}


def _put_object(runtime: LocalRuntime, key: str, body: bytes) -> None:
    bucket = runtime.resources.archive_names["ArchiveBucket"]
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)


def _invoke(runtime: LocalRuntime, *bodies: dict[str, Any]) -> dict[str, Any]:
    messages = [
        {"MessageId": f"m-{n}", "ReceiptHandle": "r", "Body": json.dumps(b)} for n, b in enumerate(bodies)
    ]
    result: dict[str, Any] = runtime.invoke(
        "WatchesFunction", {"Records": [sqs_record(m, "") for m in messages]}
    )
    return result


def _notice(key: str) -> dict[str, Any]:
    return {
        "Records": [
            {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": key}}}
        ]
    }


def test_the_function_reads_the_object_a_notice_names_and_retries_only_what_failed(
    runtime: LocalRuntime,
) -> None:
    now = datetime.now(UTC)
    lines = b"".join(r.line() for r in [_viewed(1, "c-1", "p-1", now), _viewed(2, "c-2", "p-2", now)])
    _put_object(runtime, "events/dt=2026-12-01/a b", gzip.compress(lines))  # Firehose gzips
    _put_object(runtime, "events/dt=2026-12-01/broken", b"not json\n")
    s3_test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}

    result = _invoke(
        runtime,
        _notice("events/dt%3D2026-12-01/a+b"),  # S3 URL-encodes the key
        s3_test_event,
        _notice("events/dt=2026-12-01/erased-since"),
        _notice("events/dt=2026-12-01/broken"),
    )
    assert result["batchItemFailures"] == [{"itemIdentifier": "m-3"}]
    assert set(_watches(runtime)) == {("P#p-1", "c-1"), ("P#p-2", "c-2")}


def _view(runtime: LocalRuntime, message_id: str, product: str) -> str:
    call = {
        "type": "track",
        "anonymousId": "watcher",
        "messageId": message_id,
        "event": "Product Viewed",
        "properties": {"product_id": product},
    }
    return str(storefront(runtime, call)["customer_id"])


def test_without_an_archive_the_watch_is_written_with_the_event(
    runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch, dynamodb_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    monkeypatch.delitem(runtime.function("WebEventFunction").environment, "ARCHIVE_STREAM")
    customer = _view(runtime, "first", "p-9")
    dynamodb_calls.clear()
    _view(runtime, "second", "p-10")
    assert [op for op, _ in dynamodb_calls] == ["Query", "BatchWriteItem", "UpdateItem"]
    assert set(_watches(runtime)) == {("P#p-9", customer), ("P#p-10", customer)}


def test_dispatch_writes_pending_watches_and_reports_only_the_sends(runtime: LocalRuntime) -> None:
    customer = _view(runtime, "seen", "p-11")
    results = runtime.dispatch(datetime.now(UTC))
    assert results["delivery"] == {"delivered": 0, "failed": 0}  # an archive notice is not a send
    assert set(_watches(runtime)) == {("P#p-11", customer)}


def test_events_landing_after_their_customers_erasure_are_removed_and_watch_nothing(
    runtime: LocalRuntime,
) -> None:
    """Firehose buffers minutes of events: an erased customer's last events reach the archive
    after `forget` rewrote it. The Watches function removes them as they land."""
    from touchpoint.archive import store as archive
    from touchpoint.profiles import privacy

    erased = _view(runtime, "before-forget", "p-20")
    runtime.drain()
    with runtime.as_function("CustomerFunction"):
        privacy.forget(erased)
        erasure_time = datetime.now(UTC)
    late = [
        _viewed(30, erased, "p-21", erasure_time - timedelta(seconds=30)),  # in the buffer during forget
        _viewed(31, "c-other", "p-21", erasure_time - timedelta(seconds=30)),
        _viewed(32, erased, "p-22", erasure_time + timedelta(seconds=1)),  # the shopper came back
    ]
    _put_object(runtime, "events/dt=2026-12-05/late", gzip.compress(b"".join(r.line() for r in late)))
    runtime.drain(functions=["WatchesFunction"])

    kept = list(archive.records_in("events/dt=2026-12-05/late"))
    assert [r.event["event_id"] for r in kept] == ["v-31", "v-32"]
    assert set(_watches(runtime)) == {("P#p-21", "c-other"), ("P#p-22", erased)}
    [erasure] = [i for i in table_items(runtime) if i["pk"]["S"] == f"ERASED#{erased}"]
    expected = (erasure_time + timedelta(days=2)).timestamp()
    assert abs(int(erasure["expires_at"]["N"]) - expected) <= 5  # kept two days, then gone


def test_a_large_object_is_streamed_its_memory_bounded_by_customers_not_events(runtime: LocalRuntime) -> None:
    """Firehose writes up to 64 MB of events into one object and the function has 512 MB: it
    must hold neither the object nor its events at once, also when an erasure rewrites it."""
    from touchpoint.archive import erasures
    from touchpoint.archive import store as archive

    now = datetime.now(UTC)
    one = _viewed(0, "c-0", "p-0", now).line()

    def events(count: int) -> bytes:
        return b"".join(
            one.replace(b'"v-0"', f'"v-{n}"'.encode())
            .replace(b'"c-0"', f'"c-{n % 50}"'.encode())
            .replace(b'"p-0"', f'"p-{n % 7}"'.encode())
            for n in range(count)
        )

    body = events(30_000)
    _put_object(runtime, "events/dt=2026-12-05/small", gzip.compress(events(100)))
    _put_object(runtime, "events/dt=2026-12-05/large", gzip.compress(body))
    erasures.record(["c-7"], now + timedelta(seconds=1))  # erased after these events arrived
    # the same work on a small object first: what a first use imports is not what an object costs
    assert _invoke(runtime, _notice("events/dt=2026-12-05/small"))["batchItemFailures"] == []

    tracemalloc.start()
    try:
        result = _invoke(runtime, _notice("events/dt=2026-12-05/large"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result["batchItemFailures"] == []
    assert peak < len(body) / 4, f"{peak / 2**20:.1f} MB at the peak for a {len(body) / 2**20:.1f} MB object"
    kept = {r.customer_id for r in archive.records_in("events/dt=2026-12-05/large")}
    assert len(kept) == 49 and "c-7" not in kept
    watches = _watches(runtime)
    assert len(watches) == 49 * 7 and not any(customer == "c-7" for _, customer in watches)


def test_forget_deletes_the_watches_of_products_the_capped_profile_no_longer_names(
    runtime: LocalRuntime,
) -> None:
    from touchpoint.profiles import privacy, store

    customer = ""
    for n in range(45):  # the profile keeps 30 viewed products, trimmed past 40
        customer = _view(runtime, f"many-{n}", f"p-{100 + n}")
    runtime.drain()
    assert len(store.load_profile(customer)["viewed"]) < 45
    assert len(_watches(runtime)) == 45
    with runtime.as_function("CustomerFunction"):
        privacy.forget(customer)
    assert _watches(runtime) == {}
