"""The contract from outside: `touchpoint serve` over HTTP, then the CLI in separate processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ..conftest import ROOT, SECRETS, Shop
from .conftest import CLI, Served, post_shopify, start_serve

pytestmark = pytest.mark.e2e


def test_checkout_then_dispatch_sends_exactly_one_email(served: Served) -> None:
    now = datetime.now(UTC)
    status, body = post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(40, at=now), "e2e-1")
    assert status == 200 and body["duplicate"] is False
    status, body = post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(40, at=now), "e2e-1")
    assert status == 200 and body["duplicate"] is True

    at = (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = served.cli("dispatch", "--at", at)
    assert result.returncode == 0, result.stderr
    json.loads(result.stdout)  # stdout is the answer alone; logs go to stderr
    assert served.stub.recipients().count("shopper40@example.com") == 1

    lines = [json.loads(line) for line in served.cli("messages", "shopper40@example.com").stdout.splitlines()]
    assert {m["step"]: m["status"] for m in lines}["email_1h"] == "sent"
    assert set(lines[0]) >= {"message_id", "status", "channel", "template", "due_at", "sent_at", "reasons"}
    profile = json.loads(served.cli("profile", "shopper40@example.com").stdout)
    assert profile["consent_email"]["state"] == "subscribed"


def test_order_in_between_means_no_email(served: Served) -> None:
    now = datetime.now(UTC)
    post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(41, at=now))
    status, _ = post_shopify(served, "orders", "orders/create", Shop.order(41, at=now + timedelta(minutes=3)))
    assert status == 200
    result = served.cli("dispatch", "--at", (now + timedelta(hours=2)).isoformat())
    assert result.returncode == 0, result.stderr
    assert "shopper41@example.com" not in served.stub.recipients()


def test_bad_signature_and_malformed_json(served: Served) -> None:
    body = json.dumps(Shop.checkout(42)).encode()
    status, answer = served.post(
        "/webhooks/shopify/checkouts", body, Shop.headers("checkouts/create", body, secret="bad")
    )
    assert status == 401 and "error" in answer
    assert served.cli("profile", "shopper42@example.com").returncode != 0
    status, answer = served.post(
        "/webhooks/shopify/checkouts", b"{oops", Shop.headers("checkouts/create", b"{oops")
    )
    assert status == 400 and "JSON" in answer["error"]


@pytest.mark.parametrize(
    "args",
    [
        ["dispatch", "--at", "tomorrow"],
        ["invoke", "NoSuchFunction", "--event", "events/purchase.json"],
        ["invoke", "PurchaseFunction", "--event", "missing.json"],
        ["messages", "nobody@example.com"],
        ["frobnicate"],
    ],
)
def test_user_mistakes_give_one_line_and_no_traceback(served: Served, args: list[str]) -> None:
    result = served.cli(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_invoke_prints_the_handler_result(served: Served) -> None:
    env = {**served.env, "SHOPIFY_WEBHOOK_SECRET": "sample-secret"}
    result = subprocess.run(
        [*CLI, "invoke", "PurchaseFunction", "--event", str(Path("events") / "purchase.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["accepted"] is True


def test_open_ticket_pauses_promotions_and_a_solved_one_gets_a_survey(served: Served) -> None:
    from touchpoint_tools.sim import payloads

    now = datetime.now(UTC)
    secret = SECRETS["ZENDESK_WEBHOOK_SECRET"]
    headers, body = payloads.zendesk("Z-43", "shopper43@example.com", "open", now, secret)
    assert served.post("/webhooks/zendesk/tickets", body, headers)[0] == 200
    post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(43, at=now))
    assert served.cli("dispatch", "--at", (now + timedelta(hours=2)).isoformat()).returncode == 0
    assert "shopper43@example.com" not in served.stub.recipients()

    headers, body = payloads.zendesk(
        "Z-43", "shopper43@example.com", "solved", now + timedelta(seconds=5), secret
    )
    assert served.post("/webhooks/zendesk/tickets", body, headers)[0] == 200
    assert served.cli("dispatch", "--at", (now + timedelta(hours=25)).isoformat()).returncode == 0
    lines = [json.loads(line) for line in served.cli("messages", "shopper43@example.com").stdout.splitlines()]
    by_step = {m["step"]: m for m in lines}
    assert by_step["email_1h"]["status"] == "suppressed" and "open_ticket" in by_step["email_1h"]["reasons"]
    assert by_step["csat_1d"]["status"] == "sent"
    assert served.stub.recipients().count("shopper43@example.com") == 2  # the survey and the 24 h cart e-mail


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly(sig: int, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    log = tmp_path / "serve.log"
    process, _, _ = start_serve(env, log)
    process.send_signal(sig)
    process.wait(timeout=15)
    stderr = log.read_text(errors="replace")
    assert process.returncode == 0, stderr
    assert "stopping" in stderr and "Traceback" not in stderr


def _logged(served: Served, message: str) -> list[dict]:
    assert served.log is not None
    found = []
    for line in served.log.read_text(errors="replace").splitlines():
        if line.startswith("{") and f'"message":"{message}"' in line:
            found.append(json.loads(line))
    return found


def test_each_functions_log_lines_carry_its_own_service(served: Served) -> None:
    """Under serve every function shares one process, and the pipeline's logger is shared; each
    line still names the function that handled the request (it once said service_undefined)."""
    from touchpoint_tools.sim import payloads

    from ..conftest import WRITE_KEY

    assert post_shopify(served, "orders", "orders/create", Shop.order(86), "log-86")[0] == 200
    view = {"type": "track", "event": "Product Viewed", "anonymousId": "a-86", "messageId": "log-86"}
    headers, body = payloads.segment([view], WRITE_KEY)
    assert served.post("/events", body, headers)[0] == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not {"order_placed", "product_viewed"} <= {
        line.get("kind") for line in _logged(served, "event applied")
    }:
        time.sleep(0.1)  # serve's stderr is a file: the lines may trail the answers a little
    services = {(line["kind"], line["service"]) for line in _logged(served, "event applied")}
    by_kind = {kind: {s for k, s in services if k == kind} for kind, _ in services}
    assert by_kind["order_placed"] == {"purchase"}
    assert by_kind["product_viewed"] == {"web-event"}
