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
from touchpoint.local import emulation
from touchpoint.local.runtime import LocalRuntime, find_template
from touchpoint.local.sendgrid_stub import SendGridStub
from touchpoint.local.template import load
from touchpoint.sim import payloads

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
