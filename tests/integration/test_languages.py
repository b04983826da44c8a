"""A shopper reads mail in their language: the shop's customer record says it, else the
storefront, else the address country; prices and dates follow, and the brand's language is the
fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import Shop, storefront

GERMAN = {"Hallo Zoë, Sie haben etwas im Warenkorb vergessen", "Hallo Zoë, Ihr Warenkorb läuft bald ab"}
ENGLISH = {"Hi Zoë, you left something in your cart", "Hi Zoë, your cart is about to expire"}  # A/B variants


def _reminder(sendgrid: SendGridStub, n: int) -> dict[str, str]:
    body = next(
        r["body"]
        for r in sendgrid.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == f"shopper{n}@example.com"
    )
    parts = {c["type"]: c["value"] for c in body["content"]}
    return {"subject": body["subject"], "text": parts["text/plain"], "html": parts["text/html"]}


def _remind(shop: Shop, runtime: LocalRuntime, n: int, now: datetime, **checkout: str) -> None:
    shop.post("checkouts", "checkouts/create", shop.checkout(n, at=now, **checkout))
    runtime.dispatch(now + timedelta(hours=2))


def test_an_address_in_germany_reads_german_with_prices_as_germans_write_them(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    _remind(shop, runtime, 61, datetime.now(UTC), locale="")  # no account language; the address is in Germany
    mail = _reminder(sendgrid, 61)
    assert mail["subject"] in GERMAN
    assert "Wir halten das für Sie bereit" in mail["text"] or "Ihr Warenkorb ist gespeichert" in mail["text"]
    assert '<html lang="de">' in mail["html"] and "Warenkorb" in mail["html"]
    assert "Abmelden" in mail["html"] and "Unsubscribe" not in mail["html"]
    assert "34,50\xa0€" in mail["text"]  # the cart line's price, in German notation


def test_the_shops_own_record_wins_over_the_address_and_the_browser(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    storefront(
        runtime,
        {
            "type": "identify",
            "userId": "u62",
            "traits": {"email": "shopper62@example.com"},
            "context": {"locale": "de-DE"},
            "messageId": "m62",
            "timestamp": now.isoformat(),
        },
    )
    _remind(shop, runtime, 62, now, locale="en")  # Shopify says English, though she browses in German
    mail = _reminder(sendgrid, 62)
    assert mail["subject"] in ENGLISH
    assert "€34.50" in mail["text"]  # the brand's en_US notation


def test_a_browser_in_austria_reads_german_and_one_in_france_the_brands_english(
    shop: Shop, runtime: LocalRuntime, sendgrid: SendGridStub
) -> None:
    now = datetime.now(UTC)
    for n, locale in ((63, "de-AT"), (64, "fr-FR")):
        storefront(
            runtime,
            {
                "type": "identify",
                "userId": f"u{n}",
                "traits": {"email": f"shopper{n}@example.com"},
                "context": {"locale": locale},
                "messageId": f"m{n}",
                "timestamp": now.isoformat(),
            },
        )
        _remind(shop, runtime, n, now, country="US", province="NY", locale="")  # the shop records none
    assert _reminder(sendgrid, 63)["subject"] in GERMAN
    assert _reminder(sendgrid, 64)["subject"] in ENGLISH
