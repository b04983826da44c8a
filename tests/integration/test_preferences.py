"""What a shopper can do from an e-mail: one-click unsubscribe and the preference center."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from touchpoint.catalog import store as catalog
from touchpoint.catalog.model import Product
from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import ROOT, Shop


def _profile(email: str) -> dict:
    customer_id = store.find_customer(email)
    assert customer_id
    return store.load(customer_id)[0]


def _steps(email: str) -> dict[str, tuple[str, list[str]]]:
    customer_id = store.find_customer(email)
    assert customer_id
    return {m.step: (m.status, list(m.reasons or ())) for m in store.load(customer_id)[1]}


def _first_mail(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, n: int, locale: str = "en"
) -> dict:
    now = datetime.now(UTC)
    catalog.save(
        Product(
            product_id="101",
            title="Wollmütze",
            price=Decimal("34.50"),
            currency="EUR",
            url="https://shop.example/products/wollmuetze",
            image_url="https://shop.example/img/wollmuetze.jpg",
            updated_at=now,
        )
    )
    shop.post("checkouts", "checkouts/create", shop.checkout(n, at=now, locale=locale))
    runtime.dispatch(now + timedelta(hours=2))
    [mail] = [
        r["body"]
        for r in sendgrid.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == f"shopper{n}@example.com"
    ]
    return mail


def test_a_reminder_is_a_real_shop_mail_with_one_click_unsubscribe(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    mail = _first_mail(shop, runtime, sendgrid, 81)
    text, html = (part["value"] for part in mail["content"])
    assert [part["type"] for part in mail["content"]] == ["text/plain", "text/html"]
    assert (
        "Wollmütze" in html
        and "€34.50" in html
        and "https://shop.example/products/wollmuetze?utm_source=touchpoint" in html
    )
    assert "img" in html and 'alt="Wollmütze"' in html and "1 Example Street" in html
    assert "Wollmütze" in text and "€34.50" in text and "<" not in text
    assert mail["subject"].startswith("Hi Zoë, ")
    assert len(html.encode()) < 102 * 1024  # Gmail clips larger messages
    headers = mail["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", headers["List-Unsubscribe"])
    assert url is not None and "/unsubscribe/" in url.group(1)
    assert "shopper81" not in url.group(1)  # no address in the URL, only the opaque token

    path = "/unsubscribe/" + url.group(1).rsplit("/unsubscribe/", 1)[1]
    one_click = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):  # repeat clicks are fine
        answer = runtime.http("POST", path, one_click, b"List-Unsubscribe=One-Click")
        assert answer.status == 200 and json.loads(answer.body) == {"unsubscribed": True, "channel": "email"}
    consent = _profile("shopper81@example.com")["consent_email"]
    assert consent["state"] == "unsubscribed" and consent["source"] == "unsubscribe_link"
    status, reasons = _steps("shopper81@example.com")["email_24h"]
    assert status == "cancelled" and reasons[-1] == "consent_withdrawn:email"
    assert runtime.http("POST", path[:-3] + "xyz", one_click, b"").status == 404  # forged


def test_the_preference_center_changes_topics_and_frequency(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub, dynamodb_calls: list[tuple[str, Any]]
) -> None:
    mail = _first_mail(shop, runtime, sendgrid, 82)
    html = mail["content"][1]["value"]
    link = re.search(r'href="(http[^"]+/preferences/[^"]+)"', html)
    assert link is not None
    path = "/preferences/" + link.group(1).rsplit("/preferences/", 1)[1]
    dynamodb_calls.clear()
    page = runtime.http("GET", path, {}, b"")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert [op for op, _ in dynamodb_calls] == ["GetItem"]  # the profile alone, not its messages
    text = page.body.decode()
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
    assert csrf and 'value="cart_reminders" checked' in text
    form = urlencode(
        [
            ("csrf", csrf.group(1)),
            ("channel", "email"),
            ("topic", "recommendations"),
            ("frequency", "weekly"),
            ("action", "save"),
        ]
    ).encode()
    saved = runtime.http("POST", path, {"Content-Type": "application/x-www-form-urlencoded"}, form)
    assert saved.status == 200 and "Saved" in saved.body.decode()
    assert 'value="cart_reminders" checked' not in saved.body.decode()
    profile = _profile("shopper82@example.com")
    assert profile["frequency"] == "weekly" and "cart_reminders" in profile["topics_off"]
    assert profile["consent_email"]["state"] == "subscribed"
    runtime.dispatch(datetime.now(UTC) + timedelta(hours=25))
    status, reasons = _steps("shopper82@example.com")["email_24h"]
    assert status == "suppressed" and reasons[-1] == "topic_off:cart_reminders"
    forged = urlencode([("csrf", "0" * 32), ("frequency", "paused")]).encode()
    assert (
        runtime.http("POST", path, {"Content-Type": "application/x-www-form-urlencoded"}, forged).status
        == 400
    )


def test_an_sms_stop_reply_withdraws_sms_consent_at_once(shop: Shop, runtime: LocalRuntime) -> None:
    import copy

    from touchpoint.sources.sms_inbound import is_opt_out

    now = datetime.now(UTC)
    checkout = shop.checkout(83, at=now, country="US", province="NY")
    checkout["customer"] = Shop.customer(83, sms_consent="subscribed", phone="(212) 555-0183")
    assert shop.post("checkouts", "checkouts/create", checkout)[0] == 200
    sample = json.loads((ROOT / "events" / "inbound_sms.json").read_text())
    reply = copy.deepcopy(sample)
    message = json.loads(reply["Records"][0]["Sns"]["Message"])
    message.update(originationNumber="+12125550183", messageKeyword="", messageBody="stop texting me")
    reply["Records"][0]["Sns"]["Message"] = json.dumps(message)
    assert runtime.invoke("InboundSmsFunction", reply) == {"opt_outs": 1}
    consent = _profile("shopper83@example.com")["consent_sms"]
    assert consent["state"] == "unsubscribed" and consent["source"] == "sms:reply"
    status, reasons = _steps("shopper83@example.com")["sms_48h"]
    assert status == "cancelled" and reasons[-1] == "consent_withdrawn:sms"
    assert all(
        is_opt_out(w) for w in ("STOP", "Unsubscribe", "cancel", "END", "quit", "stop texting me", "Arret")
    )
    assert not any(
        is_opt_out(w) for w in ("Yes please", "When does the sale end? I want to buy two more hats")
    )


def test_a_cart_item_that_sold_out_changes_the_reminder(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    for pid, title, available in (("101", "Wollmütze", False), ("201", "Merino scarf", True)):
        catalog.save(
            Product(
                product_id=pid,
                title=title,
                price=Decimal("30.00"),
                available=available,
                url=f"https://shop.example/p/{pid}",
                updated_at=now,
            )
        )
    other = {
        **shop.order(85, at=now),
        "line_items": [{"product_id": 201, "title": "Merino scarf", "quantity": 1, "price": "30.00"}],
    }
    shop.post("orders", "orders/create", other)  # someone bought the scarf: a best seller
    shop.post("checkouts", "checkouts/create", shop.checkout(84, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    [mail] = [
        r["body"]
        for r in sendgrid.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == "shopper84@example.com"
    ]
    text, html = (part["value"] for part in mail["content"])
    assert "sold out" in text and "Wollmütze" in text and "(sold out right now)" in text
    assert "You might like instead:" in text and "Merino scarf" in text
    assert "Sold out right now" in html and "https://shop.example/p/201?utm_source=touchpoint" in html


def test_a_german_shopper_gets_the_preference_page_in_german(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    html = _first_mail(shop, runtime, sendgrid, 84, locale="de")["content"][1]["value"]
    link = re.search(r'href="(http[^"]+/preferences/[^"]+)"[^>]*>Auswählen, was Sie erhalten', html)
    assert link is not None
    path = "/preferences/" + link.group(1).rsplit("/preferences/", 1)[1]
    text = runtime.http("GET", path, {}, b"").body.decode()
    assert '<html lang="de">' in text and "Ihre Einstellungen bei Touchpoint Demo Shop" in text
    assert "Erinnerungen an Ihren Warenkorb" in text and "Einstellungen speichern" in text
    assert "Save my preferences" not in text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
    assert csrf is not None
    form = urlencode(
        [("csrf", csrf.group(1)), ("channel", "email"), ("frequency", "weekly"), ("action", "save")]
    )
    saved = runtime.http("POST", path, {"Content-Type": "application/x-www-form-urlencoded"}, form.encode())
    assert saved.status == 200 and "Gespeichert. Danke!" in saved.body.decode()
