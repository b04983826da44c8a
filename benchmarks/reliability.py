"""`make reliability`: the promise "never a duplicate or unwanted send, never a 5xx for client
input", measured rather than asserted. Everything runs on this machine: an embedded moto
server, the local runtime (the real handlers) and a SendGrid stub that injects faults.

Printed: signed fuzz cases per route and the answers they got, concurrent redeliveries and
the effects they had, a shop of customers through checkouts, duplicate checkouts, orders,
opt-outs and the Dispatcher's clock with provider faults injected, and what was sent:
duplicate sends, sends without consent, SMS inside quiet hours, messages left unsettled.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import resource
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SECRET = "reliability-secret"
os.environ.update(
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="local",
    AWS_SECRET_ACCESS_KEY="local",
    POWERTOOLS_LOG_LEVEL="CRITICAL",
    POWERTOOLS_METRICS_DISABLED="true",
    SHOPIFY_WEBHOOK_SECRET=SECRET,
    WOOCOMMERCE_WEBHOOK_SECRET=SECRET,
    ZENDESK_WEBHOOK_SECRET=SECRET,
    GENERIC_WEBHOOK_SECRET=SECRET,
    WEB_WRITE_KEY=SECRET,
    IDENTITY_SECRET="reliability-identity-secret",
    SIGNATURE_TOLERANCE_SECONDS="0",
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from touchpoint_tools.local import emulation  # noqa: E402
from touchpoint_tools.local.runtime import LocalRuntime, find_template  # noqa: E402
from touchpoint_tools.local.sendgrid_stub import SendGridStub  # noqa: E402
from touchpoint_tools.local.template import load  # noqa: E402
from touchpoint_tools.sim import payloads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = int(os.environ.get("RELIABILITY_CASES", "150"))


def _b64(body: bytes, prefix: bytes = b"") -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), prefix + body, hashlib.sha256).digest()).decode()


SIGNERS: dict[str, Callable[[bytes], dict[str, str]]] = {
    "shopify": lambda b: {"X-Shopify-Hmac-Sha256": _b64(b), "X-Shopify-Topic": "orders/create"},
    "shopify-checkout": lambda b: {"X-Shopify-Hmac-Sha256": _b64(b), "X-Shopify-Topic": "checkouts/update"},
    "shopify-product": lambda b: {"X-Shopify-Hmac-Sha256": _b64(b), "X-Shopify-Topic": "products/update"},
    "none": lambda b: {"Content-Type": "application/x-www-form-urlencoded"},
    "woocommerce": lambda b: {"X-WC-Webhook-Signature": _b64(b), "X-WC-Webhook-Topic": "order.updated"},
    "zendesk": lambda b: {
        "X-Zendesk-Webhook-Signature": _b64(b, b"1"),
        "X-Zendesk-Webhook-Signature-Timestamp": "1",
    },
    "generic": lambda b: {
        "X-Touchpoint-Signature": "sha256=" + hmac.new(SECRET.encode(), b, hashlib.sha256).hexdigest()
    },
    "segment": lambda b: {"Authorization": "Basic " + base64.b64encode(f"{SECRET}:".encode()).decode()},
}
ROUTES: dict[str, tuple[str, Any]] = {
    "/webhooks/shopify/checkouts": ("shopify-checkout", payloads.checkout(1)),
    "/webhooks/shopify/orders": ("shopify", payloads.order(1)),
    "/webhooks/woocommerce/orders": (
        "woocommerce",
        {
            "id": 1,
            "status": "pending",
            "total": "1.00",
            "billing": {"email": "w@example.com"},
            "line_items": [],
        },
    ),
    "/webhooks/zendesk/tickets": (
        "zendesk",
        {"ticket": {"id": 1, "status": "open"}, "requester": {"email": "z@example.com"}},
    ),
    "/webhooks/generic/orders": (
        "generic",
        {"event_id": "e", "customer": {"email": "g@example.com"}, "order": {"id": "1"}},
    ),
    "/webhooks/shopify/products": (
        "shopify-product",
        {
            "id": 1,
            "title": "Hat",
            "handle": "hat",
            "updated_at": "2026-11-01T00:00:00Z",
            "variants": [{"price": "1.00"}],
        },
    ),
    "/webhooks/generic/products": ("generic", {"product": {"id": "1", "updated_at": "2026-11-01T00:00:00Z"}}),
    "/unsubscribe/forged.token": ("none", {"List-Unsubscribe": "One-Click"}),
    "/events": (
        "segment",
        {
            "type": "track",
            "event": "Product Viewed",
            "messageId": "m",
            "anonymousId": "a",
            "properties": {"product_id": "p"},
        },
    ),
}
JUNK: list[Any] = [
    None,
    True,
    -1,
    2**70,
    1e308,
    "",
    "x" * 3000,
    "\u0000\ud7ff",
    [],
    {},
    [1, [2, [3]]],
    {"a": {"b": None}},
]


def _mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    if isinstance(value, dict) and value and depth < 3:
        copy = dict(value)
        key = rng.choice(sorted(copy))
        move = rng.choice(("drop", "junk", "recurse"))
        if move == "drop":
            copy.pop(key)
        else:
            copy[key] = rng.choice(JUNK) if move == "junk" else _mutate(copy[key], rng, depth + 1)
        return copy
    if isinstance(value, list) and value and depth < 3:
        return [_mutate(value[0], rng, depth + 1), *value[1:]]
    return rng.choice(JUNK)


def _case(base: Any, rng: random.Random) -> bytes:
    kind = rng.choice(("mutated", "mutated", "mutated", "nested", "bytes", "junk"))
    if kind == "nested":
        depth = rng.choice((100, 990, 1500, 5000, 20000))
        return b"[" * depth + b"]" * depth
    if kind == "bytes":
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if kind == "junk":
        return json.dumps(rng.choice(JUNK)).encode()
    return json.dumps(_mutate(base, rng)).encode()


def fuzz(runtime: LocalRuntime, rng: random.Random) -> list[tuple[str, int, Counter[int]]]:
    rows = []
    for path, (signer, base) in ROUTES.items():
        answers: Counter[int] = Counter()
        for _ in range(CASES):
            body = _case(base, rng)
            answers[runtime.http("POST", path, SIGNERS[signer](body), body).status] += 1
        rows.append((path, CASES, answers))
    return rows


def redeliveries(runtime: LocalRuntime, copies: int = 50) -> tuple[int, int, int]:
    body = json.dumps(payloads.checkout(900, at=datetime.now(UTC))).encode()
    headers = payloads.shopify_headers("checkouts/create", body, SECRET, "redelivered")

    def post(_: int) -> tuple[int, bool]:
        response = runtime.http("POST", "/webhooks/shopify/checkouts", headers, body)
        return response.status, bool(json.loads(response.body or b"{}").get("duplicate"))

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(post, range(copies)))
    applied = sum(1 for status, duplicate in answers if status == 200 and not duplicate)
    errors = sum(1 for status, _ in answers if status >= 500)
    return copies, applied, errors


def _shopify(runtime: LocalRuntime, resource: str, topic: str, payload: dict[str, Any]) -> int:
    body = json.dumps(payload).encode()
    return runtime.http(
        "POST", f"/webhooks/shopify/{resource}", payloads.shopify_headers(topic, body, SECRET), body
    ).status


def shop_run(runtime: LocalRuntime, stub: SendGridStub, now: datetime) -> dict[str, Any]:
    """A shop's week with faults: who may receive what is known up front, then checked."""
    statuses: Counter[int] = Counter()
    consenting, refusing = range(100, 130), range(130, 150)
    for n in consenting:
        statuses[
            _shopify(runtime, "checkouts", "checkouts/create", payloads.checkout(n, at=now, token=f"a-{n}"))
        ] += 1
        if n % 3 == 0:  # a second checkout: must supersede, never a second series
            second = payloads.checkout(n, at=now + timedelta(seconds=1), token=f"b-{n}")
            statuses[_shopify(runtime, "checkouts", "checkouts/create", second)] += 1
        if n % 5 == 0:  # orders after 30 minutes: no reminder at all
            statuses[
                _shopify(
                    runtime, "orders", "orders/create", payloads.order(n, at=now + timedelta(minutes=30))
                )
            ] += 1
    for n in refusing:
        payload = payloads.checkout(n, at=now, email_consent="not_subscribed", country="US", province="KY")
        payload["customer"] = payloads.customer(
            n, email_consent="not_subscribed", sms_consent="subscribed", phone="(502) 459-2181"
        )
        statuses[_shopify(runtime, "checkouts", "checkouts/create", payload)] += 1
    stub.fail_every = 4  # one SendGrid request in four answers 503: retried, never doubled
    for hours in (2, 25, 49, 73, 97):
        runtime.dispatch(now + timedelta(hours=hours))
        for _ in range(5):
            runtime.drain()
    runtime.dispatch(now + timedelta(hours=98))  # leases of anything retried have run out by now
    runtime.drain()
    stub.fail_every = 0
    refusing_emails = {f"shopper{n}@example.com" for n in refusing}
    ordered_emails = {f"shopper{n}@example.com" for n in consenting if n % 5 == 0}
    to = stub.recipients()
    reminders = Counter(
        r["body"]["personalizations"][0]["to"][0]["email"]
        for r in stub.requests
        if r["body"]["personalizations"][0]["custom_args"]["touchpoint_message_id"].startswith(
            "cart_abandonment.email_1h"
        )
    )
    return {
        "events": sum(statuses.values()),
        "5xx": sum(c for s, c in statuses.items() if s >= 500),
        "sends": len(stub.requests),
        "faults": stub.received - len(stub.requests),
        "duplicate sends": _duplicate_sends(stub),
        "second reminder series": sum(c - 1 for c in reminders.values() if c > 1),
        "sent without consent": sum(1 for email in to if email in refusing_emails),
        "cart reminders after an order": sum(1 for email in reminders if email in ordered_emails),
        "messages lost": _unsettled(now + timedelta(hours=97)),
    }


def _unsettled(by: datetime) -> int:
    """Messages due by then that did not end sent, failed, suppressed, cancelled or held out."""
    from touchpoint.profiles.models import MESSAGE_PREFIX, MessageItem

    final = {"sent", "failed", "suppressed", "cancelled", "holdout"}
    return sum(
        1
        for m in MessageItem.scan(MessageItem.sk.startswith(MESSAGE_PREFIX))
        if m.status not in final and m.due_at is not None and m.due_at <= by
    )


def _post_shopify(
    runtime: LocalRuntime, resource: str, topic: str, payload: dict[str, Any], hook: str
) -> Any:
    """One webhook as Shopify delivers it: retried with the same webhook id while it gets a 5xx."""
    body = json.dumps(payload).encode()
    headers = payloads.shopify_headers(topic, body, SECRET, hook)
    for _ in range(5):
        answer = runtime.http("POST", f"/webhooks/shopify/{resource}", headers, body)
        if answer.status < 500:
            return answer
    return answer


def _duplicate_sends(stub: SendGridStub) -> int:
    """Mails SendGrid took more than once for one message."""
    ids = Counter(
        r["body"]["personalizations"][0]["custom_args"]["touchpoint_message_id"] for r in stub.requests
    )
    return sum(c - 1 for c in ids.values() if c > 1)


PROVIDER_FAULTS = ["ok", "429", "ok", "timeout", "500", "close", "ok", "drop", "503", "ok"]


def provider_run(runtime: LocalRuntime, stub: SendGridStub, now: datetime) -> dict[str, Any]:
    """Every way a SendGrid request can go wrong, in turn: throttled and failed answers are
    retried; a timeout, or a connection closed with no answer, may have reached SendGrid and is
    never resent. SendGrid then posts its events for the mails it took (they settle those as
    sent); the rest fail after the reconciliation window with `no_provider_event`."""
    from touchpoint_tools.local.signing import headers_for

    os.environ["SENDGRID_TIMEOUT_SECONDS"] = "1"
    stub.requests.clear()
    stub.script, stub.hang_seconds, stub.received = list(PROVIDER_FAULTS), 2.0, 0
    for n in range(300, 340):
        _post_shopify(runtime, "checkouts", "checkouts/create", payloads.checkout(n, at=now), f"p-{n}")
    for _ in range(4):  # the Dispatcher's next runs and the queue's redeliveries
        runtime.dispatch(now + timedelta(hours=2))
    stub.script = []
    accepted = [
        {
            "event": "processed",
            "email": r["body"]["personalizations"][0]["to"][0]["email"],
            "timestamp": int((now + timedelta(hours=2)).timestamp()),
            "sg_message_id": f"sg-{i}",
            **r["body"]["personalizations"][0]["custom_args"],
        }
        for i, r in enumerate(stub.requests)
    ]
    body = json.dumps(accepted).encode()
    events_path = "/webhooks/sendgrid/events"
    answer = runtime.http("POST", events_path, headers_for(events_path, body, now), body)
    closing = now + timedelta(hours=26, minutes=1)  # past the window of everything sent at +2 h
    runtime.dispatch(closing)
    settled = _messages_due(range(300, 340), closing)
    del os.environ["SENDGRID_TIMEOUT_SECONDS"]
    return {
        "provider requests": stub.received,
        "events webhook": answer.status,
        "unknown outcomes": sum(1 for _, reasons in settled if "outcome_unknown" in reasons),
        "unknown outcomes reconciled by provider events": sum(
            1 for _, reasons in settled if "provider:processed" in reasons
        ),
        "unknown outcomes failed after the window": sum(
            1 for status, reasons in settled if status == "failed" and "no_provider_event" in reasons
        ),
        "provider-phase messages not settled": sum(
            1
            for status, _ in settled
            if status not in {"sent", "failed", "suppressed", "cancelled", "holdout"}
        ),
        "provider duplicate sends": _duplicate_sends(stub),
    }


def _messages_due(shoppers: range, by: datetime) -> list[tuple[str, list[str]]]:
    """Status and reasons of every message of these shoppers due by then."""
    from touchpoint.profiles import store

    found = []
    for n in shoppers:
        _, items = store.load(store.find_customer(f"shopper{n}@example.com") or "")
        found += [(m.status, list(m.reasons or [])) for m in items if m.due_at and m.due_at <= by]
    return found


def lossy_run(runtime: LocalRuntime, stub: SendGridStub, moto_url: str, now: datetime) -> dict[str, Any]:
    """Checkouts, orders and the Dispatcher with 15% of DynamoDB's answers lost on the way back
    (a proxy closes the connection after the write): each event applied once, no first delivery
    called a duplicate, no message sent twice or left unsettled."""
    from lossy_proxy import LossyProxy

    from touchpoint.profiles import store
    from touchpoint.profiles.models import reset_connections

    stub.requests.clear()
    answers: list[Any] = []
    with LossyProxy(moto_url, drop=0.15) as proxy:
        emulation.use_endpoint(proxy.url)
        reset_connections()
        try:
            for n in range(400, 440):
                checkout = payloads.checkout(n, at=now)
                answers.append(_post_shopify(runtime, "checkouts", "checkouts/create", checkout, f"l-{n}"))
                if n % 4 == 0:
                    order = payloads.order(n, at=now + timedelta(minutes=30))
                    answers.append(_post_shopify(runtime, "orders", "orders/create", order, f"lo-{n}"))
            for hours in (2, 2, 25, 25, 49):
                runtime.dispatch(now + timedelta(hours=hours))
        finally:
            emulation.use_endpoint(moto_url)
            reset_connections()
    bodies = [json.loads(a.body or b"{}") for a in answers]
    expected = {n: 1 + (n % 4 == 0) for n in range(400, 440)}
    counts = {
        n: int(store.load(store.find_customer(f"shopper{n}@example.com") or "")[0].get("event_count", 0))
        for n in expected
    }
    return {
        "DynamoDB answers lost": proxy.dropped,
        "AWS requests through the proxy": proxy.forwarded,
        "lossy 5xx after platform retries": sum(1 for a in answers if a.status >= 500),
        "first deliveries called duplicate": sum(1 for b in bodies if b.get("duplicate")),
        "events not applied exactly once": sum(1 for n, c in expected.items() if counts[n] != c),
        "lossy duplicate sends": _duplicate_sends(stub),
        "lossy messages lost": _unsettled(now + timedelta(hours=48)),
    }


def attack_run(runtime: LocalRuntime, stub: SendGridStub, now: datetime) -> dict[str, Any]:
    """The attacker's cases (benchmarks/attacks.py) against the same stack."""
    import attacks

    def post(resource: str, topic: str, payload: dict[str, Any]) -> Any:
        body = json.dumps(payload).encode()
        headers = payloads.shopify_headers(topic, body, SECRET)
        return runtime.http("POST", f"/webhooks/shopify/{resource}", headers, body)

    stub.requests.clear()
    found: dict[str, Any] = {}
    answers = attacks.surrogates(runtime, ROUTES, SIGNERS)
    found["lone-surrogate cases"] = sum(answers.values())
    found["lone-surrogate answers"] = ", ".join(f"{s}: {c}" for s, c in sorted(answers.items()))
    found["lone-surrogate 5xx"] = sum(c for s, c in answers.items() if s >= 500)
    found.update(attacks.topic_swaps(post, now))
    found.update(attacks.impersonation(runtime, post, SECRET, now))
    identity = os.environ["IDENTITY_SECRET"]
    found.update(attacks.unsubscribe_after_merge(runtime, stub, post, SECRET, identity, now))
    found["attacks that did harm"] = attacks.broken(found) + found["lone-surrogate 5xx"]
    return found


RSS_BOUND_MB = 600


def _rss_mb() -> float:
    """Current resident set of this process (the embedded moto server and the runtime live here)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_run(runtime: LocalRuntime, events: int = 2000) -> dict[str, Any]:
    """2,000 checkouts with 60 KB names: moto once deep-copied the table per transaction item
    (20 GB, minutes per Ctrl-C); the emulation now saves only the items a transaction touches."""
    before, started = _rss_mb(), time.perf_counter()
    for n in range(events):
        checkout = payloads.checkout(90_000 + n)
        checkout["shipping_address"] = {**checkout["shipping_address"], "first_name": "N" * 60_000}
        _shopify(runtime, "checkouts", "checkouts/create", checkout)
    seconds = time.perf_counter() - started
    grown = _rss_mb() - before
    return {
        "large events": events,
        "RSS growth MB": round(grown),
        "ms per large event": round(1000 * seconds / events, 1),
    }


def main() -> int:
    rng = random.Random(7)
    report, sys.stdout = sys.stdout, sys.stderr  # the handlers' JSON logs and metrics go to stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = emulation.start_moto("127.0.0.1", port)
    try:
        with SendGridStub() as stub:
            os.environ["SENDGRID_API_HOST"] = stub.url
            public_key = ROOT / "events" / "sendgrid-sample-public-key.txt"
            os.environ["SENDGRID_WEBHOOK_PUBLIC_KEY"] = public_key.read_text().strip()
            runtime = LocalRuntime(load(find_template(str(ROOT / "template.yaml"))))
            runtime.bootstrap()
            rows = fuzz(runtime, rng)
            copies, applied, redelivery_errors = redeliveries(runtime)
            now = datetime.now(UTC)
            shop = shop_run(runtime, stub, now)
            shop.update(provider_run(runtime, stub, now))
            shop.update(lossy_run(runtime, stub, f"http://127.0.0.1:{port}", now))
            shop.update(attack_run(runtime, stub, now))
            shop.update(memory_run(runtime))
    finally:
        server.stop()
        sys.stdout = report
    shop["peak RSS MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return _report(rows, copies, applied, redelivery_errors, shop)


def _report(rows: list[Any], copies: int, applied: int, errors: int, shop: dict[str, Any]) -> int:
    print(
        "## Signed fuzz cases (mutated fields, junk, raw bytes, nesting up to 20,000 deep; a forged unsubscribe token)\n"
    )
    print("| route | cases | answers | 5xx |\n|---|---|---|---|")
    fivexx = 0
    for path, cases, answers in rows:
        bad = sum(c for s, c in answers.items() if s >= 500)
        fivexx += bad
        shown = ", ".join(f"{s}: {c}" for s, c in sorted(answers.items()))
        print(f"| {path} | {cases} | {shown} | {bad} |")
    print(
        f"\n## Concurrent redeliveries\n\n{copies} copies of one checkout in 16 threads: applied {applied} time(s), {errors} 5xx\n"
    )
    print(
        "## A shop's week through the Dispatcher (SendGrid answering 503 to one request in four); "
        f"SendGrid meeting {', '.join(PROVIDER_FAULTS)} in turn; 15% of DynamoDB's answers lost; an attacker's cases; then memory\n"
    )
    for key, value in shop.items():
        print(f"- {key}: {value}")
    broken = (
        fivexx
        + errors
        + (applied != 1)
        + shop["5xx"]
        + shop["duplicate sends"]
        + shop["second reminder series"]
        + shop["sent without consent"]
        + shop["cart reminders after an order"]
        + shop["messages lost"]
        + (shop["events webhook"] != 200)
        + shop["provider-phase messages not settled"]
        + shop["provider duplicate sends"]
        + shop["lossy 5xx after platform retries"]
        + shop["first deliveries called duplicate"]
        + shop["events not applied exactly once"]
        + shop["lossy duplicate sends"]
        + shop["lossy messages lost"]
        + (shop["RSS growth MB"] > RSS_BOUND_MB)
        + shop["attacks that did harm"]
    )
    total = sum(cases for _, cases, _ in rows)
    dup_sends = shop["duplicate sends"] + shop["provider duplicate sends"] + shop["lossy duplicate sends"]
    verdict = "held" if not broken else "BROKEN"
    print(
        f"\nPromise {verdict}: {total} fuzz cases with {fivexx} 5xx; {dup_sends} duplicate sends; "
        f"{shop['sent without consent'] + shop['cart reminders after an order']} unwanted sends; "
        f"{shop['messages lost'] + shop['lossy messages lost']} messages lost; "
        f"{shop['unknown outcomes reconciled by provider events']} unknown outcomes reconciled, "
        f"{shop['unknown outcomes failed after the window']} failed after the window; "
        f"{shop['attacks that did harm']} attacks that did harm; "
        f"memory grew {shop['RSS growth MB']} MB over {shop['large events']} large events (bound {RSS_BOUND_MB} MB)"
    )
    return 0 if not broken else 1


if __name__ == "__main__":
    sys.exit(main())
