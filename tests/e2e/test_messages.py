"""Messages a shop can send, through serve and the CLI: catalog in, preview out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ..conftest import Shop
from .conftest import Served, post_shopify

pytestmark = pytest.mark.e2e


def test_preview_renders_what_the_sender_would_send(served: Served, tmp_path: Path) -> None:
    feed = tmp_path / "products.jsonl"
    feed.write_text(
        json.dumps(
            {
                "id": "101",
                "title": "Wollmütze",
                "price": "34.50",
                "currency": "EUR",
                "url": "https://shop.example/p/101",
            }
        )
        + "\n"
    )
    assert served.cli("catalog", "import", str(feed)).returncode == 0
    checkout = Shop.checkout(62, at=datetime.now(UTC), country="US", province="NY")
    checkout["customer"] = Shop.customer(62, sms_consent="subscribed", phone="+12125550147")
    assert post_shopify(served, "checkouts", "checkouts/create", checkout)[0] == 200

    out = tmp_path / "preview"
    result = served.cli("preview", "cart_offer", "--customer", "shopper62@example.com", "--out", str(out))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["subject"] == "Hi Zoë, here is 10% off on your cart"
    assert shown["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Wollmütze, €34.50" in shown["text"] and "COMEBACK10" in shown["text"]
    html = (out / "cart_offer.html").read_text()
    assert "Wollmütze" in html and "https://shop.example/p/101?utm_source=touchpoint" in html
    assert served.stub.recipients().count("shopper62@example.com") == 0  # nothing was sent

    sms = json.loads(served.cli("preview", "cart_sms", "--customer", "+12125550147").stdout)
    assert sms["channel"] == "sms" and sms["segments"] <= 2 and sms["text"].endswith("Reply STOP to opt out.")
    missing = served.cli("preview", "no_such_template", "--customer", "shopper62@example.com")
    assert missing.returncode == 2 and "no template 'no_such_template'" in missing.stderr
