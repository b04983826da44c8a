"""The core path through the real handlers on moto: plan, cancel, dispatch, send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop, table_items


def messages(email: str) -> dict[str, str]:
    customer_id = store.find_customer(email)
    assert customer_id
    _, items = store.load(customer_id)
    return {m.step: m.status for m in items}


def test_abandoned_checkout_sends_one_reminder_after_an_hour(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    status, body = shop.post("checkouts", "checkouts/create", shop.checkout(11, at=now), webhook_id="w-1")
    assert status == 200 and body["duplicate"] is False
    assert messages("shopper11@example.com") == {
        "email_1h": "planned",
        "email_24h": "planned",
        "sms_48h": "suppressed",
    }

    runtime.dispatch(now + timedelta(minutes=30))
    assert sendgrid.requests == []

    runtime.dispatch(now + timedelta(hours=2))
    assert sendgrid.recipients() == ["shopper11@example.com"]
    mail = sendgrid.requests[0]["body"]
    assert "Wollmütze ❄" in mail["content"][0]["value"]
    assert mail["personalizations"][0]["custom_args"]["touchpoint_message_id"].startswith(
        "cart_abandonment.email_1h"
    )
    assert messages("shopper11@example.com")["email_1h"] == "sent"

    runtime.dispatch(now + timedelta(hours=3))  # nothing new is due; the sent one is never sent again
    assert len(sendgrid.requests) == 1


def test_an_order_in_between_cancels_every_reminder(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(2, at=now))
    status, body = shop.post("orders", "orders/create", shop.order(2, at=now + timedelta(minutes=10)))
    assert status == 200
    assert {d["action"] for d in body["decisions"] if d["message_id"].startswith("cart_")} == {"cancel"}
    runtime.dispatch(now + timedelta(hours=2))
    assert sendgrid.requests == []
    runtime.dispatch(now + timedelta(hours=49))  # the next-day thank-you goes; no cart reminder does
    assert [r["body"]["categories"] for r in sendgrid.requests] == [["post_purchase"]]
    steps = messages("shopper2@example.com")
    assert steps["email_1h"] == steps["email_24h"] == "cancelled"


def test_order_before_checkout_plans_no_reminder(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    """Out-of-order delivery: the order webhook overtakes the checkout webhook."""
    now = datetime.now(UTC)
    shop.post("orders", "orders/create", shop.order(3, at=now))
    status, _ = shop.post("checkouts", "checkouts/update", shop.checkout(3, at=now - timedelta(minutes=5)))
    assert status == 200
    runtime.dispatch(now + timedelta(hours=2))
    assert sendgrid.requests == []
    assert messages("shopper3@example.com")["email_1h"] == "suppressed"


def test_repeated_delivery_changes_nothing(shop: Shop, runtime: LocalRuntime) -> None:
    payload = shop.checkout(4)
    shop.post("checkouts", "checkouts/create", payload, webhook_id="same")
    before = sorted(map(str, table_items(runtime)))
    status, body = shop.post("checkouts", "checkouts/create", payload, webhook_id="same")
    assert status == 200 and body["duplicate"] is True
    assert sorted(map(str, table_items(runtime))) == before


def test_no_consent_means_no_marketing_ever(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(5, at=now, email_consent="not_subscribed"))
    for hours in (2, 25, 49):
        runtime.dispatch(now + timedelta(hours=hours))
    assert sendgrid.requests == []
    assert set(messages("shopper5@example.com").values()) == {"suppressed"}


def test_unsubscribe_after_planning_stops_the_send(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(6, at=now))
    customer = {
        **shop.customer(6, email_consent="unsubscribed"),
        "updated_at": (now + timedelta(minutes=5)).isoformat(),
    }
    customer["email_marketing_consent"]["consent_updated_at"] = (now + timedelta(minutes=5)).isoformat()
    status, _ = shop.post("customers", "customers/update", customer)
    assert status == 200
    runtime.dispatch(now + timedelta(hours=2))
    assert sendgrid.requests == []
    assert messages("shopper6@example.com")["email_1h"] == "cancelled"


def test_holdout_customers_are_recorded_never_sent_and_only_what_would_have_gone_out(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    # shopper10's id, made from their e-mail, hashes into the 2% holdout
    shop.post("checkouts", "checkouts/create", shop.checkout(10, at=now))
    runtime.dispatch(now + timedelta(hours=49))
    assert sendgrid.requests == []
    # the e-mails passed every guardrail at their due time; the SMS could never have gone out
    # (no phone), so it is suppressed with its reason, holdout or not
    assert messages("shopper10@example.com") == {
        "email_1h": "holdout",
        "email_24h": "holdout",
        "sms_48h": "suppressed",
    }


def test_logs_never_hold_the_address(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, caplog
) -> None:
    caplog.set_level("DEBUG")
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(17, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    assert sendgrid.recipients() == ["shopper17@example.com"]
    assert caplog.records  # the handlers did log
    assert "shopper17@example.com" not in caplog.text


def test_update_before_create_keeps_the_newer_timing(shop: Shop, runtime: LocalRuntime) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/update", shop.checkout(18, at=now - timedelta(minutes=10)))
    shop.post(
        "checkouts", "checkouts/create", shop.checkout(18, at=now - timedelta(minutes=20))
    )  # delivered late
    customer_id = store.find_customer("shopper18@example.com")
    _, items = store.load(customer_id or "")
    due = {m.step: m.due_at for m in items}
    assert due["email_1h"] == now + timedelta(minutes=50)


def test_affinity_accumulates_atomically_and_decays(shop: Shop, runtime: LocalRuntime) -> None:
    from touchpoint.decide import affinity
    from touchpoint.profiles import changes

    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(19, at=now))  # creates the map
    shop.post("orders", "orders/create", shop.order(19, at=now))  # adds to its keys
    customer_id = store.find_customer("shopper19@example.com") or ""
    raw, _ = store.load(customer_id)
    view = changes.as_profile(raw, customer_id)
    scores = dict(affinity.top(view.affinity, "p:", now))
    assert scores["101"] == pytest.approx(2 + 5, rel=1e-3)  # in the checkout and bought (stored to 4 digits)
    assert scores["2022"] == pytest.approx(2, rel=1e-3)
    later = dict(affinity.top(view.affinity, "p:", now + affinity.HALF_LIFE))
    assert later["101"] == pytest.approx(3.5, rel=1e-3)
