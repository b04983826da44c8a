"""Whether this deployment may let a message leave at all, whatever the shopper's guardrails say.

The first day in a real shop must never send a forgeable link, a link to localhost, the demo
shop's brand or a discount code the merchant never created. A message that meets one of these is
held (planned again an hour later, with the reason), logged as an error and counted
(MessagesHeldNotReady, alarmed), so it goes out once the deployment is complete, or expires.
The local runtime and the tests are exempt from the brand and code rules: the demo shop is theirs.
"""

from __future__ import annotations

from touchpoint import config
from touchpoint.content import links
from touchpoint.playbook.model import Brand, Playbook

# the packaged default playbook's brand and offer codes: examples, not a shop's
EXAMPLE_BRAND = Brand()
EXAMPLE_CODES = frozenset({"FIRSTSHIP", "COMEBACK10", "MISSYOU15", "SORRY15"})
BRAND_FIELDS = ("shop_name", "shop_url", "postal_address", "support_email")


def example_brand_values(playbook: Playbook) -> list[str]:
    """The brand fields still holding the packaged example's value."""
    return [name for name in BRAND_FIELDS if getattr(playbook.brand, name) == getattr(EXAMPLE_BRAND, name)]


def example_offers(playbook: Playbook) -> list[str]:
    """The offers whose code is one of the packaged examples (no shop has created it)."""
    return sorted(name for name, offer in playbook.offers.items() if offer.code in EXAMPLE_CODES)


def blocker(channel: str, marketing: bool, offer_code: str | None, playbook: Playbook) -> str | None:
    """Why this message may not leave this deployment now (a reason code), else None."""
    if channel == "email":
        missing = _link_blocker()
        if missing:
            return missing
    if config.local_runtime() or channel == "retargeting":
        return None
    if marketing and example_brand_values(playbook):
        return "example_brand"
    if offer_code and offer_code in EXAMPLE_CODES:
        return "example_offer_code"
    return None


def _link_blocker() -> str | None:
    """Every e-mail carries unsubscribe and preference links: they need the deployment's own key
    and public address."""
    try:
        links.keys()
    except links.NoLinkKey:
        return "no_link_key"
    if not config.public_url():
        return "no_public_url"
    return None
