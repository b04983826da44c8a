"""Smaller findings of the attacker's pass, each through the route where it was seen: a text's
checkout link kept whatever the titles, invisible characters kept out of what a shopper reads,
no contact data in an answer's reason or the log, no negative money, a locked-down preference
page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime, scheduled_event
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import SECRET, Shop

TITLES = {
    "emoji": "Party hat 🎉🎈 deluxe edition with streamers",
    "CJK": "手編みのウール帽子 冬用 ふわふわ 大人用 フリーサイズ",
    "RTL": "כובע צמר סרוג בעבודת יד לחורף",
}


@pytest.mark.parametrize("script", sorted(TITLES))
def test_a_cart_text_keeps_its_checkout_link_whatever_the_titles(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, script: str
) -> None:
    n = 40 + sorted(TITLES).index(script)
    payload = shop.checkout(
        n, country="US", province="NY", phone=f"+1212555{n:04d}", sms_consent="subscribed"
    )
    payload["line_items"] = [
        {"product_id": 900 + i, "title": f"{TITLES[script]} {i}", "quantity": 1, "price": "19.00"}
        for i in range(4)
    ]
    assert shop.post("checkouts", "checkouts/create", payload)[0] == 200
    customer = store.find_customer(f"shopper{n}@example.com") or ""
    text = next(m for m in store.load(customer)[1] if m.channel == "sms")
    assert text.due_at is not None
    at = text.due_at.replace(hour=15) + timedelta(days=1)  # 10:00 or 11:00 in New York
    runtime.invoke("DispatcherFunction", scheduled_event(at, "DispatcherFunction"))
    runtime.drain()
    sent = [
        m[1]
        for m in sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values()
        if m[0] == f"+1212555{n:04d}"
    ]
    assert len(sent) == 1, sent
    assert f"https://shop.example/checkouts/tok-{n}/recover" in sent[0]
    assert sent[0].endswith("Reply STOP to opt out.")


def test_invisible_characters_never_reach_a_subject(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    payload = shop.checkout(45, at=now)
    payload["customer"]["first_name"] = "Z\u202eoë\u200b\u2066"  # an override, a zero-width space, an isolate
    assert shop.post("checkouts", "checkouts/create", payload)[0] == 200
    runtime.dispatch(now + timedelta(hours=2))
    [mail] = [r["body"] for r in sendgrid.requests]
    assert mail["subject"].startswith("Hi Zoë, ")
    for part in (mail["subject"], *(c["value"] for c in mail["content"])):
        assert not re.search("[\u200b\u202a-\u202e\u2066-\u2069]", part)


def _generic(runtime: LocalRuntime, resource: str, body: dict) -> tuple[int, dict]:
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    answer = runtime.http("POST", f"/webhooks/generic/{resource}", {"X-Touchpoint-Signature": signature}, raw)
    return answer.status, json.loads(answer.body)


def test_no_contact_data_in_an_answers_reason_or_the_log(
    runtime: LocalRuntime, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNATURE_TOLERANCE_SECONDS", "0")  # signed with a fixed timestamp
    caplog.set_level("INFO")
    phone = "+12125559876"
    status, answer = _generic(
        runtime,
        "customers",
        {"event_id": "e1", "customer": {"email": "p@example.com"}, "consent": {phone: "subscribed"}},
    )
    assert status == 400 and "consent" in answer["error"]
    raw = json.dumps(
        {"ticket": {"id": 1, "status": phone}, "requester": {"email": "z@example.com"}, "x": 1}
    ).encode()
    stamp = "1"
    signature = base64.b64encode(
        hmac.new(SECRET.encode(), stamp.encode() + raw, hashlib.sha256).digest()
    ).decode()
    headers = {"X-Zendesk-Webhook-Signature": signature, "X-Zendesk-Webhook-Signature-Timestamp": stamp}
    ignored = runtime.http("POST", "/webhooks/zendesk/tickets", headers, raw)
    assert ignored.status == 202
    logged = " ".join(
        r.getMessage() + json.dumps(getattr(r, "__dict__", {}), default=str) for r in caplog.records
    )
    for text in (json.dumps(answer), ignored.body.decode(), logged):
        assert phone not in text and phone[1:] not in text


@pytest.mark.parametrize("field", ["price", "total"])
def test_negative_money_is_a_400_naming_the_field(runtime: LocalRuntime, field: str) -> None:
    line = {"product_id": "p1", "quantity": 1, "price": "-5.00" if field == "price" else "5.00"}
    order = {
        "id": "o-neg",
        "status": "placed",
        "items": [line],
        "total": "-500.00" if field == "total" else "5.00",
    }
    status, answer = _generic(
        runtime, "orders", {"event_id": "neg", "customer": {"email": "n@example.com"}, "order": order}
    )
    assert status == 400 and field in answer["error"] and "negative" in answer["error"]
    assert store.find_customer("n@example.com") is None


def test_the_preference_page_forbids_scripts_framing_and_sniffing(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(46, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    html = sendgrid.requests[0]["body"]["content"][1]["value"]
    link = re.search(r'href="https?://[^/"]+(/preferences/[^"]+)"', html)
    assert link is not None
    page = runtime.http("GET", link.group(1), {}, b"")
    assert page.status == 200
    assert page.headers["x-content-type-options"] == "nosniff"
    policy = page.headers["content-security-policy"]
    assert (
        "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy
    )
