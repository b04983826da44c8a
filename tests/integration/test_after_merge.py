"""A guest's mail still speaks for her after her guest profile merged into her signed-in one:
its one-click unsubscribe, its preference page and SendGrid's spam report reach the survivor,
and no marketing follows."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub
from touchpoint_tools.sim import payloads

from ..conftest import IDENTITY_SECRET, WRITE_KEY, Shop
from .test_delivery_events import PUBLIC, post_events

N = 93
EMAIL = f"shopper{N}@example.com"


@pytest.fixture(autouse=True)
def _public_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", PUBLIC)


def sign_in(runtime: LocalRuntime, message_id: str, **traits: Any) -> None:
    call = {"type": "identify", "messageId": message_id, "userId": f"user-{N}", "traits": traits}
    headers, body = payloads.segment([call], WRITE_KEY, IDENTITY_SECRET)
    assert runtime.http("POST", "/events", headers, body).status == 200


def guest_mail_then_merge(shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub) -> tuple[dict, str, str]:
    """The guest's first reminder, then the merge: (the mail, the guest's id, the survivor's id)."""
    sign_in(runtime, "account-1")  # her account exists, without an address yet
    survivor = store.find_customer(f"user-{N}") or ""
    now = datetime.now(UTC)
    status, guest = shop.post("checkouts", "checkouts/create", shop.checkout(N, at=now))
    assert status == 200 and guest["customer_id"] != survivor
    runtime.dispatch(now + timedelta(hours=2))
    [mail] = [
        r["body"] for r in sendgrid.requests if r["body"]["personalizations"][0]["to"][0]["email"] == EMAIL
    ]
    sign_in(runtime, "account-2", email=EMAIL)  # signing in proves both one person: the guest folds in
    assert store.load_profile(guest["customer_id"])["merged_into"] == survivor
    return mail, guest["customer_id"], survivor


def _path(mail: dict, pattern: str) -> str:
    found = re.search(pattern, json.dumps(mail))
    assert found is not None
    return found.group(1)


def test_the_one_click_unsubscribe_of_a_guest_mail_reaches_the_survivor(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    mail, _, survivor = guest_mail_then_merge(shop, runtime, sendgrid)
    path = _path(mail, r"https?://[^/]+(/unsubscribe/[A-Za-z0-9_\-.]+)")
    answer = runtime.http("POST", path, {}, b"List-Unsubscribe=One-Click")
    assert answer.status == 200
    assert store.load_profile(survivor)["consent_email"]["state"] == "unsubscribed"
    sends = len(sendgrid.requests)
    shop.post("checkouts", "checkouts/create", shop.checkout(N, token="tok-later"))
    runtime.dispatch(datetime.now(UTC) + timedelta(days=3))
    assert len(sendgrid.requests) == sends  # no reminder after she unsubscribed


def test_the_preference_page_of_a_guest_mail_opens_and_saves_for_the_survivor(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    mail, _, survivor = guest_mail_then_merge(shop, runtime, sendgrid)
    path = _path(mail, r"https?://[^/]+(/preferences/[A-Za-z0-9_\-.]+)")
    page = runtime.http("GET", path, {}, b"")
    assert page.status == 200, page.body
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page.body)
    assert csrf is not None
    form = b"csrf=" + csrf.group(1) + b"&frequency=weekly&channel=email"
    saved = runtime.http("POST", path, {"Content-Type": "application/x-www-form-urlencoded"}, form)
    assert saved.status == 200 and store.load_profile(survivor)["frequency"] == "weekly"


def test_a_spam_report_about_a_guest_mail_withdraws_the_survivors_consent(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    _, guest, survivor = guest_mail_then_merge(shop, runtime, sendgrid)
    report = {
        "event": "spamreport",
        "email": EMAIL,
        "timestamp": int(datetime.now(UTC).timestamp()),
        "sg_event_id": "spam-93",
        "touchpoint_customer_id": guest,
    }
    status, _ = post_events(runtime, [report])
    assert status == 200
    assert store.load_profile(survivor)["consent_email"]["state"] == "unsubscribed"


def test_an_unsubscribe_for_an_erased_customer_is_not_a_success(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    mail, _, survivor = guest_mail_then_merge(shop, runtime, sendgrid)
    from touchpoint.profiles import privacy

    privacy.forget(survivor)
    path = _path(mail, r"https?://[^/]+(/unsubscribe/[A-Za-z0-9_\-.]+)")
    assert runtime.http("POST", path, {}, b"List-Unsubscribe=One-Click").status == 404


def test_commands_given_the_guests_id_act_on_the_survivor(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    _, guest, survivor = guest_mail_then_merge(shop, runtime, sendgrid)
    assert store.find_customer(guest) == survivor
