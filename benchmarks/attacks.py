"""The attacker's part of `make reliability`: what a stranger holding a captured signed body, the
public storefront write key or one of a shopper's mails can make the stack do. Each case counts
the harm it achieved; the promise is that every count is 0."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub
from touchpoint_tools.sim import payloads

Post = Callable[[str, str, dict[str, Any]], Any]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every string in a JSON document."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path] if isinstance(value, str) else []


def _with(value: Any, path: tuple[Any, ...], leaf: str) -> Any:
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = leaf
    return copy


def surrogates(runtime: LocalRuntime, routes: dict[str, tuple[str, Any]], signers: dict[str, Any]) -> Counter:
    """Every string field of every route's body set to a lone surrogate, signed: answers by status."""
    answers: Counter = Counter()
    for path, (signer, base) in routes.items():
        for leaf in _leaves(base):
            body = json.dumps(_with(base, leaf, "x\ud800")).encode()  # json escapes it as \ud800
            answers[runtime.http("POST", path, signers[signer](body), body).status] += 1
    return answers


def _stored(customer_id: str) -> str:
    profile, messages = store.load(customer_id)
    return json.dumps([profile, [store.raw(m) for m in messages]], sort_keys=True, default=str)


def topic_swaps(post: Post, now: datetime) -> dict[str, int]:
    """A captured signed checkout, order and product replayed under other topics."""
    n = 700
    checkout, order = payloads.checkout(n, at=now), payloads.order(n, at=now)
    post("checkouts", "checkouts/create", checkout)
    post("orders", "orders/create", order)
    product = {"id": 7001, "title": "Hat", "handle": "hat", "updated_at": "2026-01-01T00:00:00Z"}
    product["variants"] = [{"price": "10.00"}]
    post("products", "products/update", product)
    customer_id = store.find_customer(f"shopper{n}@example.com") or ""
    before = _stored(customer_id)
    swaps = [
        ("customers", "customers/data_request", checkout),
        ("customers", "customers/redact", checkout),
        ("customers", "customers/update", checkout),
        ("orders", "orders/create", checkout),
        ("orders", "orders/cancelled", order),
        ("products", "products/delete", product),
    ]
    answers = [post(resource, topic, body) for resource, topic, body in swaps]
    from touchpoint.catalog import store as catalog

    return {
        "topic swaps": len(swaps),
        "topic swaps accepted": sum(1 for a in answers if a.status != 400),
        "topic swaps that changed the customer": int(_stored(customer_id) != before),
        "topic swaps that deleted a product": sum(1 for p in catalog.read(["7001"]).values() if p.deleted),
    }


def _segment(runtime: LocalRuntime, key: str, call: dict[str, Any], secret: str = "") -> dict[str, Any]:
    headers, body = payloads.segment([call], key, secret)
    answer = runtime.http("POST", "/events", headers, body)
    return dict(json.loads(answer.body or b"{}"), status=answer.status)


def impersonation(runtime: LocalRuntime, post: Post, key: str, now: datetime) -> dict[str, int]:
    """With the public write key and a shopper's address alone: read, attach, rename, buy."""
    n = 710
    email = f"shopper{n}@example.com"
    post("checkouts", "checkouts/create", payloads.checkout(n, at=now, email_consent="subscribed"))
    customer_id = store.find_customer(email) or ""
    profile, messages = store.load(customer_id)
    planned = {m.message_id: m.status for m in messages}
    claim: dict[str, Any] = {"type": "identify", "messageId": "atk-1", "anonymousId": "atk", "userId": email}
    claim["traits"] = {"email": email, "firstName": "ACTION REQUIRED: verify at http://evil.example"}
    seen = [_segment(runtime, key, claim)]
    seen.append(_segment(runtime, key, {"type": "page", "messageId": "atk-2", "anonymousId": "atk"}))
    buy: dict[str, Any] = {"type": "track", "event": "Order Completed", "messageId": "atk-3", "userId": email}
    buy["properties"] = {"order_id": "fake", "revenue": "2000000000000", "checkout_id": f"tok-{n}"}
    _segment(runtime, key, buy)
    after, messages = store.load(customer_id)
    revealed = [s for s in seen if customer_id in json.dumps(s) or "recover" in json.dumps(s)]
    return {
        "storefront calls without proof that revealed the shopper": len(revealed),
        "storefront ids attached without proof": int(after.get("aliases") != profile.get("aliases")),
        "storefront renames without proof": int(after.get("first_name") != profile.get("first_name")),
        "storefront orders counted as money": int(
            bool(after.get("revenue_cents") or after.get("orders_count"))
        ),
        "storefront orders that cancelled reminders": int(
            {m.message_id: m.status for m in messages} != planned
        ),
    }


def _mails_to(stub: SendGridStub, email: str) -> list[dict[str, Any]]:
    return [r["body"] for r in stub.requests if r["body"]["personalizations"][0]["to"][0]["email"] == email]


def unsubscribe_after_merge(
    runtime: LocalRuntime, stub: SendGridStub, post: Post, key: str, secret: str, now: datetime
) -> dict[str, int]:
    """A guest's mail, her sign-in folding the guest into her account, then the mail's one-click
    unsubscribe: it must reach the survivor and no marketing may follow."""
    n = 720
    email = f"shopper{n}@example.com"
    sign_in = {"type": "identify", "messageId": "acc-1", "userId": f"user-{n}", "traits": {}}
    _segment(runtime, key, sign_in, secret)
    post("checkouts", "checkouts/create", payloads.checkout(n, at=now, email_consent="subscribed"))
    runtime.dispatch(now + timedelta(hours=2))
    mails = _mails_to(stub, email)
    _segment(runtime, key, {**sign_in, "messageId": "acc-2", "traits": {"email": email}}, secret)
    survivor = store.find_customer(f"user-{n}") or ""
    link = re.search(r"https?://[^/\"]+(/unsubscribe/[A-Za-z0-9_\-.]+)", json.dumps(mails[:1]))
    answer = runtime.http("POST", link.group(1), {}, b"List-Unsubscribe=One-Click") if link else None
    sent = len(_mails_to(stub, email))
    post("checkouts", "checkouts/create", payloads.checkout(n, at=now, token="tok-later"))
    for days in (1, 2, 3):
        runtime.dispatch(now + timedelta(days=days))
    consent = store.load_profile(survivor).get("consent_email", {}).get("state")
    return {
        "guest mails with an unsubscribe link": len(mails) if link else 0,
        "unsubscribes after a merge not applied": int(
            answer is None or answer.status != 200 or consent != "unsubscribed"
        ),
        "marketing after an unsubscribe": len(_mails_to(stub, email)) - sent,
    }


HARMS = (
    "topic swaps accepted",
    "topic swaps that changed the customer",
    "topic swaps that deleted a product",
    "storefront calls without proof that revealed the shopper",
    "storefront ids attached without proof",
    "storefront renames without proof",
    "storefront orders counted as money",
    "storefront orders that cancelled reminders",
    "unsubscribes after a merge not applied",
    "marketing after an unsubscribe",
)


def broken(found: dict[str, Any]) -> int:
    """Harms achieved, plus a case that could not be played (no guest mail to unsubscribe from)."""
    return sum(int(found[h]) for h in HARMS) + (found["guest mails with an unsubscribe link"] != 1)
