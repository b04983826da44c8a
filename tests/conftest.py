"""The one fixture set: AWS on moto from template.yaml, signed requests, a SendGrid stub."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# moto must be imported, and the environment fixed, before any boto3 session exists
for _key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "SECRETS_ARN", "PLAYBOOK"):
    os.environ.pop(_key, None)
os.environ.update(
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    TOUCHPOINT_LOCAL="1",  # the local runtime's development keys (config.local_runtime)
    TABLE_NAME="touchpoint",
    POWERTOOLS_METRICS_NAMESPACE="TouchpointTest",
    CATALOG_CACHE_SECONDS="0",  # every test has its own catalog; test_catalog_cache.py turns it on
)

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from touchpoint import aws  # noqa: E402
from touchpoint_tools.local import moto_transactions  # noqa: E402
from touchpoint_tools.local.runtime import LocalRuntime, find_template  # noqa: E402
from touchpoint_tools.local.sendgrid_stub import SendGridStub  # noqa: E402
from touchpoint_tools.local.template import load  # noqa: E402
from touchpoint_tools.sim import payloads  # noqa: E402

moto_transactions.install()
ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-secret"
WRITE_KEY = "test-write-key"
IDENTITY_SECRET = "test-identity-secret"  # the shop's server signs signed-in shoppers' ids with it
SECRETS = {
    "SHOPIFY_WEBHOOK_SECRET": SECRET,
    "WOOCOMMERCE_WEBHOOK_SECRET": SECRET,
    "ZENDESK_WEBHOOK_SECRET": SECRET,
    "GENERIC_WEBHOOK_SECRET": SECRET,
    "SEGMENT_SHARED_SECRET": SECRET,
    "WEB_WRITE_KEY": WRITE_KEY,
    "IDENTITY_SECRET": IDENTITY_SECRET,
}


@pytest.fixture(autouse=True)
def _a_fresh_container() -> Iterator[None]:
    """No test inherits the owners another test's events taught the resolver (profiles/store.py)."""
    from touchpoint.profiles import store

    store.owners.clear()
    yield
    store.owners.clear()


@pytest.fixture(autouse=True)
def _environment_as_it_was() -> Iterator[None]:
    """Whatever a test's code sets in os.environ (a runtime against an endpoint shares its
    functions' environment with the process) is gone before the next test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    return SECRETS


@pytest.fixture
def runtime(secrets: dict[str, str]) -> Iterator[LocalRuntime]:
    """The local runtime on in-process moto, resources created from template.yaml."""
    with mock_aws():
        aws.reset()
        local = LocalRuntime(load(find_template(str(ROOT / "template.yaml"))))
        local.bootstrap()
        yield local
    aws.reset()


@pytest.fixture
def sendgrid(monkeypatch: pytest.MonkeyPatch) -> Iterator[SendGridStub]:
    with SendGridStub() as stub:
        monkeypatch.setenv("SENDGRID_API_HOST", stub.url)
        yield stub


def sign_shopify(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class Shop:
    """Realistic Shopify payloads (strings for money, nulls, unicode, extra fields) and signed posts."""

    def __init__(self, runtime: LocalRuntime | None = None) -> None:
        self.runtime = runtime

    customer = staticmethod(payloads.customer)
    checkout = staticmethod(payloads.checkout)
    order = staticmethod(payloads.order)

    @staticmethod
    def headers(
        topic: str, body: bytes, webhook_id: str | None = None, secret: str = SECRET
    ) -> dict[str, str]:
        return payloads.shopify_headers(topic, body, secret, webhook_id)

    def texter(self, n: int) -> tuple[str, Any]:
        """A New York shopper who checked out on 2026-11-20 with SMS consent: their customer id
        and the text the reminders planned (a MessageItem)."""
        from datetime import UTC, datetime

        from touchpoint.profiles import store

        start = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # 15:00 in New York
        phone = f"+1212555{n:04d}"
        self.post(
            "checkouts",
            "checkouts/create",
            self.checkout(n, at=start, country="US", province="NY", phone=phone, sms_consent="subscribed"),
        )
        customer = store.find_customer(f"shopper{n}@example.com") or ""
        sms = next(m for m in store.load(customer)[1] if m.channel == "sms")
        assert sms.due_at is not None
        return customer, sms

    def post(
        self, resource: str, topic: str, payload: Any, webhook_id: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        assert self.runtime is not None
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        response = self.runtime.http(
            "POST", f"/webhooks/shopify/{resource}", self.headers(topic, body, webhook_id), body
        )
        return response.status, json.loads(response.body or b"{}")


@pytest.fixture
def shop(runtime: LocalRuntime) -> Shop:
    return Shop(runtime)


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The DynamoDB operations every botocore client makes, in order, with their parameters."""
    from botocore.client import BaseClient

    calls: list[tuple[str, dict[str, Any]]] = []
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped in stubs

    def recording(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            calls.append((operation, params))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    yield calls


def storefront(runtime: LocalRuntime, call: dict[str, Any]) -> dict[str, Any]:
    """One Segment call posted to /events with the test write key, its user id vouched for by the
    shop (user_hash); its answer, which must be 200."""
    headers, body = payloads.segment([call], WRITE_KEY, IDENTITY_SECRET)
    answer = runtime.http("POST", "/events", headers, body)
    assert answer.status == 200, answer.body
    result: dict[str, Any] = json.loads(answer.body)
    return result


def table_items(runtime: LocalRuntime) -> list[dict[str, Any]]:
    """Every item in the table (a scan: tests only)."""
    items: list[dict[str, Any]] = aws.client("dynamodb").scan(TableName=runtime.resources.table_name)["Items"]
    return items


MERCHANT_BRAND = {
    "Touchpoint Demo Shop": "Rosa's Knitwear",
    "https://shop.example\n": "https://rosa-knits.example\n",
    "1 Example Street, Springfield, USA": "5 Wool Lane, Leeds LS1 4AB, UK",
    "help@shop.example": "hello@rosa-knits.example",
    "FIRSTSHIP": "ROSA-SHIP",
    "COMEBACK10": "ROSA-BACK10",
    "MISSYOU15": "ROSA-MISS15",
    "SORRY15": "ROSA-SORRY15",
}


@pytest.fixture
def merchant_playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The packaged playbook made a merchant's own: their brand and the codes they created."""
    from touchpoint.playbook.loading import DEFAULT as DEFAULT_PLAYBOOK

    text = DEFAULT_PLAYBOOK.read_text()
    for example, own in MERCHANT_BRAND.items():
        assert example in text, example
        text = text.replace(example, own)
    path = tmp_path / "playbook.yaml"
    path.write_text(text)
    monkeypatch.setenv("PLAYBOOK", str(path))
    return path


def cold_start(function: str) -> None:
    """A function's module loaded afresh, as Lambda starts it (functions/<function>/app.py)."""
    import gc
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        f"cold_{function}", ROOT / "functions" / function / "app.py"
    )
    assert spec is not None and spec.loader is not None
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    finally:
        gc.enable()  # Lambda discards a process whose start failed (touchpoint/coldstart.py); ours goes on
