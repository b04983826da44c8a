"""Rendering a planned message into words, at send time, from the profile of that moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from touchpoint.decide.model import Profile
from touchpoint.decide.playbook import Playbook
from touchpoint.decide.products import recommend


class RenderError(ValueError):
    """A message cannot be rendered (its template was removed or is broken): never sent blindly."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _offer_text(offer: dict[str, Any] | None) -> str:
    if not offer:
        return ""
    if offer["kind"] == "percent":
        return f"{offer['value']:g}% off"
    if offer["kind"] == "amount":
        return f"{offer['value']:g} off"
    return "free shipping"


def render(
    template_name: str,
    playbook: Playbook,
    profile: Profile,
    context: dict[str, Any],
    now: datetime,
    shop: str = "Our shop",
    co_purchased: dict[str, int] | None = None,
    best_sellers: list[str] | None = None,
) -> Rendered:
    template = playbook.templates.get(template_name)
    if template is None:
        raise RenderError(f"template '{template_name}' is not in the playbook (renamed or removed?)")
    items = context.get("items") or []
    titles = [str(i.get("title") or i.get("product_id")) for i in items]
    offer = context.get("offer")
    picks = recommend(profile, playbook, now, co_purchased=co_purchased, best_sellers=best_sellers)
    recs = [str(p["product_id"]) for p in picks]
    data = _Blank(
        first_name=profile.first_name or "there",
        items=", ".join(titles) or "your items",
        checkout_url=context.get("url") or "",
        offer_code=(offer or {}).get("code", ""),
        offer_text=_offer_text(offer),
        recommendations=", ".join(recs) or "our best sellers",
        shop=shop,
    )
    try:
        return Rendered(
            subject=template.subject.format_map(data).strip(), body=template.body.format_map(data).strip()
        )
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        raise RenderError(f"template '{template_name}' does not render: {exc!r}") from None
