"""template.yaml: lint-clean, and wired exactly as docs/http.md's route table says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from touchpoint_tools.local.template import load

from ..conftest import ROOT

CONTRACT_ROUTES = {
    "/events": "WebEventFunction",
    "/webhooks/shopify/checkouts": "CartAbandonedFunction",
    "/webhooks/shopify/orders": "PurchaseFunction",
    "/webhooks/shopify/customers": "CustomerFunction",
    "/webhooks/woocommerce/orders": "PurchaseFunction",
    "/webhooks/zendesk/tickets": "SupportTicketFunction",
    "/webhooks/generic/checkouts": "CartAbandonedFunction",
    "/webhooks/generic/orders": "PurchaseFunction",
    "/webhooks/generic/tickets": "SupportTicketFunction",
    "/webhooks/generic/customers": "CustomerFunction",
    "/webhooks/sendgrid/events": "DeliveryEventsFunction",
    "/webhooks/shopify/products": "CatalogFunction",
    "/webhooks/woocommerce/products": "CatalogFunction",
    "/webhooks/generic/products": "CatalogFunction",
    "/unsubscribe/{token}": "PreferencesFunction",
    "/preferences/{token}": "PreferencesFunction",
}


def test_cfn_lint_is_clean() -> None:
    beside = Path(sys.executable).parent / "cfn-lint"
    cfn_lint = str(beside) if beside.exists() else shutil.which("cfn-lint") or str(beside)
    if not Path(cfn_lint).exists():
        pytest.fail("cfn-lint is not installed: `make test` installs the dev extras")
    result = subprocess.run(
        [cfn_lint, str(ROOT / "template.yaml")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_contract_route_reaches_its_function() -> None:
    template = load(ROOT / "template.yaml")
    routes = {r.path: r.function for r in template.routes if r.method == "POST"}
    assert routes == CONTRACT_ROUTES


def test_schedule_queue_and_table_are_declared() -> None:
    template = load(ROOT / "template.yaml")
    assert template.functions["DispatcherFunction"].schedules == ["rate(1 minute)"]
    assert template.functions["SenderFunction"].queues == [("OutboundQueue", 10)]
    sender_events = template.resources["SenderFunction"]["Properties"]["Events"]
    assert sender_events["Outbound"]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    outbound = template.resources["OutboundQueue"]["Properties"]
    assert "RedrivePolicy" in outbound
    # one message group per customer: the Sender's re-check sees every earlier send to them
    assert outbound["FifoQueue"] is True and outbound["QueueName"]["Fn::Sub"].endswith(".fifo")
    assert template.resources["OutboundDeadLetterQueue"]["Properties"]["FifoQueue"] is True
    table = template.resources["Table"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["TimeToLiveSpecification"]["AttributeName"] == "expires_at"
    assert table["GlobalSecondaryIndexes"][0]["IndexName"] == "due-index"


def _actions(template_resource: dict) -> set[str]:
    actions: set[str] = set()
    for policy in template_resource["Properties"].get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            actions.update(statement["Action"])
    return actions


def test_policies_are_least_privilege() -> None:
    template = load(ROOT / "template.yaml")
    for logical in template.functions:
        actions = _actions(template.resources[logical])
        assert not any(a.endswith(":*") or a == "dynamodb:Scan" for a in actions), logical
        assert ("dynamodb:DeleteItem" in actions) == (logical == "CustomerFunction"), logical
    assert "sqs:SendMessage" not in _actions(template.resources["SenderFunction"])


def _metric_names(alarm: dict) -> set[str]:
    props = alarm["Properties"]
    names = {props["MetricName"]} if "MetricName" in props else set()
    for query in props.get("Metrics", []):
        stat = query.get("MetricStat")
        if stat:
            names.add(stat["Metric"]["MetricName"])
    return names


def _stats(alarm: dict) -> list[dict]:
    return [q for q in alarm["Properties"].get("Metrics", []) if "MetricStat" in q]


def _dimension(query: dict) -> str:
    """The logical id a metric query's first dimension names (by Ref or GetAtt)."""
    value = query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
    return str(value.get("Ref") or value["Fn::GetAtt"][0])


def test_alarms_watch_what_can_go_wrong_and_mail_when_asked() -> None:
    template = load(ROOT / "template.yaml")
    alarms = {k: v for k, v in template.resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    watched = {k: _metric_names(v) for k, v in alarms.items()}
    assert watched["DeadLetterAlarm"] == {"ApproximateNumberOfMessagesVisible"}
    assert {_dimension(q) for q in _stats(alarms["DeadLetterAlarm"])} == {
        "OutboundDeadLetterQueue",
        "WatchDeadLetterQueue",
    }
    assert watched["Api5xxAlarm"] == {"5xx"}
    assert watched["DispatcherLagAlarm"] == {"LagSeconds"}
    assert watched["SendFailureAlarm"] == {"Message_failed", "Message_sent"}
    for metric in ("Errors", "Throttles"):
        watching = [a for a, names in watched.items() if names == {metric}]
        functions = [_dimension(q) for a in watching for q in _stats(alarms[a])]
        assert sorted(functions) == sorted(template.functions), metric  # each function once
    for alarm in alarms.values():
        assert len(_stats(alarm)) <= 10  # CloudWatch refuses a metric-math alarm on more
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == {
            "Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]
        }
    assert template.resources["AlarmTopic"]["Condition"] == "HasAlarmEmail"


def test_the_dashboard_shows_metrics_the_code_emits() -> None:
    import json
    import re

    template = load(ROOT / "template.yaml")
    body = json.loads(template.resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])
    shown = {m[1] for w in body["widgets"] for m in w["properties"]["metrics"]}
    code = "\n".join(
        p.read_text() for p in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    )
    emitted = set(re.findall(r'name=f?"([A-Za-z_]+)', code))
    prefixes = {n for n in emitted if n.endswith("_")} | {"Rejected"}
    unknown = {m for m in shown if m not in emitted and not any(m.startswith(p) for p in prefixes)}
    assert not unknown, f"the dashboard shows metrics nothing emits: {sorted(unknown)}"
    assert {"EventsAccepted", "Duplicates", "LagSeconds", "Message_sent", "Decisions_suppress"} <= shown


def test_a_deployment_makes_its_own_link_key_and_knows_its_own_address() -> None:
    """No deployment signs links with a key from this repository or points them at localhost."""
    template = load(ROOT / "template.yaml")
    generated = template.resources["LinkSecrets"]["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "TOKEN_SECRET" and generated["PasswordLength"] >= 32
    sender = template.functions["SenderFunction"]
    assert sender.environment["LINK_SECRETS_ARN"] == {"Ref": "LinkSecrets"}
    assert sender.environment["API_URL"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }
    for name in ("SenderFunction", "PreferencesFunction"):
        policies = template.resources[name]["Properties"]["Policies"]
        assert {"AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Ref": "LinkSecrets"}}} in policies
    held = template.resources["NotReadyToSendAlarm"]["Properties"]
    assert held["MetricName"] == "MessagesHeldNotReady" and held["Threshold"] == 0
