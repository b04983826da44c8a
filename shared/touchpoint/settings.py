"""Every environment variable the functions read: its type, default, meaning and who reads it, in
one place. docs/configuration.md's table is generated from this list (a test keeps it so), and
each function validates the variables of its family at cold start: a mistyped value stops the
function with one line naming the variable, instead of failing on some later request.

Values are read when used, not frozen at import: the local runtime runs every function in one
process, and a test or `serve` may change the environment between calls. Secrets (webhook keys,
SendGrid's key) may also come from SECRETS_ARN; config.secret() reads those.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

# the function families (template.yaml's functions by what they do)
WEBHOOKS = "webhooks"  # WebEvent, CartAbandoned, Purchase, Customer, SupportTicket, DeliveryEvents, Catalog
SENDER = "sender"
DISPATCHER = "dispatcher"
PREFERENCES = "preferences"  # Preferences, InboundSms
WATCHES = "watches"
ALL = (WEBHOOKS, SENDER, DISPATCHER, PREFERENCES, WATCHES)


class SettingsError(ValueError):
    """A variable whose value cannot be used; the message names it."""


def text(raw: str) -> str:
    return raw


def seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number of seconds") from None
    if value < 0:
        raise ValueError(f"{raw!r} is negative")
    return value


def url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{raw!r} is not an http(s) URL")
    return raw.strip().rstrip("/")


def email(raw: str) -> str:
    local, at, domain = raw.strip().rpartition("@")
    if not (at and local and "." in domain):
        raise ValueError(f"{raw!r} is not an e-mail address")
    return raw.strip()


def instant(raw: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{raw!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{raw!r} has no time zone (add Z or +00:00)")
    return parsed


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"{raw!r} is not one of {', '.join(allowed)}")
        return value

    return parse


def origins(raw: str) -> frozenset[str]:
    """Origins (scheme://host[:port]) separated by commas or spaces; a path, a wildcard or another
    scheme is refused, because each would allow more than the shop meant. `null` is the origin of
    sandboxed frames, where Shopify runs custom pixels: allowed only when listed."""
    found = set()
    for item in raw.replace(",", " ").split():
        origin = item.rstrip("/").lower()
        if origin == "null":
            found.add(origin)
            continue
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname or "*" in origin:
            raise ValueError(f"{item!r} is not an origin such as https://shop.example")
        if parts.path or parts.query or parts.fragment or parts.username:
            raise ValueError(f"{item!r} has more than scheme, host and port")
        found.add(origin)
    return frozenset(found)


@dataclass(frozen=True)
class Setting:
    name: str
    meaning: str
    shown_default: str  # the default as the docs show it (locally; deployed where it differs)
    readers: tuple[str, ...] = ALL
    parse: Callable[[str], Any] = text
    default: Any = ""
    secret: bool = False  # may come from SECRETS_ARN instead of the environment

    def get(self) -> Any:
        """The typed value now: the environment's, else the default."""
        raw = os.environ.get(self.name, "")
        if not raw:
            return self.default
        try:
            return self.parse(raw)
        except ValueError as exc:
            raise SettingsError(f"{self.name}: {exc}") from None


_WEBHOOK_SECRET = "webhook authentication (docs/http.md); unset: that route answers 401"

SETTINGS: tuple[Setting, ...] = (
    Setting("TABLE_NAME", "the DynamoDB table", "`touchpoint`", default="touchpoint"),
    Setting(
        "AWS_ENDPOINT_URL",
        "AWS endpoint for every client (boto3 and pynamodb)",
        "unset: real AWS, or embedded moto in `serve`/`demo`",
        parse=url,
    ),
    Setting(
        "OUTBOUND_QUEUE_URL", "the Sender's FIFO queue (set by the template)", "set by `serve`", (DISPATCHER,)
    ),
    Setting(
        "WATCH_QUEUE_URL", "the Watches function's queue (set by the template)", "set by `serve`", (WEBHOOKS,)
    ),
    Setting(
        "SENDGRID_API_KEY", "SendGrid key (in AWS: in `AppSecrets`)", "`SG.local`", (SENDER,), secret=True
    ),
    Setting(
        "SENDGRID_API_HOST",
        "SendGrid base URL",
        "`https://api.sendgrid.com`",
        (SENDER,),
        url,
        "https://api.sendgrid.com",
    ),
    Setting(
        "SENDGRID_TIMEOUT_SECONDS",
        "how long the Sender waits for SendGrid's answer",
        "10",
        (SENDER,),
        seconds,
        10.0,
    ),
    Setting("EMAIL_FROM", "sender address", "`shop@example.com`", (SENDER,), email, "shop@example.com"),
    Setting(
        "UNSUBSCRIBE_MAILTO",
        "an address for the `mailto:` half of `List-Unsubscribe`",
        "unset",
        (SENDER,),
        email,
    ),
    Setting("SMS_SENDER_ID", "SNS SMS sender id", "unset", (SENDER, PREFERENCES)),
    Setting("SMS_ORIGINATION_NUMBER", "SNS SMS origination number", "unset", (SENDER, PREFERENCES)),
    Setting(
        "META_GRAPH_API_URL",
        "Meta Conversions API base URL",
        "`https://graph.facebook.com/v21.0`",
        (SENDER, PREFERENCES, WEBHOOKS),
        url,
        "https://graph.facebook.com/v21.0",
    ),
    Setting(
        "META_PIXEL_ID",
        "Meta pixel; retargeting is off (nothing planned) while it is unset",
        "unset",
        (SENDER, PREFERENCES, WEBHOOKS),
    ),
    Setting(
        "META_ACCESS_TOKEN",
        "Meta Conversions API token",
        "unset",
        (SENDER, PREFERENCES, WEBHOOKS),
        secret=True,
    ),
    Setting(
        "META_AUDIENCE_ID",
        "Custom Audience that opt-outs are removed from",
        "unset",
        (SENDER, PREFERENCES, WEBHOOKS),
    ),
    Setting("META_TEST_EVENT_CODE", "Meta's test-event code", "unset", (SENDER,)),
    Setting(
        "PLAYBOOK",
        "path of the playbook file (a `templates/` folder beside it overrides packaged templates)",
        "the packaged default",
    ),
    Setting(
        "PLAYBOOK_BUCKET",
        "the bucket `touchpoint playbook push` writes to (set by the template); a pushed playbook wins over `PLAYBOOK`",
        "`serve`: `touchpoint-playbookbucket`",
    ),
    Setting(
        "PLAYBOOK_REFRESH_SECONDS",
        "how often a running function looks for a newly pushed playbook",
        "60",
        parse=seconds,
        default=60.0,
    ),
    Setting(
        "CATALOG_CACHE_SECONDS",
        "how long a warm Sender keeps best sellers, co-purchase counts and recommended products (0: off); "
        "the products a mail is about are always read fresh",
        "60",
        (SENDER, WEBHOOKS),
        seconds,
        60.0,
    ),
    Setting(
        "PUBLIC_URL",
        "where shoppers reach the API: unsubscribe and preference links (template parameter `PublicUrl`); "
        "unset in AWS: the deployed API's own URL (`API_URL`)",
        "`http://127.0.0.1:3000`; `serve` sets its own address",
        parse=url,
    ),
    Setting("API_URL", "the deployed API's URL (set by the template)", "unset", parse=url),
    Setting(
        "TOKEN_SECRET",
        "the key that encrypts unsubscribe and preference tokens (in AWS: `LinkSecrets`, generated at deploy; "
        "docs/security.md)",
        "a fixed local value, only on the local runtime",
        secret=True,
    ),
    Setting("TOKEN_SECRET_PREVIOUS", "the previous link key, while it still counts", "unset", secret=True),
    Setting(
        "TOKEN_SECRET_PREVIOUS_UNTIL",
        "until when the previous link key counts",
        "unset",
        parse=instant,
        secret=True,
    ),
    Setting(
        "SEND_MODE",
        "`shadow`, `live` or `paused` until `touchpoint mode` first sets it (the stored mode wins)",
        "`live` locally; a deployed stack starts in `shadow`",
        (SENDER, DISPATCHER),
        choice("shadow", "live", "paused"),
    ),
    Setting(
        "ALLOWED_ORIGINS",
        "shop pages that may call `POST /events` from a browser (template parameter `AllowedOrigins`; "
        "docs/storefront.md)",
        "unset: every browser origin refused",
        (WEBHOOKS,),
        origins,
        frozenset(),
    ),
    Setting(
        "IDENTITY_SECRET",
        "verifies the `user_hash` of a signed-in shopper's id from the storefront (in AWS: in `AppSecrets`)",
        "unset: browser identities are weak",
        (WEBHOOKS,),
        secret=True,
    ),
    *(
        Setting(name, _WEBHOOK_SECRET, "unset", (WEBHOOKS,), secret=True)
        for name in (
            "SHOPIFY_WEBHOOK_SECRET",
            "WOOCOMMERCE_WEBHOOK_SECRET",
            "ZENDESK_WEBHOOK_SECRET",
            "GENERIC_WEBHOOK_SECRET",
            "WEB_WRITE_KEY",
            "SEGMENT_SHARED_SECRET",
            "SENDGRID_WEBHOOK_PUBLIC_KEY",
        )
    ),
    Setting(
        "SIGNATURE_TOLERANCE_SECONDS",
        "how old a signed timestamp (Zendesk, SendGrid) may be; 0 = no check",
        "`86400`",
        (WEBHOOKS,),
        seconds,
        86400.0,
    ),
    Setting(
        "ARCHIVE_STREAM",
        "the event archive's Firehose stream (set by the template); archiving is off while it is unset, and "
        "product watches are then written with each event",
        "set by `serve` from the template",
        (WEBHOOKS, WATCHES),
    ),
    Setting(
        "ARCHIVE_BUCKET",
        "the event archive's S3 bucket (set by the template)",
        "the CLI reads `touchpoint-archivebucket`",
        (WEBHOOKS, WATCHES),
    ),
    Setting(
        "SECRETS_ARN",
        "(AWS) the JSON secret the secrets above are read from when not in the environment",
        "set by the template",
    ),
    Setting("LINK_SECRETS_ARN", "(AWS) the JSON secret with the generated link keys", "set by the template"),
    Setting(
        "TOUCHPOINT_LOCAL",
        "`1` on the local runtime only: development keys may stand in",
        "set by `serve`",
        parse=choice("1", "0"),
    ),
)

BY_NAME = {s.name: s for s in SETTINGS}
ALLOWED_ORIGINS = BY_NAME["ALLOWED_ORIGINS"]


def declared(name: str) -> Setting:
    """The declaration of a variable the code reads; KeyError for one nobody declared."""
    found = BY_NAME.get(name)
    if found is None:
        raise KeyError(f"{name} is not a setting: add it to touchpoint/settings.py")
    return found


def get(name: str) -> Any:
    return declared(name).get()


def problems(family: str | None = None) -> list[str]:
    """One line per variable (of this family, or any) whose value cannot be used."""
    found = []
    for setting in SETTINGS:
        if family is None or family in setting.readers:
            try:
                setting.get()
            except SettingsError as exc:
                found.append(str(exc))
    return found


def validate(family: str) -> None:
    """At a function's cold start: stop with every unusable variable named."""
    found = problems(family)
    if found:
        raise SettingsError("invalid configuration: " + "; ".join(found))


def markdown_table() -> str:
    """docs/configuration.md's table."""
    rows = ["| variable | meaning | default | read by |", "|---|---|---|---|"]
    for s in SETTINGS:
        readers = "all functions" if s.readers == ALL else ", ".join(s.readers)
        meaning = s.meaning + (" (may come from `SECRETS_ARN`)" if s.secret else "")
        rows.append(f"| `{s.name}` | {meaning} | {s.shown_default} | {readers} |")
    return "\n".join(rows) + "\n"
