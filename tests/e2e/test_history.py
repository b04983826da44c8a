"""History from outside: `touchpoint archive export`, `report` and `backtest` as separate processes
against a running `touchpoint serve`."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ..conftest import Shop
from .conftest import CLI, Served, post_shopify

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


def test_a_pseudonymised_export_names_nobody_and_still_replays(served: Served, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    for n in (62, 63):
        post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(n, at=now), f"pseudo-{n}")
    since = (now - timedelta(minutes=1)).isoformat()
    plain = served.cli("archive", "export", "--since", since)
    exported = served.cli("archive", "export", "--since", since, "--pseudonymise")
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout
    customer_ids = {json.loads(line)["customer_id"] for line in plain.stdout.splitlines()}
    for secret in ("shopper62@example.com", "Zoë", "Ångström", "recover", "tok-62", *customer_ids):
        assert secret not in text, secret
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == len(plain.stdout.splitlines())
    # other tests share this serve: their storefront events in the same minute carry no e-mail
    emails = [line["event"]["identity"]["email"] for line in lines if line["event"]["identity"].get("email")]
    assert len(emails) >= 2 and all(email.endswith("@pseudonym.invalid") for email in emails), emails
    events = tmp_path / "events.jsonl"
    events.write_text(text)
    replay = served.cli("backtest", "--events", str(events), "--days", "3", "--out", str(tmp_path / "bt"))
    assert replay.returncode == 0, replay.stderr
    assert "| cart_abandonment |" in (tmp_path / "bt" / "report.md").read_text()


def test_a_report_reaching_past_the_message_retention_says_so(served: Served, tmp_path: Path) -> None:
    recent = served.cli("report", "--since", "-7d", "--out", str(tmp_path / "recent"))
    older = served.cli("report", "--since=-40d", "--out", str(tmp_path / "older"))
    assert recent.returncode == 0 and older.returncode == 0, recent.stderr + older.stderr
    assert "Messages are kept 35 days" not in (tmp_path / "recent" / "report.md").read_text()
    assert "Messages are kept 35 days after they were due" in (tmp_path / "older" / "report.md").read_text()


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
    assert moved.returncode == 0, moved.stderr
    answer = json.loads(moved.stdout)
    assert isinstance(answer["moved"], int) and answer["acted_on"] == {
        "endpoint": served.env["AWS_ENDPOINT_URL"]
    }
    assert served.cli("dlq", "list").stdout == ""


def test_dlq_of_a_deployed_stack_comes_from_its_outputs(served: Served) -> None:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
    )
    url = served.env["AWS_ENDPOINT_URL"]
    sqs, cfn = session.client("sqs", endpoint_url=url), session.client("cloudformation", endpoint_url=url)
    dlq = sqs.create_queue(QueueName="tp-deployed-dlq")["QueueUrl"]
    queue = sqs.create_queue(QueueName="tp-deployed-outbound")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"pk": "C#c-1", "sk": "MSG#winback.email.1"}))
    outputs = {"TableName": "touchpoint", "OutboundQueueUrl": queue, "OutboundDeadLetterQueueUrl": dlq}
    template = {
        "Resources": {"T": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {k: {"Value": v} for k, v in outputs.items()},
    }
    cfn.create_stack(StackName="tp-queues", TemplateBody=json.dumps(template))
    listed = served.cli("dlq", "list", "--stack", "tp-queues")
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["message_id"] for line in listed.stdout.splitlines()] == ["winback.email.1"]
    moved = served.cli("dlq", "redrive", "--stack", "tp-queues")
    assert moved.returncode == 0 and json.loads(moved.stdout)["moved"] == 1, moved.stderr
    back = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    assert [json.loads(m["Body"])["sk"] for m in back] == ["MSG#winback.email.1"]


def test_commands_that_run_functions_here_never_touch_a_real_account(tmp_path: Path) -> None:
    """Without a local endpoint, --aws would have the local runtime create a table and queues in
    the account: refused in one line, before any AWS call."""
    env = {
        "PATH": os.environ["PATH"],
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",  # nothing may be called: a call would fail loudly
    }
    expected = {
        ("dispatch", "--at", "+1h", "--aws"): "runs the functions here, on the local emulation",
        ("dlq", "list", "--aws"): "name the deployment with --stack NAME",
    }
    for args, message in expected.items():
        done = subprocess.run(
            [*CLI, *args], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
        )
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1


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
