"""History from outside: `touchpoint archive export`, `report` and `backtest` as separate processes
against a running `touchpoint serve`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ..conftest import Shop
from .conftest import Served, post_shopify

pytestmark = pytest.mark.e2e


def test_archive_export_then_backtest_then_live_report(served: Served, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(60, at=now), "hist-60")
    post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(60, at=now), "hist-60")  # a repeat
    post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(61, at=now), "hist-61")
    served.cli("dispatch", "--at", "+2h")

    exported = served.cli("archive", "export", "--since", (now - timedelta(minutes=1)).isoformat())
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    mine = [
        line
        for line in lines
        if line["event"]["identity"].get("email") in ("shopper60@example.com", "shopper61@example.com")
    ]
    assert [line["kind"] for line in mine] == ["checkout_updated", "checkout_updated"]
    assert all(line["customer_id"] and line["received_at"] for line in mine)

    events = tmp_path / "events.jsonl"
    events.write_text(exported.stdout)
    out = tmp_path / "backtest"
    replay = served.cli("backtest", "--events", str(events), "--days", "3", "--out", str(out))
    assert replay.returncode == 0, replay.stderr
    assert "| cart_abandonment |" in (out / "report.md").read_text()
    assert "# Touchpoint backtest" in replay.stdout

    live = tmp_path / "live"
    report = served.cli(
        "report", f"--since={(now - timedelta(hours=1)).isoformat()}", "--until", "+3h", "--out", str(live)
    )
    assert report.returncode == 0, report.stderr
    text = (live / "report.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| cart_abandonment |"))
    assert int(row.split("|")[3]) >= 2  # sent: both reminders went out at +2h
    assert (live / "conversion_by_flow.png").read_bytes().startswith(b"\x89PNG")


def test_report_refuses_a_backwards_period(served: Served) -> None:
    result = served.cli("report", "--since", "2026-11-02T00:00:00Z", "--until", "2026-11-01T00:00:00Z")
    assert (
        result.returncode == 2 and result.stderr.strip() == "touchpoint: --until must be later than --since"
    )


def test_dlq_list_and_redrive_from_the_command_line(served: Served) -> None:
    listed = served.cli("dlq", "list")
    assert listed.returncode == 0, listed.stderr
    assert all(json.loads(line)["sqs_message_id"] for line in listed.stdout.splitlines())
    moved = served.cli("dlq", "redrive")
    assert moved.returncode == 0 and moved.stdout.strip().isdigit(), moved.stderr
    assert served.cli("dlq", "list").stdout == ""
    refused = served.cli("dlq", "list", "--aws")
    assert refused.returncode == 2 and "not built yet" in refused.stderr


def test_stack_outputs_point_the_command_at_a_deployment(served: Served) -> None:
    import boto3

    cfn = boto3.client(
        "cloudformation",
        endpoint_url=served.env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    for name, table in (("tp-elsewhere", "another-table"), ("tp-here", "touchpoint")):
        template = {
            "Resources": {"T": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"TableName": {"Value": table}},
        }
        cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    now = datetime.now(UTC)
    post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(62, at=now), "stack-62")
    here = served.cli("messages", "shopper62@example.com", "--stack", "tp-here")
    assert here.returncode == 0 and "cart_abandonment" in here.stdout, here.stderr
    elsewhere = served.cli("messages", "shopper62@example.com", "--stack", "tp-elsewhere")
    assert elsewhere.returncode != 0 and "another-table" in elsewhere.stderr  # the output was used
    missing = served.cli("profile", "shopper62@example.com", "--stack", "tp-missing")
    assert missing.returncode == 2 and missing.stderr.startswith("touchpoint: --stack tp-missing:")
