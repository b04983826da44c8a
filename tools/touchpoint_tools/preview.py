"""`touchpoint preview`: exactly what the Sender would send for one template and customer,
rendered by the same code, sent nowhere."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from touchpoint.channels import email, sms
from touchpoint.content.render import Message, Rendered
from touchpoint.decide.model import Profile
from touchpoint.decide.offers import offer_for
from touchpoint.kinds import CATALOG_KINDS
from touchpoint.playbook.model import Playbook


def _use(template: str, playbook: Playbook) -> tuple[str, str, str, str | None]:
    """(flow, step, channel, offer) of the first step that sends this template."""
    for name, flow in playbook.flows.items():
        for step in flow.steps:
            if template in (step.template, *step.variants.values()):
                return name, step.id, step.channel, step.offer
            if step.fallback and step.fallback.template == template:
                return name, step.id, step.fallback.channel, step.offer
    return "preview", "preview", "sms" if playbook.templates[template].sms else "email", None


def context_for(
    profile: Profile, offer: dict[str, Any] | None, about_a_product: bool = False
) -> dict[str, Any]:
    """What a message planned now would carry: the customer's open checkout, if any; for a
    back-in-stock or price-drop message, a product they looked at."""
    checkout = profile.checkout or {}
    items = list(checkout.get("items") or [])
    if about_a_product:
        items = [{"product_id": p, "quantity": 1} for p in (*profile.carted, *profile.viewed)[:1]]
    return {
        "items": items,
        "url": checkout.get("url") or "",
        "currency": checkout.get("currency") or "",
        "offer": offer,
    }


def _context(flow: str, profile: Profile, offer: dict[str, Any] | None, playbook: Playbook) -> dict[str, Any]:
    trigger = playbook.flows[flow].trigger if flow in playbook.flows else None
    return context_for(profile, offer, about_a_product=trigger in CATALOG_KINDS)


def _rendered(template: str, profile: Profile, playbook: Playbook, now: datetime) -> tuple[Message, Rendered]:
    """The message as the first step using this template would plan it, rendered by the Sender's code."""
    from touchpoint.sending.delivery import rendered_for

    flow, step, channel, offer_id = _use(template, playbook)
    offer, _ = offer_for(offer_id, profile, playbook)
    message = Message(f"{flow}.{step}.preview", profile.customer_id, flow, step, channel, template)
    return message, rendered_for(message, profile, _context(flow, profile, offer, playbook), playbook, now)


def preview(
    template: str, profile: Profile, playbook: Playbook, now: datetime, out: Path | None
) -> dict[str, Any]:
    if template not in playbook.templates:
        raise KeyError(template)
    message, rendered = _rendered(template, profile, playbook, now)
    channel, flow = message.channel, message.flow
    if channel == "sms":
        text = sms.fit(rendered.sms)
        return {"channel": "sms", "to": profile.phone, "text": text, "segments": sms.segments(text)}
    body = email.payload(
        profile.email or "customer@example.com", rendered, message.message_id, profile.customer_id, flow
    )
    shown: dict[str, Any] = {
        "channel": "email",
        "to": profile.email,
        "subject": rendered.subject,
        "headers": body.get("headers", {}),
    }
    if rendered.sendgrid_template_id:
        shown.update(template_id=rendered.sendgrid_template_id, dynamic_template_data=rendered.data)
    else:
        shown["text"] = rendered.text
        shown["html_bytes"] = len(rendered.html.encode())
    if out is not None and not rendered.sendgrid_template_id:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{template}.html").write_text(rendered.html, encoding="utf-8")
        (out / f"{template}.txt").write_text(rendered.text, encoding="utf-8")
        shown["files"] = [str(out / f"{template}.html"), str(out / f"{template}.txt")]
    return shown


def render_html(template: str, profile: Profile, playbook: Playbook, now: datetime) -> tuple[str, str]:
    """The subject and HTML part alone (the demo's report shows them)."""
    _, rendered = _rendered(template, profile, playbook, now)
    return rendered.subject, rendered.html
