"""`touchpoint connect`: register the webhooks Touchpoint needs with a shop platform's own API.

Each platform module knows which topics go to which route and how its API lists and creates
subscriptions; this module holds what they share: the outcome per topic, the HTTP call and the
rule that credentials travel over HTTPS only (plain HTTP is for a stub on this machine).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from touchpoint.errors import UserError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ConnectError(UserError):
    """The platform refused or could not be reached: one line naming why."""


@dataclass(frozen=True)
class Outcome:
    topic: str
    url: str
    state: str  # "exists", "created", "reactivated", "would create" (--dry-run) or "failed"
    error: str = ""

    def as_dict(self) -> dict[str, str]:
        found = {"topic": self.topic, "url": self.url, "state": self.state}
        return {**found, "error": self.error} if self.error else found


def base_url(site: str, option: str) -> str:
    """https://<site>, or the URL as given; http:// only for this machine (a test stub)."""
    url = site if "://" in site else f"https://{site}"
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConnectError(f"{option}: '{site}' is not a host name or URL")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise ConnectError(f"{option}: credentials go over HTTPS only (http:// is for 127.0.0.1)")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def api_url(url: str) -> str:
    """The deployed API's base URL, where the webhook routes live (the stack's ApiUrl)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConnectError(
            f"--url: '{url}' is not the API's URL (e.g. https://abc123.execute-api.eu-west-1.amazonaws.com)"
        )
    return url.rstrip("/")


def call(method: str, url: str, headers: dict[str, str], body: Any = None, platform: str = "") -> Any:
    """One JSON request; any refusal becomes a ConnectError with the platform's own message."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Accept": "application/json", **headers}
    )
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise ConnectError(f"{platform} answered {exc.code}: {_message(exc.read())}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConnectError(f"{platform} at {urlsplit(url).netloc} is not reachable: {reason}") from None
    except json.JSONDecodeError:
        raise ConnectError(f"{platform} answered something that is not JSON (is the URL right?)") from None


def _message(body: bytes) -> str:
    """The platform's error text: Shopify's `errors`, WooCommerce's `message`, else the start."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body[:200].decode(errors="replace").strip() or "no details"
    if isinstance(parsed, dict):
        for key in ("message", "errors", "error"):
            if parsed.get(key):
                return str(parsed[key])[:300]
    return str(parsed)[:300]
