"""A secret that cannot be read is a loud 5xx, not a silent 401 for every platform."""

from __future__ import annotations

import json
import logging

import pytest

from touchpoint import aws
from touchpoint_tools.local.runtime import LocalRuntime

from ..conftest import Shop


def test_an_unreadable_secret_is_logged_and_answered_5xx(
    runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("SHOPIFY_WEBHOOK_SECRET")
    arn = runtime.resources.secret_arns["AppSecrets"]
    aws.client("secretsmanager").delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    body = json.dumps(Shop.checkout(80)).encode()
    with caplog.at_level(logging.ERROR):
        response = runtime.http(
            "POST", "/webhooks/shopify/checkouts", Shop.headers("checkouts/create", body), body
        )
    assert response.status >= 500  # ours: the platform retries, nothing is lost
    assert "cannot read the secrets in SECRETS_ARN" in caplog.text


def test_a_secret_without_the_key_leaves_that_route_closed(
    runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPIFY_WEBHOOK_SECRET")
    body = json.dumps(Shop.checkout(81)).encode()
    response = runtime.http(
        "POST", "/webhooks/shopify/checkouts", Shop.headers("checkouts/create", body), body
    )
    assert response.status == 401
