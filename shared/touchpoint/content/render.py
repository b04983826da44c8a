"""Rendering a message at send time, from the profile and the catalog of that moment.

`message_data` is everything a template sees (and what SendGrid's dynamic templates get as
`dynamic_template_data`); `render` turns it into a subject, HTML and text, or an SMS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.numbers import format_currency
from jinja2 import TemplateError

from touchpoint import languages
from touchpoint.catalog.model import Product
from touchpoint.content import links
from touchpoint.content.environment import environment, is_legacy, legacy_to_jinja, render_bounded
from touchpoint.content.folders import in_language, template_dirs
from touchpoint.decide.model import Profile
from touchpoint.invisible import visible
from touchpoint.playbook.model import Brand, Playbook

MAX_RECOMMENDATIONS = 4


class RenderError(ValueError):
    """A message cannot be rendered (its template was removed or is broken): never sent blindly."""


@dataclass(frozen=True)
class Message:
    """Which message is being rendered: links and tokens name it."""

    message_id: str
    customer_id: str
    flow: str
    step: str
    channel: str
    template: str


@dataclass(frozen=True)
class Rendered:
    subject: str = ""
    html: str = ""
    text: str = ""
    sms: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    sendgrid_template_id: str | None = None
    asm_group_id: int | None = None
    unsubscribe_url: str = ""


def money(amount: Any, currency: str, brand: Brand) -> str:
    """A price as the shop's customers read it (Babel, in the brand's locale)."""
    if amount in (None, ""):
        return ""
    try:
        return format_currency(Decimal(str(amount)), currency or brand.currency, locale=brand.locale)
    except (ValueError, ArithmeticError):
        return ""


def _day(when: Any, brand: Brand) -> str:
    """A unique code's last day, as the shopper reads dates ("8 December 2026", "8. Dezember 2026")."""
    if not when:
        return ""
    from babel.dates import format_date

    at = when if isinstance(when, datetime) else datetime.fromisoformat(str(when))
    return format_date(at.date(), format="long", locale=brand.locale)


# the few words the code itself writes, per language (the templates hold everything else)
WORDS: dict[str, dict[str, str]] = {
    "en": {"greeting": "Hi {name},", "greeting_plain": "Hi,", "off": "{amount} off", "free": "free shipping"},
    "de": {
        "greeting": "Hallo {name},",
        "greeting_plain": "Hallo,",
        "off": "{amount} Rabatt",
        "free": "kostenloser Versand",
    },
}


def words(brand: Brand) -> dict[str, str]:
    return WORDS.get(brand.locale.split("_")[0], WORDS["en"])


def offer_text(offer: dict[str, Any] | None, currency: str, brand: Brand) -> str:
    if not offer:
        return ""
    if offer["kind"] == "percent":
        from babel.numbers import format_percent

        amount = format_percent(float(offer["value"]) / 100, locale=brand.locale)
        return words(brand)["off"].format(amount=amount)
    if offer["kind"] == "amount":
        return words(brand)["off"].format(amount=money(offer["value"], currency, brand))
    return words(brand)["free"]


def reading(profile: Profile, playbook: Playbook) -> tuple[str | None, Brand]:
    """The playbook language a message to this shopper is written in (None: the brand's), and the
    brand as they read it: prices and dates in their locale when the message is in their language."""
    language, shown = languages.reading(profile.locale, profile.country, playbook.languages)
    return language, playbook.brand.model_copy(update={"locale": shown}) if shown else playbook.brand


def _card(
    product: Product | None, line: dict[str, Any], currency: str, m: Message, brand: Brand
) -> dict[str, Any]:
    """One product as the templates show it: catalog facts win over what the cart remembered."""
    title = (product.title if product else "") or str(line.get("title") or "")
    price = product.price if product and product.price is not None else line.get("price")
    cur = (product.currency if product else "") or currency
    return {
        "product_id": (product.product_id if product else "") or str(line.get("product_id") or ""),
        "title": title,
        "quantity": int(line.get("quantity") or 1),
        "price": money(price, cur, brand),
        "compare_at_price": money(product.compare_at_price, cur, brand) if product else "",
        "url": links.tracked(product.url, m.message_id, m.flow, m.step, m.channel) if product else "",
        "image_url": product.image_url if product else "",
        "available": product.recommendable if product else None,
    }


def _shop(brand: Brand, m: Message) -> dict[str, Any]:
    return {
        "name": brand.shop_name,
        "url": brand.shop_url,
        "url_tracked": links.tracked(brand.shop_url, m.message_id, m.flow, m.step, m.channel),
        "logo_url": brand.logo_url,
        "primary_color": brand.primary_color,
        "postal_address": brand.postal_address,
        "support_email": brand.support_email,
        "language": brand.locale.split("_")[0],
    }


def message_data(
    m: Message,
    playbook: Playbook,
    profile: Profile,
    context: dict[str, Any],
    catalog: dict[str, Product],
    candidates: list[str],
    token: str | None = None,
    brand: Brand | None = None,
) -> dict[str, Any]:
    """Everything a template may use; each name is documented in docs/playbook.md (Templates). `token`
    stands in for the link token where no message is really being sent (the check's rehearsal);
    `brand`: as the shopper reads it (`reading`), else the playbook's."""
    brand, currency = brand or playbook.brand, str(context.get("currency") or "")
    lines = [
        line for line in context.get("items") or [] if line.get("title") or line.get("product_id") in catalog
    ]
    items = [_card(catalog.get(str(line.get("product_id"))), line, currency, m, brand) for line in lines]
    in_cart = {i["product_id"] for i in items}
    picks = [catalog[p] for p in candidates if p in catalog and catalog[p].recommendable and p not in in_cart]
    offer = context.get("offer")
    token = token or links.token_for(links.Subject(m.customer_id, m.channel, m.message_id))
    name = profile.first_name or ""
    return {
        "shop": _shop(brand, m),
        "customer": {"first_name": name},
        "first_name": name,
        "greeting": words(brand)["greeting"].format(name=name) if name else words(brand)["greeting_plain"],
        "name_suffix": f", {name}" if name else "",
        "items": items,
        "unavailable_items": [i for i in items if i["available"] is False],
        "recommendations": [_card(p, {}, currency, m, brand) for p in picks[:MAX_RECOMMENDATIONS]],
        "offer": {
            "code": offer.get("code", ""),
            "text": offer_text(offer, currency, brand),
            "expires": _day(offer.get("expires_at"), brand),
        }
        if offer
        else None,
        "offer_code": (offer or {}).get("code", ""),
        "offer_text": offer_text(offer, currency, brand),
        "checkout_url": links.tracked(str(context.get("url") or ""), m.message_id, m.flow, m.step, m.channel),
        "shop_url": links.tracked(brand.shop_url, m.message_id, m.flow, m.step, m.channel),
        "unsubscribe_url": links.unsubscribe_url(token),
        "preferences_url": links.preferences_url(token),
        "message_id": m.message_id,
    }


def render(
    m: Message,
    playbook: Playbook,
    profile: Profile,
    context: dict[str, Any],
    catalog: dict[str, Product],
    candidates: list[str],
    playbook_path: Path | None = None,
    token: str | None = None,
) -> Rendered:
    template = playbook.templates.get(m.template)
    if template is None:
        raise RenderError(f"template '{m.template}' is not in the playbook (renamed or removed?)")
    language, brand = reading(profile, playbook)  # once per message: the country's language is a lookup
    data = message_data(m, playbook, profile, context, catalog, candidates, token, brand)
    env = environment(in_language(template_dirs(playbook_path), language))
    try:
        data["subject"] = visible(" ".join(_text(env, template.text("subject", language), data).split()))
        data["preheader"] = visible(_text(env, template.text("preheader", language), data).strip())
        if m.channel == "sms":
            source = template.text("sms", language) or template.text("body", language)
            return Rendered(sms=visible(" ".join(_text(env, source, data).split())), data=data)
        html, text = _parts(env, m.template, template, data, language)
    except Exception as exc:  # a template is configuration: whatever stops it is a render error
        kind = "" if isinstance(exc, TemplateError) else f"{type(exc).__name__}: "
        raise RenderError(f"template '{m.template}' does not render: {kind}{exc}") from None
    return Rendered(
        subject=data["subject"],
        html=html,
        text=_tidy(text),
        data=data,
        sendgrid_template_id=template.sendgrid_template_id,
        asm_group_id=template.asm_group_id,
        unsubscribe_url=data["unsubscribe_url"],
    )


def _legacy(data: dict[str, Any]) -> dict[str, Any]:
    """What a {placeholder} text saw before templates were Jinja2: names and lists as words."""
    titles = ", ".join(i["title"] for i in data["items"])
    picks = ", ".join(p["title"] for p in data["recommendations"])
    return {
        **data,
        "first_name": data["first_name"] or "there",
        "items": titles or "your items",
        "recommendations": picks or "our best sellers",
        "shop": data["shop"]["name"],
    }


def _text(env: Any, source: str, data: dict[str, Any]) -> str:
    if is_legacy(source):
        return render_bounded(env.from_string(legacy_to_jinja(source)), _legacy(data))
    return render_bounded(env.from_string(source), data)


def _parts(env: Any, name: str, template: Any, data: dict[str, Any], language: str | None) -> tuple[str, str]:
    """(HTML, text): the template's files, or a plain `body` set in the brand's layout."""
    if template.sendgrid_template_id:
        return "", ""
    if template.body:
        body = _text(env, template.text("body", language), data).strip()
        framed = {**data, "body_text": body}
        return (
            render_bounded(env.get_template("_body.html"), framed),
            render_bounded(env.get_template("_body.txt"), framed),
        )
    return render_bounded(env.get_template(f"{name}.html"), data), render_bounded(
        env.get_template(f"{name}.txt"), data
    )


def _tidy(text: str) -> str:
    """Blank lines collapsed: a text part reads like a letter, whatever blocks were empty."""
    out: list[str] = []
    for line in (raw.rstrip() for raw in text.splitlines()):
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"
