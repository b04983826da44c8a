"""The plain-text part reads like a letter: every footer line and every cart line's link on a line
of its own, and no heading announcing recommendations when there are none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop

N = 67  # not in the holdout
EMAIL = f"shopper{N}@example.com"


def text_part(mail: dict) -> str:
    [text] = [c["value"] for c in mail["content"] if c["type"] == "text/plain"]
    return str(text)


def test_the_cart_reminders_text_keeps_its_line_breaks(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    assert shop.post("checkouts", "checkouts/create", shop.checkout(N, at=now))[0] == 200
    runtime.dispatch(now + timedelta(hours=2))
    [mail] = [r["body"] for r in sendgrid.requests]
    lines = text_part(mail).splitlines()
    assert "Questions? help@shop.example" in lines, lines  # not glued to the postal address
    assert any(line.startswith("Unsubscribe or choose what you receive: http") for line in lines), lines
    items = [line for line in lines if line.startswith("- ")]
    assert items == ["- Wollmütze ❄, €34.50", "- Gift wrap x 2, €25.00"], lines  # one line each
    assert any(line.startswith("Complete your order: https://shop.example/") for line in lines), lines


def test_a_thank_you_without_recommendations_announces_none(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    assert shop.post("orders", "orders/create", shop.order(N, at=now))[0] == 200
    runtime.dispatch(now + timedelta(days=1, hours=1))
    [mail] = [r["body"] for r in sendgrid.requests if "Thank you" in r["body"]["subject"]]
    html = next(c["value"] for c in mail["content"] if c["type"] == "text/html")
    assert "We are getting your order ready." in text_part(mail)
    assert "You might also like" not in text_part(mail) and "You might also like" not in html
