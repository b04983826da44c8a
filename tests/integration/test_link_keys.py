"""The links in a mail are public: played as an attacker against a deployed configuration (no
TOUCHPOINT_LOCAL), a token made with the repository's built-in key opens nothing; without the
deployment's own key or address no mail leaves; a rotation keeps sent links working for the
stated period; and the token shows nothing of whom it is about."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.content import links
from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop

N = 66
EMAIL = f"shopper{N}@example.com"


@pytest.fixture(autouse=True)
def _merchants_own_playbook(merchant_playbook: object) -> None:
    """A deployed stack sends only with the merchant's brand (sending/readiness.py)."""


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in AWS: no built-in keys; the stack's own key and address; switched live."""
    monkeypatch.delenv("TOUCHPOINT_LOCAL")
    monkeypatch.setenv("SEND_MODE", "live")
    monkeypatch.setenv("TOKEN_SECRET", "the-stacks-generated-key")
    monkeypatch.setenv("PUBLIC_URL", "https://touch.shop.example")


def _mail(shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub) -> dict:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(N, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    [mail] = [r["body"] for r in sendgrid.requests]
    return mail


def _unsubscribe_path(mail: dict) -> str:
    found = re.search(r"<https?://[^/]+(/unsubscribe/[^>]+)>", mail["headers"]["List-Unsubscribe"])
    assert found is not None
    return found.group(1)


def _legacy_token(customer_id: str, secret: str) -> str:
    """A token as links were signed before (body.mac), here with a key of the attacker's choice."""
    body = base64.urlsafe_b64encode(json.dumps([customer_id, "email", "m"]).encode()).decode().rstrip("=")
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()[:18]
    return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


@pytest.mark.usefixtures("deployed")
def test_a_token_forged_with_the_built_in_key_opens_nothing(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    _mail(shop, runtime, sendgrid)
    customer_id = store.find_customer(EMAIL) or ""  # derivable from the address
    forged = _legacy_token(customer_id, links.LOCAL_SECRET)
    assert runtime.http("GET", f"/preferences/{forged}", {}, b"").status == 404
    assert runtime.http("POST", f"/unsubscribe/{forged}", {}, b"").status == 404
    assert store.load_profile(customer_id)["consent_email"]["state"] == "subscribed"


@pytest.mark.usefixtures("deployed")
def test_the_deployments_links_are_opaque_and_work(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    mail = _mail(shop, runtime, sendgrid)
    path = _unsubscribe_path(mail)
    customer_id = store.find_customer(EMAIL) or ""
    token = path.rsplit("/", 1)[1]
    padded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert customer_id.encode() not in padded and b"email" not in padded  # nothing readable inside
    assert mail["headers"]["List-Unsubscribe"].startswith("<https://touch.shop.example/unsubscribe/")
    assert runtime.http("POST", path, {}, b"List-Unsubscribe=One-Click").status == 200
    assert store.load_profile(customer_id)["consent_email"]["state"] == "unsubscribed"


def test_without_the_deployments_key_no_mail_leaves_and_the_reason_is_told(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    monkeypatch.delenv("TOUCHPOINT_LOCAL")
    monkeypatch.setenv("SEND_MODE", "live")
    monkeypatch.setenv("PUBLIC_URL", "https://touch.shop.example")
    caplog.set_level("ERROR")
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(N, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    assert sendgrid.requests == []
    held = next(m for m in store.load(store.find_customer(EMAIL) or "")[1] if m.step == "email_1h")
    assert held.status == "planned" and (held.reasons or [])[-1] == "no_link_key"
    assert any(r.getMessage() == "not sent: held" for r in caplog.records)

    monkeypatch.setenv("TOKEN_SECRET", "the-stacks-generated-key")  # the key arrives: it goes out
    runtime.dispatch(now + timedelta(hours=3, minutes=1))
    assert sendgrid.recipients() == [EMAIL]


def test_without_a_public_address_no_mail_leaves(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOUCHPOINT_LOCAL")
    monkeypatch.setenv("SEND_MODE", "live")
    monkeypatch.setenv("TOKEN_SECRET", "the-stacks-generated-key")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("API_URL", raising=False)
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(N, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    assert sendgrid.requests == []
    held = next(m for m in store.load(store.find_customer(EMAIL) or "")[1] if m.step == "email_1h")
    assert (held.reasons or [])[-1] == "no_public_url"


@pytest.mark.usefixtures("deployed")
def test_a_rotation_keeps_sent_links_working_for_the_stated_period(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _unsubscribe_path(_mail(shop, runtime, sendgrid))
    preferences = path.replace("/unsubscribe/", "/preferences/")
    monkeypatch.setenv("TOKEN_SECRET", "the-new-key")
    assert runtime.http("GET", preferences, {}, b"").status == 404  # the old key is gone
    monkeypatch.setenv("TOKEN_SECRET_PREVIOUS", "the-stacks-generated-key")
    monkeypatch.setenv("TOKEN_SECRET_PREVIOUS_UNTIL", (datetime.now(UTC) + timedelta(days=180)).isoformat())
    assert runtime.http("GET", preferences, {}, b"").status == 200
    monkeypatch.setenv("TOKEN_SECRET_PREVIOUS_UNTIL", (datetime.now(UTC) - timedelta(days=1)).isoformat())
    assert runtime.http("GET", preferences, {}, b"").status == 404  # the stated period is over


@pytest.mark.usefixtures("deployed")
def test_links_from_before_tokens_were_encrypted_still_work(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    _mail(shop, runtime, sendgrid)
    customer_id = store.find_customer(EMAIL) or ""
    legacy = _legacy_token(customer_id, "the-stacks-generated-key")
    assert runtime.http("GET", f"/preferences/{legacy}", {}, b"").status == 200
