"""Every sample in events/ runs through its function (what `touchpoint invoke` does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import ROOT

SAMPLE_SECRETS = {
    "SIGNATURE_TOLERANCE_SECONDS": "0",  # the samples' signed timestamps are fixed
    "SHOPIFY_WEBHOOK_SECRET": "sample-secret",
    "ZENDESK_WEBHOOK_SECRET": "sample-secret",
    "WEB_WRITE_KEY": "sample-write-key",
    "SENDGRID_WEBHOOK_PUBLIC_KEY": (ROOT / "events" / "sendgrid-sample-public-key.txt").read_text().strip(),
}
FUNCTIONS = {
    "cart_abandoned.json": "CartAbandonedFunction",
    "purchase.json": "PurchaseFunction",
    "customer.json": "CustomerFunction",
    "support_ticket.json": "SupportTicketFunction",
    "web_event.json": "WebEventFunction",
    "delivery_events.json": "DeliveryEventsFunction",
    "dispatcher.json": "DispatcherFunction",
    "sender.json": "SenderFunction",
    "inbound_sms.json": "InboundSmsFunction",
    "watches.json": "WatchesFunction",
}


def test_every_function_has_a_sample() -> None:
    assert sorted(FUNCTIONS) == sorted(p.name for p in (ROOT / "events").glob("*.json"))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_sample_event_runs(name: str, runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SAMPLE_SECRETS.items():
        monkeypatch.setenv(key, value)
    event = json.loads(Path(ROOT / "events" / name).read_text(encoding="utf-8"))
    result = runtime.invoke(FUNCTIONS[name], event)
    if name == "delivery_events.json":  # feedback about a customer this empty table does not know
        assert result["statusCode"] == 202, result
        assert "does not know" in json.loads(result["body"])["reason"]
    elif "statusCode" in result:
        assert result["statusCode"] == 200, result
        assert json.loads(result["body"])["accepted"] is True
    elif name in ("sender.json", "watches.json"):  # watches: the sample's object is not in the bucket
        assert result == {"batchItemFailures": []}
    elif name == "inbound_sms.json":  # a STOP from a number this empty table does not know
        assert result == {"opt_outs": 0}
    else:
        assert result["enqueued"] == 0
