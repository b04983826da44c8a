"""The local runtime against an endpoint (as `serve` runs it) does not run every invocation under
one lock: a Sender waiting on a slow provider leaves webhooks answering at once."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

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


def _pipeline_lines(
    runtime: LocalRuntime, post: tuple[str, str, dict[str, str], bytes]
) -> list[dict[str, Any]]:
    """The JSON lines `touchpoint.pipeline` logs while one request runs, formatted exactly as the
    function's Powertools logger formats them (the handler borrows its formatter). A function
    must have imported the pipeline already: importing it here would make an orphan logger."""
    from touchpoint import pipeline

    lines: list[str] = []
    handler = logging.Handler()
    handler.setFormatter(pipeline.logger.registered_formatter)
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    child = logging.getLogger(pipeline.logger.name)
    child.addHandler(handler)
    try:
        assert runtime.http(*post).status == 200
    finally:
        child.removeHandler(handler)
    return [json.loads(line) for line in lines]


def _order(n: int) -> tuple[str, str, dict[str, str], bytes]:
    body = json.dumps(Shop.order(n)).encode()
    return "POST", "/webhooks/shopify/orders", Shop.headers("orders/create", body), body


def _view(n: int) -> tuple[str, str, dict[str, str], bytes]:
    event = {"type": "track", "event": "Product Viewed", "anonymousId": f"a-{n}", "messageId": f"m-{n}"}
    headers, body = payloads.segment([event], WRITE_KEY)
    return "POST", "/events", headers, body


def test_each_functions_log_lines_carry_its_own_service(served_runtime: LocalRuntime) -> None:
    """Shared modules' child loggers belong to whichever function imported them first; a
    storefront event and an order must each still log under their own service name."""
    for first in (_order(71), _view(71)):  # both functions import the pipeline
        assert served_runtime.http(*first).status == 200
    seen = {
        "purchase": _pipeline_lines(served_runtime, _order(72)),
        "web-event": _pipeline_lines(served_runtime, _view(72)),
    }
    for service, lines in seen.items():
        assert lines, f"{service} logged nothing from the pipeline"
        assert {line["service"] for line in lines} == {service}
