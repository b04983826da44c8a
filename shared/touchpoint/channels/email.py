"""E-mail through SendGrid v3 mail/send, with the official client."""

from __future__ import annotations

from typing import Any
from urllib.error import URLError

from touchpoint import config, settings
from touchpoint.channels import DeliveryError
from touchpoint.content.render import Rendered

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


def payload(to: str, rendered: Rendered, message_id: str, customer_id: str, category: str) -> dict[str, Any]:
    """The mail/send body. custom_args come back on every event webhook: no PII in them.

    Bulk-sender rules (Gmail, Yahoo, RFC 8058): a List-Unsubscribe URL that works with one POST,
    announced by List-Unsubscribe-Post; the same link stands visibly in the footer."""
    personalization: dict[str, Any] = {
        "to": [{"email": to}],
        "custom_args": {"touchpoint_message_id": message_id, "touchpoint_customer_id": customer_id},
    }
    body: dict[str, Any] = {
        "personalizations": [personalization],
        "from": {"email": config.email_from(), "name": rendered.data.get("shop", {}).get("name", "")},
        "categories": [category[:255]],
    }
    if rendered.unsubscribe_url:
        unsubscribe = [f"<{rendered.unsubscribe_url}>"]
        if config.env("UNSUBSCRIBE_MAILTO"):
            unsubscribe.append(f"<mailto:{config.env('UNSUBSCRIBE_MAILTO')}?subject=unsubscribe>")
        body["headers"] = {
            "List-Unsubscribe": ", ".join(unsubscribe),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    if rendered.asm_group_id:
        body["asm"] = {"group_id": rendered.asm_group_id}
    if rendered.sendgrid_template_id:
        body["template_id"] = rendered.sendgrid_template_id
        personalization["dynamic_template_data"] = rendered.data
        return body
    body["subject"] = rendered.subject or "A message from us"
    body["content"] = [
        {"type": "text/plain", "value": rendered.text},
        {"type": "text/html", "value": rendered.html},
    ]
    return body


def send(body: dict[str, Any]) -> str:
    from python_http_client.exceptions import HTTPError
    from sendgrid import SendGridAPIClient

    client = SendGridAPIClient(
        api_key=config.secret("SENDGRID_API_KEY", "SG.local"), host=config.sendgrid_host()
    )
    timeout = float(settings.get("SENDGRID_TIMEOUT_SECONDS"))
    client.client.timeout = timeout
    try:
        response = client.send(body)
    except HTTPError as exc:
        status = int(getattr(exc, "status_code", 0) or 0)
        raise DeliveryError(f"sendgrid answered {status}", retryable=status in RETRYABLE_STATUS) from None
    except URLError as exc:  # raised while connecting: nothing was sent
        raise DeliveryError(f"sendgrid unreachable: {exc.reason}", retryable=True) from None
    except ConnectionRefusedError as exc:
        raise DeliveryError(f"sendgrid unreachable: {exc}", retryable=True) from None
    except (TimeoutError, ConnectionError) as exc:  # after the request went out: it may have arrived
        raise DeliveryError(
            f"sendgrid did not answer within {timeout:g} s ({type(exc).__name__}): outcome unknown",
            retryable=False,
            unknown=True,
        ) from None
    headers = getattr(response, "headers", None) or {}
    return str(headers.get("X-Message-Id", "") or "")
