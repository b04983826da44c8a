"""Duplicate and concurrent deliveries against a moto *server* (real HTTP, real threads): one effect."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from touchpoint import aws, pipeline
from touchpoint.events import TouchpointEvent
from touchpoint.profiles import store
from touchpoint.sources import Request, segment, shopify
from touchpoint_tools.local import emulation
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.template import load
from touchpoint_tools.sim import payloads

from ..conftest import ROOT, SECRET, WRITE_KEY


@pytest.fixture
def served_aws(secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalRuntime]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = emulation.start_moto("127.0.0.1", port)
    try:
        local = LocalRuntime(load(ROOT / "template.yaml"))
        local.bootstrap()
        yield local
    finally:
        server.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)
        aws.reset()


def test_concurrent_redeliveries_apply_once(served_aws: LocalRuntime) -> None:
    body = json.dumps(payloads.checkout(50, at=datetime.now(UTC))).encode()
    headers = {
        k.lower(): v for k, v in payloads.shopify_headers("checkouts/create", body, SECRET, "wh-50").items()
    }
    [event] = shopify.normalize(Request(headers=headers, body=body), "checkouts")

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: pipeline.handle(event), range(8)))

    assert sum(not o.duplicate for o in outcomes) == 1
    customer_id = outcomes[0].customer_id
    assert customer_id is not None
    profile, messages = store.load(customer_id)
    assert profile["event_count"] == 1
    assert len(messages) == 3


def _view(message_id: str, product_id: str) -> TouchpointEvent:
    """A storefront product view of visitor-52, as the /events route reads it."""
    call = {
        "type": "track",
        "event": "Product Viewed",
        "anonymousId": "visitor-52",
        "messageId": message_id,
        "properties": {"product_id": product_id},
    }
    headers, body = payloads.segment([call], WRITE_KEY)
    [event] = segment.normalize(Request(headers={k.lower(): v for k, v in headers.items()}, body=body))
    return event


def test_concurrent_redeliveries_of_a_storefront_view_apply_once(served_aws: LocalRuntime) -> None:
    """A returning visitor's view is one conditional UpdateItem, no marker: still once."""
    event, again = _view("v-0", "7000000000051"), _view("v-1", "7000000000052")
    customer_id = pipeline.handle(event).customer_id
    assert customer_id is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: pipeline.handle(again), range(8)))

    assert sum(not o.duplicate for o in outcomes) == 1
    profile = store.load_profile(customer_id)
    assert profile["event_count"] == 2 and profile["viewed"] == {"7000000000051", "7000000000052"}


def test_concurrent_different_events_all_land(served_aws: LocalRuntime) -> None:
    """Two checkouts and an order for one customer at once: counters add up, nothing lost."""
    now = datetime.now(UTC)
    events = []
    for topic, payload in (
        ("checkouts/create", payloads.checkout(51, at=now, token="a")),
        ("checkouts/create", payloads.checkout(51, at=now, token="b")),
        ("orders/create", payloads.order(51, at=now)),
    ):
        body = json.dumps(payload).encode()
        headers = {k.lower(): v for k, v in payloads.shopify_headers(topic, body, SECRET).items()}
        resource = "orders" if topic.startswith("orders") else "checkouts"
        events.extend(shopify.normalize(Request(headers=headers, body=body), resource))

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(pipeline.handle, events))

    assert not any(o.duplicate for o in outcomes)
    customer_id = store.find_customer("shopper51@example.com")
    assert customer_id is not None
    profile, _ = store.load(customer_id)
    assert profile["event_count"] == 3 and profile["orders_count"] == 1
