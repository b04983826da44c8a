"""The check's rehearsal: every template of every step rendered once with representative data.

Parsing a template finds typos; only rendering finds a template that cannot render with real data
(a filter on a missing value, an undefined macro) or one that renders too much or too long
(content/environment.py's limits). `touchpoint check` and `touchpoint playbook push` run it, so a
playbook that would hold every message of a flow is never pushed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from touchpoint.catalog.model import Product
from touchpoint.content.render import Message, RenderError, render
from touchpoint.decide.model import Profile
from touchpoint.decide.offers import offer_for
from touchpoint.playbook.loading import check as check_playbook
from touchpoint.playbook.model import Playbook, PlaybookError, Step

EXAMPLE_TOKEN = "rehearsal-token"
_SAMPLES = (
    ("p-1", "Merino scarf", "59.00"),
    ("p-2", "Wool socks, 2 pairs", "19.50"),
    ("p-3", "Beanie", "24.00"),
)


def check(path: Path) -> Playbook:
    """decide.playbook.check, then the rehearsal: PlaybookError naming every template that does
    not render, as `file:line: problem`."""
    playbook = check_playbook(path)
    problems = rehearsal_problems(playbook, path)
    if problems:
        raise PlaybookError(problems)
    return playbook


def rehearsal_problems(playbook: Playbook, path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    found: list[str] = []
    for flow_id, flow in playbook.flows.items():
        for step in flow.steps:
            for channel, template in _renderings(step):
                error = _render_error(playbook, path, flow_id, step, channel, template)
                if error:
                    line = _line_of(text, template)
                    found.append(f"{path}:{line}: templates.{template} ({flow_id}/{step.id}): {error}")
    return list(dict.fromkeys(found))


def _renderings(step: Step) -> list[tuple[str, str]]:
    """(channel, template) of every way a step can go out: its template, variants and fallback."""
    if step.channel == "retargeting":
        return []
    found: list[tuple[str, str]] = [(step.channel, t) for t in (step.template, *step.variants.values())]
    if step.fallback:
        found.append((step.fallback.channel, step.fallback.template))
    return found


def _render_error(
    playbook: Playbook, path: Path, flow: str, step: Step, channel: str, template: str
) -> str | None:
    message = Message("m-rehearsal", "c-rehearsal", flow, step.id, channel, template)
    profile = Profile(customer_id="c-rehearsal", email="alex@example.com", first_name="Alex")
    offer, _ = offer_for(step.offer, profile, playbook)
    try:
        render(
            message,
            playbook,
            profile,
            _context(playbook, offer),
            _catalog(playbook),
            ["p-3"],
            path,
            EXAMPLE_TOKEN,
        )
    except (RenderError, TemplateError, ValueError, TypeError, ArithmeticError) as exc:
        return f"does not render: {exc}"
    return None


def _context(playbook: Playbook, offer: dict[str, Any] | None) -> dict[str, Any]:
    items = [
        {"product_id": pid, "title": title, "quantity": 1, "price": price}
        for pid, title, price in _SAMPLES[:2]
    ]
    url = playbook.brand.shop_url.rstrip("/") + "/checkouts/example/recover"
    return {"items": items, "currency": playbook.brand.currency, "url": url, "offer": offer}


def _catalog(playbook: Playbook) -> dict[str, Product]:
    shop = playbook.brand.shop_url.rstrip("/")
    return {
        pid: Product(
            product_id=pid,
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            title=title,
            url=f"{shop}/products/{pid}",
            price=Decimal(price),
            currency=playbook.brand.currency,
        )
        for pid, title, price in _SAMPLES
    }


def _line_of(text: str, template: str) -> int:
    """The line that defines the template in the playbook, else 1."""
    found = re.search(rf"^\s*{re.escape(template)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 1
