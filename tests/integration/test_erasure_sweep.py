"""An erasure's sweep reads every archive object, more than a webhook can wait for: a request
sweeps for a moment and queues the rest, and the Watches function carries on in turns that end
before its timeout, until no object holds the customer's events and their watches are gone."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from touchpoint import aws
from touchpoint.archive import erasures
from touchpoint.archive import store as archive
from touchpoint.archive.record import Archived
from touchpoint.events import Kind, LineItem, TouchpointEvent
from touchpoint.profiles import privacy, store
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import Shop, table_items

KEYS = [f"events/dt=2026-12-0{day}/object" for day in (1, 2, 3)]


def _viewed(n: int, customer: str, product: str) -> bytes:
    at = datetime.now(UTC)
    event = TouchpointEvent(
        source="segment",
        event_id=f"v-{n}",
        kind=Kind.PRODUCT_VIEWED,
        occurred_at=at,
        products=(LineItem(product_id=product),),
    )
    return Archived(at, customer, event).line()


def _archive_of_two_customers(runtime: LocalRuntime) -> None:
    """Three objects, each with a view by the customer to erase and one by another, and the
    watches the Watches function writes from them."""
    bucket = runtime.resources.archive_names["ArchiveBucket"]
    for n, key in enumerate(KEYS):
        lines = _viewed(n, "c-gone", f"p-{n}") + _viewed(10 + n, "c-stays", f"p-{n}")
        aws.client("s3").put_object(Bucket=bucket, Key=key, Body=gzip.compress(lines))
    runtime.drain(functions=["WatchesFunction"])  # the bucket's notices of the new objects
    assert len(_watchers(runtime)) == 6


def _customers_in_each_object() -> list[list[str]]:
    return [[r.customer_id for r in archive.records_in(key)] for key in KEYS]


def _watchers(runtime: LocalRuntime) -> set[tuple[str, str]]:
    return {
        (i["pk"]["S"], i["customer_id"]["S"]) for i in table_items(runtime) if i["sk"]["S"].startswith("W#")
    }


def test_a_request_sweeps_for_a_moment_and_the_watches_function_sweeps_the_rest(
    runtime: LocalRuntime,
) -> None:
    _archive_of_two_customers(runtime)
    with runtime.as_function("CustomerFunction"):
        privacy.forget("c-gone", sweep_for=0.0)  # no time at all: one object, then the queue

    assert _customers_in_each_object() == [["c-stays"], ["c-gone", "c-stays"], ["c-gone", "c-stays"]]
    runtime.drain(functions=["WatchesFunction"])
    assert _customers_in_each_object() == [["c-stays"]] * 3
    assert _watchers(runtime) == {(f"P#p-{n}", "c-stays") for n in range(3)}


def test_the_watches_function_stops_its_turn_before_its_timeout_and_queues_the_rest(
    runtime: LocalRuntime,
) -> None:
    _archive_of_two_customers(runtime)
    # a timeout no longer than the margin the function keeps: one object per turn
    runtime.function("WatchesFunction").timeout = 20
    with runtime.as_function("CustomerFunction"):
        erasures.resume_later(["c-gone"], after="")

    runtime.drain(rounds=1, functions=["WatchesFunction"])
    assert _customers_in_each_object() == [["c-stays"], ["c-gone", "c-stays"], ["c-gone", "c-stays"]]
    runtime.drain(rounds=1, functions=["WatchesFunction"])
    assert _customers_in_each_object() == [["c-stays"], ["c-stays"], ["c-gone", "c-stays"]]
    runtime.drain(functions=["WatchesFunction"])
    assert _customers_in_each_object() == [["c-stays"]] * 3


def test_without_a_deadline_the_command_sweeps_everything_at_once(runtime: LocalRuntime) -> None:
    _archive_of_two_customers(runtime)
    with runtime.as_function("CustomerFunction"):
        assert privacy.forget("c-gone") == 3 + 3  # three events and their three watches

    assert _customers_in_each_object() == [["c-stays"]] * 3
    assert not [m for m in _queued(runtime) if "erase" in m]


def _queued(runtime: LocalRuntime) -> list[str]:
    url = runtime.resources.queue_urls["WatchQueue"]
    answer = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [m["Body"] for m in answer.get("Messages", [])]


def test_when_the_rest_cannot_be_queued_nothing_is_deleted_yet_and_the_retry_erases(
    shop: Shop, runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive is swept before the customer's items go: if queueing the rest fails, the
    webhook answers 5xx and Shopify's retry still finds the customer by their aliases."""
    shop.post("checkouts", "checkouts/create", shop.checkout(95))
    shop.post("checkouts", "checkouts/create", shop.checkout(95, at=datetime.now(UTC) + timedelta(minutes=1)))
    customer = store.find_customer("shopper95@example.com")
    assert customer and len([r for r in archive.read() if r.customer_id == customer]) == 2
    with runtime.as_function("CustomerFunction"):
        monkeypatch.setenv("WATCH_QUEUE_URL", runtime.resources.queue_urls["WatchQueue"] + "-gone")
        with pytest.raises(ClientError):
            privacy.forget(customer, sweep_for=0.0)
        assert store.find_customer("shopper95@example.com") == customer
        monkeypatch.undo()
    with runtime.as_function("CustomerFunction"):
        privacy.forget(customer, sweep_for=0.0)
    runtime.drain(functions=["WatchesFunction"])
    assert store.find_customer("shopper95@example.com") is None
    assert [r for r in archive.read() if r.customer_id == customer] == []
