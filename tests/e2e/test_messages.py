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


def test_catalog_to_mail_to_one_click_unsubscribe_over_http(served: Served) -> None:
    import hashlib
    import hmac
    import re
    import urllib.request

    from ..conftest import SECRET

    now = datetime.now(UTC)
    product = {
        "product": {
            "id": "101",
            "title": "Wollmütze",
            "price": "34.50",
            "currency": "EUR",
            "url": "https://shop.example/products/wollmuetze",
            "image_url": "https://shop.example/w.jpg",
            "updated_at": now.isoformat(),
        }
    }
    body = json.dumps(product).encode()
    signature = {
        "X-Touchpoint-Signature": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    }
    assert served.post("/webhooks/generic/products", body, signature)[0] == 200
    assert post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(63, at=now))[0] == 200
    assert served.cli("dispatch", "--at", "+2h").returncode == 0
    [mail] = [
        r["body"]
        for r in served.stub.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == "shopper63@example.com"
    ]
    html = mail["content"][1]["value"]
    assert (
        "Wollmütze" in html
        and "€34.50" in html
        and "https://shop.example/products/wollmuetze?utm_source=touchpoint" in html
    )
    assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", mail["headers"]["List-Unsubscribe"])
    assert url is not None and url.group(1).startswith(served.url + "/unsubscribe/")

    request = urllib.request.Request(url.group(1), data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(request, timeout=15) as answer:  # as a mailbox provider would
        assert answer.status == 200 and json.loads(answer.read())["unsubscribed"] is True
    profile = json.loads(served.cli("profile", "shopper63@example.com").stdout)
    assert profile["consent"]["email"]["state"] == "unsubscribed"
    lines = [json.loads(line) for line in served.cli("messages", "shopper63@example.com").stdout.splitlines()]
    steps = {m["step"]: m for m in lines}
    assert (
        steps["email_24h"]["status"] == "cancelled"
        and steps["email_24h"]["reasons"][-1] == "consent_withdrawn:email"
    )
