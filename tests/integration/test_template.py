"""template.yaml: lint-clean, and wired exactly as the README's route table says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from touchpoint.local.template import load

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
    assert "RedrivePolicy" in template.resources["OutboundQueue"]["Properties"]
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
