"""A shopper's language: how a locale is written here, where it comes from, and which of the
playbook's languages a message is written in.

Sources, strongest first: the shop's customer record (Shopify's customer `locale`, an order's
`customer_locale`), then the storefront (`context.locale`), then the address country's main
language. A message uses the first of the shopper's locale (`de_AT`), its language (`de`) that
the playbook writes in (`languages:`), else the brand's. Pure: Babel is imported only to read a
country's language, and only when no locale is known.
"""

from __future__ import annotations

import re

_LOCALE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|\d{3}))?$")
SHOP, WEB = "shop", "web"  # where a stored locale came from: the shop's record wins


def normalize_locale(raw: str | None) -> str | None:
    """`de-at`, `de_AT`, `DE` -> `de_AT`, `de`; anything else (a script, a typo) -> None."""
    if not raw:
        return None
    match = _LOCALE.match(raw.strip())
    if not match:
        return None
    language, region = match.group(1).lower(), match.group(2)
    return f"{language}_{region.upper()}" if region else language


def of_country(country: str | None) -> str | None:
    """The main official language of a country, as a locale (`AT` -> `de_AT`), if Babel knows it."""
    if not country or not re.fullmatch(r"[A-Za-z]{2}", country):
        return None
    from babel.languages import get_official_languages

    official = get_official_languages(country.upper(), de_facto=True)
    return f"{official[0]}_{country.upper()}" if official else None


def shopper_locale(stored: str | None, country: str | None) -> str | None:
    return stored or of_country(country)


def reading(stored: str | None, country: str | None, written: list[str]) -> tuple[str | None, str | None]:
    """(the playbook language a shopper reads, the locale their prices and dates are written in):
    their own locale when it is of that language (de_AT for an Austrian), else the language;
    (None, None) for the brand's own."""
    shopper = shopper_locale(stored, country)
    language = pick(shopper, written)
    if language is None:
        return None, None
    return language, shopper if shopper and shopper.startswith(language) else language


def chain(locale: str | None) -> list[str]:
    """`de_AT` -> [`de_AT`, `de`]: the full locale first, then its language."""
    if not locale:
        return []
    language = locale.split("_")[0]
    return [locale, language] if language != locale else [locale]


def pick(locale: str | None, written: list[str]) -> str | None:
    """The playbook language a message goes out in; None: the brand's own (the base templates)."""
    return next((candidate for candidate in chain(locale) if candidate in written), None)
