"""Watching before switching on: in shadow mode everything is decided, re-checked and rendered
and recorded as `shadow`, nothing leaves and the report shows what would have gone out; paused,
nothing leaves, due messages wait and expire after a day; a deployment starts in shadow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from touchpoint.profiles import store
from touchpoint.sending import modes
from touchpoint.sending.modes import Mode
from touchpoint.settings import SettingsError
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop

N = 67
EMAIL = f"shopper{N}@example.com"


def reminders(shop: Shop, runtime: LocalRuntime, at: datetime) -> dict[str, dict]:
    """Her checkout at `at`, then the Dispatcher two hours later: her messages by step."""
    assert shop.post("checkouts", "checkouts/create", shop.checkout(N, at=at))[0] == 200
    runtime.dispatch(at + timedelta(hours=2))
    return steps()


def steps() -> dict[str, dict]:
    _, messages = store.load(store.find_customer(EMAIL) or "")
    return {m.step: store.raw(m) for m in messages}


def test_in_shadow_mode_nothing_leaves_and_what_would_have_is_recorded(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    modes.switch(Mode.SHADOW, "test")
    first = reminders(shop, runtime, datetime.now(UTC))["email_1h"]
    assert sendgrid.requests == []
    assert first["status"] == "shadow" and first["reasons"][-1] == "shadow_mode"
    from touchpoint_tools.report.live import build  # what `touchpoint report` shows

    report = build(datetime.now(UTC) - timedelta(days=1), datetime.now(UTC) + timedelta(days=1))
    [table] = [t for t in report.tables if t.title.startswith("Would have been sent in shadow mode")]
    assert ["cart_abandonment", "email_1h", "1"] in table.rows


def test_switching_live_sends_what_falls_due_afterwards(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    modes.switch(Mode.SHADOW, "test")
    now = datetime.now(UTC)
    reminders(shop, runtime, now)
    modes.switch(Mode.LIVE, "test")
    runtime.dispatch(now + timedelta(hours=25))
    assert [r["body"]["personalizations"][0]["to"][0]["email"] for r in sendgrid.requests] == [EMAIL]
    assert steps()["email_1h"]["status"] == "shadow"  # recorded once: never sent after the switch
    assert steps()["email_24h"]["status"] == "sent"


def test_paused_nothing_leaves_and_due_messages_wait(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    modes.switch(Mode.PAUSED, "test")
    now = datetime.now(UTC)
    waiting = reminders(shop, runtime, now)["email_1h"]
    assert sendgrid.requests == []
    assert waiting["status"] == "planned" and waiting["reasons"][-1] == "paused"
    modes.switch(Mode.LIVE, "test")
    runtime.dispatch(now + timedelta(hours=2, minutes=30))
    assert len(sendgrid.requests) == 1 and steps()["email_1h"]["status"] == "sent"


def test_a_message_paused_for_a_day_expires_instead_of_going_out_late(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    modes.switch(Mode.PAUSED, "test")
    now = datetime.now(UTC)
    reminders(shop, runtime, now)
    for hours in (8, 16, 26):
        runtime.dispatch(now + timedelta(hours=hours))
    modes.switch(Mode.LIVE, "test")
    runtime.dispatch(now + timedelta(hours=27))
    first = steps()["email_1h"]
    assert first["status"] == "cancelled" and first["reasons"][-1] == "expired_while_paused"
    assert all(
        r["body"]["personalizations"][0]["custom_args"]["touchpoint_message_id"] != first["message_id"]
        for r in sendgrid.requests
    )


def test_a_deployment_starts_in_shadow_and_the_local_runtime_live(monkeypatch: pytest.MonkeyPatch) -> None:
    assert modes.default() is Mode.LIVE
    monkeypatch.delenv("TOUCHPOINT_LOCAL")
    assert modes.default() is Mode.SHADOW
    monkeypatch.setenv("SEND_MODE", "paused")
    assert modes.default() is Mode.PAUSED
    monkeypatch.setenv("SEND_MODE", "loud")
    with pytest.raises(SettingsError, match=r"^SEND_MODE: 'loud' is not one of shadow, live, paused$"):
        modes.default()


def test_a_new_stack_watches_in_shadow_even_before_its_link_key_exists(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deployed, never switched: shadow. What live mode would hold says why, and nothing is stuck."""
    monkeypatch.delenv("TOUCHPOINT_LOCAL")
    monkeypatch.setenv("PUBLIC_URL", "https://touch.shop.example")
    first = reminders(shop, runtime, datetime.now(UTC))["email_1h"]
    assert sendgrid.requests == []
    assert first["status"] == "shadow" and first["reasons"][-2:] == ["would_hold_no_link_key", "shadow_mode"]
