"""The local runtime against an endpoint (as `serve` runs it) does not run every invocation under
one lock: a Sender waiting on a slow provider leaves webhooks answering at once."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from touchpoint import aws
from touchpoint_tools.local import emulation
from touchpoint_tools.local.runtime import LocalRuntime, find_template
from touchpoint_tools.local.sendgrid_stub import SendGridStub
from touchpoint_tools.local.template import load
from touchpoint_tools.sim import payloads

from ..conftest import ROOT, SECRETS, WRITE_KEY, Shop


@pytest.fixture
def served_runtime() -> Iterator[LocalRuntime]:
    saved = dict(os.environ)
    os.environ.update(SECRETS)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = emulation.start_moto("127.0.0.1", port)
    try:
        runtime = LocalRuntime(load(find_template(str(ROOT / "template.yaml"))))
        runtime.bootstrap()
        yield runtime
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
        aws.reset()


def test_a_slow_provider_does_not_hold_up_a_webhook(served_runtime: LocalRuntime) -> None:
    runtime = served_runtime
    assert not runtime.serialize
    with SendGridStub() as stub:
        os.environ["SENDGRID_API_HOST"] = stub.url
        stub.delay_seconds = 4.0
        now = datetime.now(UTC)
        body = json.dumps(Shop.checkout(70, at=now)).encode()
        assert (
            runtime.http(
                "POST", "/webhooks/shopify/checkouts", Shop.headers("checkouts/create", body), body
            ).status
            == 200
        )
        sending = threading.Thread(target=runtime.dispatch, args=(now + timedelta(hours=2),))
        sending.start()
        deadline = time.monotonic() + 10
        while stub.received == 0 and time.monotonic() < deadline:  # the Sender is now waiting on the stub
            time.sleep(0.05)
        assert stub.received == 1
        headers, track = payloads.segment(
            [
                {
                    "type": "track",
                    "event": "Product Viewed",
                    "anonymousId": "a-70",
                    "messageId": "m-70",
                    "properties": {"product_id": "101"},
                }
            ],
            WRITE_KEY,
        )
        started = time.monotonic()
        answer = runtime.http("POST", "/events", headers, track)
        waited = time.monotonic() - started
        sending.join()
    assert answer.status == 200
    assert waited < 2.0, f"/events waited {waited:.1f} s behind the Sender"


def test_dispatch_returns_once_a_send_another_consumer_took_is_finished(served_runtime: LocalRuntime) -> None:
    """`touchpoint dispatch` beside a running `serve`: serve's own drain may take the sends the
    Dispatcher enqueued; the command still returns only when they are done."""
    from touchpoint.profiles import store
    from touchpoint_tools.local.runtime import scheduled_event

    runtime = served_runtime
    with SendGridStub() as stub:
        os.environ["SENDGRID_API_HOST"] = stub.url
        stub.delay_seconds = 1.5
        now = datetime.now(UTC)
        body = json.dumps(Shop.checkout(71, at=now)).encode()
        headers = Shop.headers("checkouts/create", body)
        assert runtime.http("POST", "/webhooks/shopify/checkouts", headers, body).status == 200
        due = now + timedelta(hours=2)
        runtime.invoke("DispatcherFunction", scheduled_event(due, "DispatcherFunction"))
        serve = threading.Thread(target=runtime.drain, kwargs={"functions": ["SenderFunction"]})
        serve.start()
        deadline = time.monotonic() + 10
        while stub.received == 0 and time.monotonic() < deadline:  # the other consumer is sending
            time.sleep(0.05)
        assert stub.received == 1
        runtime.dispatch(due)
        customer = store.find_customer("shopper71@example.com") or ""
        statuses = {m.step: m.status for m in store.load(customer)[1]}
        serve.join()
    assert statuses["email_1h"] == "sent"
