"""Regression tests for the sends that must not happen, through `touchpoint serve` and the CLI,
where outside testing found them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from touchpoint_tools.local.signing import headers_for

from ..conftest import ROOT, Shop
from .conftest import CLI, Served, free_port, message_lines, messages, post_shopify

pytestmark = pytest.mark.e2e


def test_two_checkouts_give_one_reminder_series(served: Served) -> None:
    now = datetime.now(UTC)
    first = Shop.checkout(50, at=now, token="tok-50-a")
    second = Shop.checkout(50, at=now + timedelta(seconds=1), token="tok-50-b")
    assert post_shopify(served, "checkouts", "checkouts/create", first)[0] == 200
    assert post_shopify(served, "checkouts", "checkouts/create", second)[0] == 200
    assert served.cli("dispatch", "--at", "+2h").returncode == 0
    assert served.stub.recipients().count("shopper50@example.com") == 1
    assert served.cli("dispatch", "--at", "+25h").returncode == 0
    assert served.stub.recipients().count("shopper50@example.com") == 2  # the 1 h and the 24 h e-mail, once
    lines = message_lines(served, "shopper50@example.com")
    superseded = [m for m in lines if m["status"] == "cancelled"]
    assert superseded and all(m["reasons"][-1] == "superseded" for m in superseded)
    sent = [m for m in lines if m["status"] == "sent"]
    assert {m["step"] for m in sent} == {"email_1h", "email_24h"}
    assert all(m["sent_at"] >= m["due_at"] for m in sent)  # on the dispatch clock, never before due


def _next_local(after: datetime, zone: str, hour: int, minute: int) -> datetime:
    local = after.astimezone(ZoneInfo(zone))
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate < local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)


def test_no_sms_at_night_in_a_split_time_zone_state(served: Served) -> None:
    now = datetime.now(UTC)
    checkout = Shop.checkout(51, at=now, country="US", province="KY")
    checkout["customer"] = Shop.customer(51, sms_consent="subscribed", phone="(502) 459-2181")
    assert post_shopify(served, "checkouts", "checkouts/create", checkout)[0] == 200
    profile = json.loads(served.cli("profile", "shopper51@example.com").stdout)
    assert profile["phone"] == "+15024592181"  # a national number, read with the address country
    assert set(profile["time_zones"]) == {"America/New_York", "America/Chicago"}
    due = datetime.fromisoformat(messages(served, "shopper51@example.com")["sms_48h"]["due_at"])
    night = _next_local(due, "America/New_York", 21, 30)  # 20:30 in Paducah, 21:30 in Louisville
    assert served.cli("dispatch", "--at", night.isoformat()).returncode == 0
    sms = messages(served, "shopper51@example.com")["sms_48h"]
    assert sms["status"] == "planned" and sms["sent_at"] is None
    assert sms["reasons"][-1] == "quiet_hours_deferred"
    morning = datetime.fromisoformat(sms["due_at"])
    assert morning.astimezone(ZoneInfo("America/Chicago")).hour == 8
    assert served.cli("dispatch", "--at", morning.isoformat()).returncode == 0
    assert messages(served, "shopper51@example.com")["sms_48h"]["status"] == "sent"


def _sendgrid_post(served: Served, events: list[dict]) -> tuple[int, dict]:
    body = json.dumps(events).encode()
    os.environ.setdefault(
        "SENDGRID_WEBHOOK_SIGNING_KEY_FILE", str(ROOT / "infra" / "sample-sendgrid-key.pem")
    )
    return served.post(
        "/webhooks/sendgrid/events", body, headers_for("/webhooks/sendgrid/events", body, datetime.now(UTC))
    )


def test_a_spam_report_with_only_the_address_withdraws_consent_at_once(served: Served) -> None:
    now = datetime.now(UTC)
    assert post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(52, at=now))[0] == 200
    report = {"email": "Shopper52@example.com", "event": "spamreport", "timestamp": int(now.timestamp()) + 60}
    status, answer = _sendgrid_post(served, [report])
    assert status == 200, answer
    profile = json.loads(served.cli("profile", "shopper52@example.com").stdout)
    assert profile["consent"]["email"]["state"] == "unsubscribed"
    assert profile["consent"]["email"]["source"] == "sendgrid:spamreport"
    steps = messages(served, "shopper52@example.com")
    assert steps["email_1h"]["status"] == "cancelled"
    assert steps["email_1h"]["reasons"][-1] == "consent_withdrawn:email"
    assert served.cli("dispatch", "--at", "+2h").returncode == 0
    assert "shopper52@example.com" not in served.stub.recipients()
    stranger = {"email": "nobody@example.com", "event": "bounce", "timestamp": int(now.timestamp())}
    status, answer = _sendgrid_post(served, [stranger])
    assert status == 202 and served.cli("profile", "nobody@example.com").returncode != 0


def test_deeply_nested_body_is_a_400(served: Served) -> None:
    body = b"[" * 5000 + b"]" * 5000
    status, answer = served.post("/webhooks/shopify/orders", body, Shop.headers("orders/create", body))
    assert status == 400 and answer["error"] == "body is nested too deeply"


BROKEN = """version: 1
flows:
  a:
    trigger: order_placed
    steps:
      - {id: s, after: 1h, channel: email, template: t}
templates:
  t:
    subject: "Hi {frist_name}"
    body: "stray { brace"
"""


def test_check_names_every_problem_with_file_and_line(served: Served, tmp_path: Path) -> None:
    good = served.cli("check")
    assert good.returncode == 0 and "valid" in good.stdout
    # the packaged playbook is valid, and check says what a live stack would still hold back
    assert "brand.shop_name, brand.shop_url, brand.postal_address, brand.support_email" in good.stdout
    assert "offer comeback_10 has the example code COMEBACK10" in good.stdout
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    bad = served.cli("check", str(path))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    lines = bad.stderr.strip().splitlines()
    assert lines[0].startswith(f"{path}:9: templates.t.subject: unknown placeholder {{frist_name}}")
    assert lines[1].startswith(f"{path}:10: templates.t.body:")


def test_serve_refuses_an_invalid_playbook_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env["PLAYBOOK"] = str(path)
    result = subprocess.run(
        [*CLI, "serve", "--port", str(free_port()), "--aws-port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "frist_name" in result.stderr


def test_invoke_signs_an_old_sample_afresh_when_asked(served: Served) -> None:
    # a tolerance shorter than the sample's age stands for "a week later" with the default one
    env = {**served.env, "ZENDESK_WEBHOOK_SECRET": "sample-secret", "SIGNATURE_TOLERANCE_SECONDS": "60"}

    def invoke(*extra: str) -> dict:
        result = subprocess.run(
            [*CLI, "invoke", "SupportTicketFunction", "--event", "events/support_ticket.json", *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert invoke()["statusCode"] == 401  # signed the moment the sample was made: outside the tolerance
    assert invoke("--sign")["statusCode"] == 200
    missing = subprocess.run(
        [*CLI, "invoke", "SupportTicketFunction", "--event", "events/support_ticket.json", "--sign"],
        env={k: v for k, v in env.items() if k != "ZENDESK_WEBHOOK_SECRET"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert (
        missing.returncode == 2
        and missing.stderr.strip() == "touchpoint: cannot sign: ZENDESK_WEBHOOK_SECRET is not set"
    )


@pytest.mark.parametrize("command", ["forget", "messages", "profile", "export"])
def test_cli_never_falls_back_to_real_aws(command: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env.update(
        AWS_ACCESS_KEY_ID="AKIAREALLOOKING", AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION="us-east-1"
    )
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 4566)) == 0:
            pytest.skip("a touchpoint serve is running on the default port")
    result = subprocess.run(
        [*CLI, command, "ann@example.com"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--aws" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("wait_for", ["aws", "api"])
def test_serve_interrupted_at_any_moment_of_its_start_exits_cleanly(wait_for: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    for attempt in range(3):
        api, aws_port = free_port(), free_port()
        log = tmp_path / f"serve-{wait_for}-{attempt}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*CLI, "serve", "--port", str(api), "--aws-port", str(aws_port)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
        port = aws_port if wait_for == "aws" else api
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
                break
            except OSError:
                time.sleep(0.005)
        process.send_signal(signal.SIGINT)  # as early as the port answers
        process.wait(timeout=20)
        assert process.returncode == 0, log.read_text(errors="replace")
        assert "Traceback" not in log.read_text(errors="replace")


def _raw(served: Served, request: bytes) -> bytes:
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        return conn.recv(4096)


@pytest.mark.parametrize("length", [b"abc", b"-1", b"1e3"])
def test_a_bad_content_length_is_a_400_and_serve_keeps_serving(served: Served, length: bytes) -> None:
    answer = _raw(served, b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}")
    assert answer.startswith(b"HTTP/1.1 400")
    status, _ = served.post("/webhooks/shopify/orders", b"{oops", Shop.headers("orders/create", b"{oops"))
    assert status == 400


def test_200_concurrent_connections_are_all_answered(served: Served) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one(_: int) -> int:
        return served.post("/webhooks/shopify/orders", b"{oops", Shop.headers("orders/create", b"{oops"))[0]

    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(one, range(200)))
    assert statuses == [400] * 200


FEED = (
    "id\ttitle\tlink\timage_link\tavailability\tprice\tsale_price\tbrand\tproduct_type\n"
    "hat-1\tWool hat\thttps://shop.example/hat\thttps://shop.example/hat.jpg\tin_stock\t25.00 EUR\t20.00 EUR\tAcme\tApparel > Hats\n"
    "scarf-2\tMerino scarf\thttps://shop.example/scarf\t\tout_of_stock\t59.00 EUR\t\tAcme\tApparel > Scarves\n"
    "bad-3\tBroken\thttps://shop.example/x\t\tin_stock\tfree\t\t\t\n"
)


def test_catalog_import_reads_a_merchant_center_feed(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "feed.tsv"
    path.write_text(FEED)
    result = served.cli("catalog", "import", str(path))
    assert result.returncode == 1  # one line could not be read: said, the rest imported
    counts = json.loads(result.stdout)
    assert counts == {
        "imported": 2,
        "unchanged": 0,
        "rejected": 1,
        "acted_on": {"endpoint": served.env["AWS_ENDPOINT_URL"]},
    }
    assert f"{path}:4: column 'price' must look like '15.00 USD'" in result.stderr
    lines = tmp_path / "products.jsonl"
    lines.write_text('{"id": "sock-4", "title": "Alpaca socks", "price": "19.00", "currency": "EUR"}\n')
    again = served.cli("catalog", "import", str(lines))
    assert again.returncode == 0 and json.loads(again.stdout)["imported"] == 1
