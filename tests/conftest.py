"""The one fixture set: AWS on moto from template.yaml, signed requests, a SendGrid stub."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
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
    TABLE_NAME="touchpoint",
    POWERTOOLS_METRICS_NAMESPACE="TouchpointTest",
)

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402
from touchpoint import aws  # noqa: E402
from touchpoint.local.runtime import LocalRuntime, find_template  # noqa: E402
from touchpoint.local.sendgrid_stub import SendGridStub  # noqa: E402
from touchpoint.local.template import load  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-secret"
WRITE_KEY = "test-write-key"
SECRETS = {
    "SHOPIFY_WEBHOOK_SECRET": SECRET,
    "WOOCOMMERCE_WEBHOOK_SECRET": SECRET,
    "ZENDESK_WEBHOOK_SECRET": SECRET,
    "GENERIC_WEBHOOK_SECRET": SECRET,
    "SEGMENT_SHARED_SECRET": SECRET,
    "WEB_WRITE_KEY": WRITE_KEY,
}


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

    @staticmethod
    def customer(
        n: int = 1,
        email_consent: str = "subscribed",
        sms_consent: str | None = None,
        phone: str | None = None,
    ) -> dict[str, Any]:
        customer: dict[str, Any] = {
            "id": 7000 + n,
            "email": f"shopper{n}@example.com",
            "first_name": "Zoë",
            "last_name": "Ångström",
            "phone": phone,
            "tags": "",
            "email_marketing_consent": {
                "state": email_consent,
                "opt_in_level": "single_opt_in",
                "consent_updated_at": "2026-11-01T09:00:00Z",
            },
        }
        if sms_consent:
            customer["sms_marketing_consent"] = {
                "state": sms_consent,
                "opt_in_level": "single_opt_in",
                "consent_updated_at": "2026-11-01T09:00:00Z",
                "consent_collected_from": "SHOPIFY",
            }
        return customer

    @staticmethod
    def checkout(
        n: int = 1, at: datetime | None = None, token: str | None = None, **customer: Any
    ) -> dict[str, Any]:
        at = at or datetime.now(UTC)
        return {
            "id": None,
            "token": token or f"tok-{n}",
            "cart_token": f"cart-{n}",
            "email": f"shopper{n}@example.com",
            "buyer_accepts_marketing": False,
            "created_at": at.isoformat(),
            "updated_at": at.isoformat(),
            "completed_at": None,
            "currency": "EUR",
            "presentment_currency": "EUR",
            "total_price": "84.50",
            "abandoned_checkout_url": f"https://shop.example/checkouts/tok-{n}/recover",
            "line_items": [
                {
                    "product_id": 101,
                    "variant_id": 1011,
                    "title": "Wollmütze ❄",
                    "quantity": 1,
                    "price": "34.50",
                    "sku": "W-1",
                    "properties": [],
                },
                {
                    "product_id": None,
                    "variant_id": 2022,
                    "title": "Gift wrap",
                    "quantity": 2,
                    "price": "25.00",
                    "sku": None,
                },
            ],
            "customer": Shop.customer(n, **customer),
            "shipping_address": {
                "country_code": "DE",
                "province_code": None,
                "zip": "10115",
                "city": "Berlin",
            },
            "note_attributes": [{"name": "extra", "value": "ignored"}],
        }

    @staticmethod
    def order(
        n: int = 1, at: datetime | None = None, order_id: int | None = None, **customer: Any
    ) -> dict[str, Any]:
        at = at or datetime.now(UTC)
        return {
            "id": order_id or 90000 + n,
            "checkout_token": f"tok-{n}",
            "cart_token": f"cart-{n}",
            "email": f"shopper{n}@example.com",
            "created_at": at.isoformat(),
            "currency": "EUR",
            "total_price": "84.50",
            "financial_status": "paid",
            "cancelled_at": None,
            "line_items": [
                {
                    "product_id": 101,
                    "variant_id": 1011,
                    "title": "Wollmütze ❄",
                    "quantity": 1,
                    "price": "34.50",
                }
            ],
            "customer": Shop.customer(n, **customer),
        }

    @staticmethod
    def headers(
        topic: str, body: bytes, webhook_id: str | None = None, secret: str = SECRET
    ) -> dict[str, str]:
        headers = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign_shopify(body, secret),
            "Content-Type": "application/json",
        }
        if webhook_id:
            headers["X-Shopify-Webhook-Id"] = webhook_id
        return headers

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


def table_items(runtime: LocalRuntime) -> list[dict[str, Any]]:
    """Every item in the table (a scan: tests only)."""
    items: list[dict[str, Any]] = aws.client("dynamodb").scan(TableName=runtime.resources.table_name)["Items"]
    return items
