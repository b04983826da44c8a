"""What the unsubscribe link and the preference page do: every change goes through the same
pipeline as a platform event (consent with source and time, pending marketing cancelled in the
event's transaction, removal from the ads audience), so nothing here writes on its own."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from touchpoint import languages
from touchpoint.content import links
from touchpoint.errors import Ignored, PayloadError
from touchpoint.events import Consent, Identity, Kind, Preferences, TouchpointEvent
from touchpoint.playbook.model import Playbook

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

TOPICS = (
    ("cart_reminders", "Reminders about your cart"),
    ("recommendations", "Recommendations picked for you"),
    ("offers", "Offers and discount codes"),
    ("surveys", "Surveys and review requests"),
)
FREQUENCIES = (
    ("normal", "As it happens"),
    ("weekly", "At most once a week"),
    ("paused", "Pause for 30 days"),
)
# the page in each language it is written in (the shopper's, when the playbook writes in it too)
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your preferences",
        "heading": "Your preferences at",
        "channels": "Channels",
        "email": "E-mail",
        "sms": "Text messages (SMS)",
        "topics": "What you hear about",
        "how_often": "How often",
        "save": "Save my preferences",
        "unsubscribe": "Unsubscribe from all marketing e-mail",
        "saved": "Saved. Thank you!",
    },
    "de": {
        "title": "Ihre Einstellungen",
        "heading": "Ihre Einstellungen bei",
        "channels": "Kanäle",
        "email": "E-Mail",
        "sms": "Textnachrichten (SMS)",
        "topics": "Worüber Sie von uns hören",
        "how_often": "Wie oft",
        "save": "Einstellungen speichern",
        "unsubscribe": "Von allen Werbe-E-Mails abmelden",
        "saved": "Gespeichert. Danke!",
    },
}
TITLES: dict[str, dict[str, str]] = {
    "de": {
        "cart_reminders": "Erinnerungen an Ihren Warenkorb",
        "recommendations": "Empfehlungen für Sie",
        "offers": "Angebote und Rabattcodes",
        "surveys": "Umfragen und Bitten um Bewertungen",
        "normal": "Sobald es etwas gibt",
        "weekly": "Höchstens einmal pro Woche",
        "paused": "30 Tage Pause",
    }
}


def page_language(current: dict[str, Any], playbook: Playbook) -> str:
    """The page's language: the shopper's, if the playbook writes in it and the page has words
    for it, else the brand's (English words when the page has none for the brand's)."""
    chosen, _ = languages.reading(current.get("locale"), current.get("country"), playbook.languages)
    language = chosen or playbook.brand.locale.split("_")[0]
    return language if language in WORDS else "en"


def _titled(pairs: tuple[tuple[str, str], ...], language: str) -> list[tuple[str, str]]:
    return [(key, TITLES.get(language, {}).get(key, title)) for key, title in pairs]


PAUSE = timedelta(days=30)
SOURCE = "preferences"


@cache
def _pages() -> SandboxedEnvironment:
    """Jinja2 loads with the first page shown: a one-click unsubscribe, which is what mail
    providers post, needs none of it (about 13 ms of a cold start)."""
    from jinja2 import FileSystemLoader, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=FileSystemLoader(str(Path(__file__).parent)), autoescape=select_autoescape()
    )


def subject(token: str) -> links.Subject:
    """The token's subject, or a 404-like refusal for anything forged."""
    found = links.subject_of(token)
    if found is None:
        raise Ignored("this link is not valid")
    return found


def _event(who: links.Subject, now: datetime, **fields: Any) -> TouchpointEvent:
    return TouchpointEvent(
        source=SOURCE,
        event_id=f"{who.message_id}:{now.isoformat()}",
        kind=Kind.PREFERENCES_UPDATED if "preferences" in fields else Kind.CUSTOMER_UPDATED,
        occurred_at=now,
        identity=Identity(customer_id=who.customer_id),
        creates_profile=False,
        **fields,
    )


def unsubscribe(token: str, now: datetime | None = None) -> TouchpointEvent:
    """RFC 8058 one click: the token's channel, withdrawn now. Repeating it changes nothing more."""
    who, now = subject(token), now or datetime.now(UTC)
    consent = Consent(channel=_channel(who.channel), state="unsubscribed", at=now, source="unsubscribe_link")
    return _event(who, now, consents=(consent,))


def _channel(value: str) -> Any:
    return value if value in ("email", "sms") else "email"


def _form(body: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise PayloadError("the form could not be read") from None


def save(token: str, body: bytes, current: dict[str, Any], now: datetime | None = None) -> TouchpointEvent:
    """The page's form as one event: channels, topics and frequency, as the shopper left them."""
    who, now = subject(token), now or datetime.now(UTC)
    form = _form(body)
    if not hmac.compare_digest((form.get("csrf") or [""])[0], links.csrf_for(token)):
        raise PayloadError("the form has expired: open the link from your e-mail again")
    if (form.get("action") or ["save"])[0] == "unsubscribe":
        return unsubscribe(token, now)
    channels = set(form.get("channel") or ())
    frequency = (form.get("frequency") or ["normal"])[0]
    if frequency not in {value for value, _ in FREQUENCIES}:
        raise PayloadError("field 'frequency' must be normal, weekly or paused")
    chosen = Preferences(
        topics_off=tuple(sorted({t for t, _ in TOPICS} - set(form.get("topic") or ()))),
        frequency=frequency,  # type: ignore[arg-type]
        paused_until=now + PAUSE if frequency == "paused" else None,
    )
    return _event(who, now, preferences=chosen, consents=_consents(channels, current, now))


def _consents(channels: set[str], current: dict[str, Any], now: datetime) -> tuple[Consent, ...]:
    """E-mail can be switched on and off here; SMS only off (it needs written consent to start)."""
    found = []
    email_on = current.get("email", False)
    if ("email" in channels) != email_on:
        state: Any = "subscribed" if "email" in channels else "unsubscribed"
        found.append(Consent(channel="email", state=state, at=now, source="preference_center"))
    if current.get("sms") and "sms" not in channels:
        found.append(Consent(channel="sms", state="unsubscribed", at=now, source="preference_center"))
    return tuple(found)


def page(token: str, current: dict[str, Any], playbook: Playbook, saved: bool = False) -> str:
    """The preference page for this token's customer, as a self-contained HTML form, in their
    language when the playbook writes in it."""
    template = _pages().get_template("page.html")
    language = page_language(current, playbook)
    return template.render(
        language=language,
        t=WORDS[language],
        shop=playbook.brand.shop_name,
        color=playbook.brand.primary_color,
        action=f"/preferences/{token}",
        csrf=links.csrf_for(token),
        email=current.get("email", False),
        sms=current.get("sms", False),
        sms_known=current.get("sms_known", False),
        topics=_titled(TOPICS, language),
        topics_off=current.get("topics_off", ()),
        frequencies=_titled(FREQUENCIES, language),
        frequency=current.get("frequency", "normal"),
        notice=WORDS[language]["saved"] if saved else "",
    )
