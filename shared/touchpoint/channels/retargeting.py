"""Retargeting through the Meta Conversions API, and removal from a Custom Audience on opt-out.

User data is normalized and SHA-256 hashed the way Meta matches it; the message id is
the event_id, so Meta deduplicates a retried send (and a pixel event with the same id).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from touchpoint import config
from touchpoint.channels import DeliveryError
from touchpoint.decide.model import Profile
from touchpoint.identity import sha256

DEFAULT_GRAPH = "https://graph.facebook.com/v21.0"
TIMEOUT_SECONDS = 5
AUDIENCE_REMOVAL = "audience_remove"


def enabled() -> bool:
    return bool(config.env("META_PIXEL_ID"))


def user_data(profile: Profile) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {"external_id": [sha256(profile.customer_id)]}
    if profile.email:
        data["em"] = [sha256(profile.email.strip().lower())]
    if profile.phone:
        data["ph"] = [sha256("".join(c for c in profile.phone if c.isdigit()))]
    if profile.country:
        data["country"] = [sha256(profile.country.strip().lower())]
    return data


def event(
    message_id: str, event_name: str, profile: Profile, context: dict[str, Any], at: float | None = None
) -> dict[str, Any]:
    items = context.get("items") or []
    custom: dict[str, Any] = {"content_ids": [str(i["product_id"]) for i in items], "content_type": "product"}
    total = sum(float(i.get("price") or 0) * int(i.get("quantity") or 1) for i in items)
    if total:
        custom.update(value=round(total, 2), currency=context.get("currency") or "USD")
    body: dict[str, Any] = {
        "event_name": event_name,
        "event_time": int(at or time.time()),
        "event_id": message_id,
        "action_source": "website",
        "user_data": user_data(profile),
        "custom_data": custom,
    }
    if context.get("url"):
        body["event_source_url"] = context["url"]
    return body


def _call(method: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    base = config.env("META_GRAPH_API_URL", DEFAULT_GRAPH).rstrip("/")
    payload = {**payload, "access_token": config.secret("META_ACCESS_TOKEN")}
    request = urllib.request.Request(
        f"{base}/{path}",
        data=json.dumps(payload).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer
    except urllib.error.HTTPError as exc:
        retryable = exc.code == 429 or exc.code >= 500
        raise DeliveryError(f"meta answered {exc.code}", retryable=retryable) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
        raise DeliveryError(f"meta unreachable: {exc}", retryable=True) from None


def send(events: list[dict[str, Any]]) -> str:
    """One request for up to 1000 events (Meta rejects the whole batch if one is invalid)."""
    payload: dict[str, Any] = {"data": events[:1000]}
    test_code = config.env("META_TEST_EVENT_CODE")
    if test_code:
        payload["test_event_code"] = test_code
    answer = _call("POST", f"{config.env('META_PIXEL_ID')}/events", payload)
    return str(answer.get("fbtrace_id") or answer.get("events_received") or "")


def remove_from_audience(profile: Profile) -> str:
    """DELETE the person from the Custom Audience named by META_AUDIENCE_ID (if one is configured)."""
    audience = config.env("META_AUDIENCE_ID")
    if not audience:
        return "no-audience-configured"
    data = user_data(profile)
    row = [(data.get("em") or [""])[0], (data.get("ph") or [""])[0]]
    _call(
        "DELETE",
        f"{audience}/users",
        {"payload": {"schema": ["EMAIL_SHA256", "PHONE_SHA256"], "data": [row]}},
    )
    return "removed"
