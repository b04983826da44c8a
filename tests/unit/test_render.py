"""Rendering, pure: what a customer reads, from a profile, a context and the catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from touchpoint.catalog.model import Product
from touchpoint.content.render import Message, render
from touchpoint.decide import Profile
from touchpoint.playbook.loading import current_playbook, parse

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
HAT = Product(
    product_id="p1",
    title="Wool hat",
    price=Decimal("20"),
    currency="EUR",
    url="https://shop.example/hat",
    updated_at=NOW,
)
CONTEXT = {
    "items": [{"product_id": "p1", "title": "Hat", "quantity": 1, "price": "20.00"}],
    "url": "https://shop.example/c/1",
    "currency": "EUR",
}


def _message(template: str, channel: str = "email") -> Message:
    return Message("m1", "c1", "cart_abandonment", "email_1h", channel, template)


def test_a_playbook_written_with_single_brace_placeholders_still_renders() -> None:
    text = (
        "version: 1\nflows:\n  a:\n    trigger: checkout_updated\n    steps:\n"
        "      - {id: s, after: 1h, channel: email, template: t}\n"
        "templates:\n  t:\n    subject: 'Hi {first_name}, your cart'\n"
        "    body: 'Hi {first_name}, still want {items}? {checkout_url} Regards, {shop}'\n"
    )
    playbook = parse(text)
    rendered = render(_message("t"), playbook, Profile(customer_id="c1"), CONTEXT, {"p1": HAT}, [])
    assert rendered.subject == "Hi there, your cart"
    assert "Hi there, still want Wool hat? https://shop.example/c/1?utm_source=touchpoint" in rendered.text
    assert "Regards, Touchpoint Demo Shop" in rendered.text and "Wool hat" in rendered.html
    assert "1 Example Street" in rendered.html  # the brand's footer around a plain body


def test_missing_data_renders_gracefully() -> None:
    playbook = current_playbook()
    bare = render(_message("cart_reminder"), playbook, Profile(customer_id="c1"), {"items": []}, {}, [])
    assert bare.subject == "Hi, you left something in your cart"
    assert "Return to your cart" not in bare.html  # no checkout link, no button to nowhere
    assert "None" not in bare.text and "None" not in bare.html


def test_prices_follow_the_brand_locale() -> None:
    playbook = current_playbook().model_copy(
        update={"brand": current_playbook().brand.model_copy(update={"locale": "de_DE"})}
    )
    rendered = render(
        _message("cart_reminder"),
        playbook,
        Profile(customer_id="c1", first_name="Jörg"),
        CONTEXT,
        {"p1": HAT},
        [],
    )
    # the brand's own templates are in the brand's language: the greeting the code writes follows it
    assert "20,00\xa0€" in rendered.text and rendered.subject.startswith("Hallo Jörg, ")
    sms = render(_message("cart_sms", "sms"), playbook, Profile(customer_id="c1"), CONTEXT, {"p1": HAT}, [])
    assert sms.sms.startswith("Touchpoint Demo Shop: your cart is waiting (Wool hat).")


def test_a_sendgrid_dynamic_template_gets_the_same_data_and_the_unsubscribe_headers() -> None:
    from touchpoint.channels import email

    base = current_playbook()
    templates = dict(base.templates)
    templates["cart_reminder"] = templates["cart_reminder"].model_copy(
        update={"sendgrid_template_id": "d-" + "0" * 32, "asm_group_id": 42}
    )
    playbook = base.model_copy(update={"templates": templates})
    rendered = render(
        _message("cart_reminder"),
        playbook,
        Profile(customer_id="c1", first_name="Ann"),
        CONTEXT,
        {"p1": HAT},
        [],
    )
    body = email.payload("ann@example.com", rendered, "m1", "c1", "cart_abandonment")
    assert body["template_id"] == "d-" + "0" * 32 and "content" not in body
    data = body["personalizations"][0]["dynamic_template_data"]
    assert (
        data["items"][0]["title"] == "Wool hat"
        and data["subject"] == "Hi Ann, you left something in your cart"
    )
    assert body["asm"] == {"group_id": 42}
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert body["headers"]["List-Unsubscribe"] == f"<{data['unsubscribe_url']}>"


def test_every_default_template_renders_with_no_data_at_all() -> None:
    playbook = current_playbook()
    for name, template in playbook.templates.items():
        channel = "sms" if template.sms else "email"
        rendered = render(_message(name, channel), playbook, Profile(customer_id="c1"), {}, {}, [])
        assert rendered.sms if channel == "sms" else rendered.subject and rendered.html, name
