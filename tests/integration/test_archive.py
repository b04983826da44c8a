"""The event archive through the functions: every accepted event once, in export and gone on
erasure (Firehose and S3 on moto)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.archive import store as archive
from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import Shop


@pytest.fixture(autouse=True)
def archive_bucket(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVE_BUCKET", runtime.resources.archive_names["ArchiveBucket"])


def test_accepted_events_are_archived_once_with_their_customer(shop: Shop) -> None:
    now = datetime.now(UTC)
    for _ in range(2):  # a redelivery is answered "duplicate" and archived at most once more
        shop.post("checkouts", "checkouts/create", shop.checkout(40, at=now), webhook_id="w-40")
    shop.post("orders", "orders/create", shop.order(40, at=now + timedelta(minutes=5)))
    customer = store.find_customer("shopper40@example.com")
    records = archive.read()
    assert [(r.event.kind.value, r.customer_id) for r in records] == [
        ("checkout_updated", customer),
        ("order_placed", customer),
    ]
    assert records[0].event.checkout and records[0].event.checkout.items[0].title == "Wollmütze ❄"
    assert archive.read(since=now + timedelta(minutes=10)) == []


def test_ignored_and_rejected_events_are_not_archived(shop: Shop, runtime: LocalRuntime) -> None:
    body = json.dumps(shop.checkout(41)).encode()
    response = runtime.http(
        "POST", "/webhooks/shopify/checkouts", shop.headers("checkouts/create", body, secret="wrong"), body
    )
    assert response.status == 401
    assert shop.post("checkouts", "carts/update", shop.checkout(41))[0] == 202
    assert archive.read() == []


def test_export_includes_and_redact_erases_the_archived_events(shop: Shop) -> None:
    shop.post("checkouts", "checkouts/create", shop.checkout(42))
    shop.post("checkouts", "checkouts/create", shop.checkout(43))
    request = {
        "shop_id": 1,
        "customer": {"id": 7042, "email": "shopper42@example.com"},
        "data_request": {"id": 5},
    }
    status, body = shop.post("customers", "customers/data_request", request)
    assert status == 200
    assert [e["kind"] for e in body["export"]["archived_events"]] == ["checkout_updated"]
    assert shop.post("customers", "customers/redact", {**request, "orders_to_redact": []})[0] == 200
    remaining = archive.read()
    assert "shopper42@example.com" not in json.dumps([r.event.model_dump(mode="json") for r in remaining])
    assert [r.event.identity.email for r in remaining] == ["shopper43@example.com"]


def test_an_export_cut_short_by_its_deadline_says_so_and_one_without_reads_everything(shop: Shop) -> None:
    """A webhook's export reads the archive for a moment at most (it reads every object): when
    that is not enough, the answer says the archived events are incomplete."""
    from touchpoint.profiles import privacy

    for n in range(3):  # three events, three archive objects
        shop.post(
            "checkouts", "checkouts/create", shop.checkout(44, at=datetime.now(UTC) + timedelta(minutes=n))
        )
    customer = store.find_customer("shopper44@example.com")
    assert customer

    cut_short = privacy.export(customer, read_archive_for=0.0)
    assert cut_short["archived_events"] == [] and cut_short["archived_events_incomplete"] is True
    whole = privacy.export(customer)
    assert len(whole["archived_events"]) == 3 and "archived_events_incomplete" not in whole
