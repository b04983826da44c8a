"""Service is not marketing: a held-out shopper still gets the survey after a solved ticket, and
a bad rating gets its apology within the hour even after a cart offer the same day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from touchpoint.profiles import store
from touchpoint.profiles.models import MessageItem
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub
from touchpoint_tools.sim import payloads

from ..conftest import SECRET, Shop


def _ticket(runtime: LocalRuntime, n: int, status: str, at: datetime, rating: str | None = None) -> None:
    headers, body = payloads.zendesk(f"Z-{n}", f"shopper{n}@example.com", status, at, SECRET, rating)
    assert runtime.http("POST", "/webhooks/zendesk/tickets", headers, body).status == 200


def _messages(n: int) -> dict[str, MessageItem]:
    _, items = store.load(store.find_customer(f"shopper{n}@example.com") or "")
    return {m.step: m for m in items}


@pytest.fixture(autouse=True)
def _tickets_rated_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNATURE_TOLERANCE_SECONDS", "0")  # these tests sign tickets hours ahead


@pytest.fixture
def half_held_out(merchant_playbook: Path) -> None:
    text = merchant_playbook.read_text()
    assert "  share: 0.02\n" in text
    merchant_playbook.write_text(text.replace("  share: 0.02\n", "  share: 0.5\n"))


def _held_out_shopper(shop: Shop, at: datetime) -> int:
    from touchpoint.decide import in_holdout
    from touchpoint.playbook.loading import current_playbook

    for n in range(100, 140):
        shop.post("checkouts", "checkouts/create", shop.checkout(n, at=at))
        if in_holdout(store.find_customer(f"shopper{n}@example.com") or "", current_playbook()):
            return n
    raise AssertionError("no held-out shopper among 40 at a 50 % holdout")


def test_a_held_out_shopper_gets_exactly_one_survey_and_no_marketing(
    half_held_out: None, shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    n = _held_out_shopper(shop, now)
    _ticket(runtime, n, "solved", now)
    runtime.dispatch(now + timedelta(days=1, hours=1))
    runtime.dispatch(now + timedelta(days=1, hours=2))  # a second run sends nothing twice
    steps = _messages(n)
    survey = steps["csat_1d"]
    assert survey.status == "sent"
    assert "holdout_exempt:service" in (survey.reasons or [])
    assert steps["email_1h"].status == "holdout"  # the cart reminder is marketing: held out
    assert sendgrid.recipients().count(f"shopper{n}@example.com") == 1  # one mail: the survey


def test_a_bad_rating_gets_its_recovery_within_the_hour_after_a_cart_offer_the_same_day(
    merchant_playbook: Path, shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    start = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(92, at=start))
    runtime.dispatch(start + timedelta(hours=2))
    runtime.dispatch(start + timedelta(hours=25))  # the 24 h cart offer goes out
    assert _messages(92)["email_24h"].status == "sent"
    rated = start + timedelta(hours=27)
    _ticket(runtime, 92, "solved", rated, rating="bad")
    runtime.dispatch(rated + timedelta(hours=1))
    recovery = _messages(92)["recovery"]
    assert recovery.status == "sent", recovery.reasons
    assert "smart_sending_exempt" in (recovery.reasons or [])
    assert recovery.sent_at is not None and recovery.sent_at - rated <= timedelta(hours=1, minutes=1)
    assert not any(
        r.startswith(("smart_sending:", "smart_sending_deferred", "frequency_cap", "lost_to"))
        for r in recovery.reasons or []
    ), recovery.reasons
    assert recovery.marketing is False and store.plain(recovery.offer)["code"] == "ROSA-SORRY15"


def test_a_recovery_gesture_still_asks_the_channels_consent(
    merchant_playbook: Path, shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(93, at=now, email_consent="unsubscribed"))
    _ticket(runtime, 93, "solved", now, rating="bad")
    runtime.dispatch(now + timedelta(hours=2))
    recovery = _messages(93)["recovery"]
    assert recovery.status == "suppressed" and (recovery.reasons or [])[-1] == "no_consent:email"
