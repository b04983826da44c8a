"""Hypothesis throws random and mutated, correctly signed payloads at every route:
the answer is always one of 200/202/400/401/413 with a JSON body, never a 5xx."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.sim import payloads

from ..conftest import SECRET, WRITE_KEY

KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC = base64.b64encode(
    KEY.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
).decode()


def b64(body: bytes, prefix: bytes = b"") -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), prefix + body, hashlib.sha256).digest()).decode()


SIGNERS: dict[str, Callable[[bytes], dict[str, str]]] = {
    "shopify": lambda b: {"X-Shopify-Hmac-Sha256": b64(b), "X-Shopify-Topic": "orders/create"},
    "woocommerce": lambda b: {"X-WC-Webhook-Signature": b64(b), "X-WC-Webhook-Topic": "order.updated"},
    "zendesk": lambda b: {
        "X-Zendesk-Webhook-Signature": b64(b, b"1"),
        "X-Zendesk-Webhook-Signature-Timestamp": "1",
    },
    "generic": lambda b: {
        "X-Touchpoint-Signature": "sha256=" + hmac.new(SECRET.encode(), b, hashlib.sha256).hexdigest()
    },
    "segment": lambda b: {"Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()},
    "sendgrid": lambda b: {
        "X-Twilio-Email-Event-Webhook-Timestamp": "1",
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(
            KEY.sign(b"1" + b, ec.ECDSA(hashes.SHA256()))
        ).decode(),
    },
}
ROUTES: dict[str, tuple[str, Any]] = {
    "/webhooks/shopify/checkouts": ("shopify", payloads.checkout(60)),
    "/webhooks/shopify/orders": ("shopify", payloads.order(60)),
    "/webhooks/shopify/customers": ("shopify", payloads.customer(60)),
    "/webhooks/woocommerce/orders": (
        "woocommerce",
        {
            "id": 1,
            "status": "pending",
            "total": "1.00",
            "billing": {"email": "w@example.com"},
            "line_items": [{"product_id": 1, "quantity": 1, "price": 1}],
        },
    ),
    "/webhooks/zendesk/tickets": (
        "zendesk",
        {"ticket": {"id": 1, "status": "open"}, "requester": {"email": "z@example.com"}},
    ),
    "/webhooks/generic/checkouts": (
        "generic",
        {"event_id": "e", "customer": {"email": "g@example.com"}, "checkout": {"token": "t"}},
    ),
    "/webhooks/generic/orders": (
        "generic",
        {"event_id": "e", "customer": {"email": "g@example.com"}, "order": {"id": "1"}},
    ),
    "/webhooks/generic/tickets": (
        "generic",
        {"event_id": "e", "customer": {"email": "g@example.com"}, "ticket": {"id": "1"}},
    ),
    "/webhooks/generic/customers": ("generic", {"event_id": "e", "customer": {"email": "g@example.com"}}),
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
    "/webhooks/sendgrid/events": (
        "sendgrid",
        [{"event": "unsubscribe", "touchpoint_customer_id": "c1", "sg_event_id": "s"}],
    ),
}

leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
junk = st.recursive(
    leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def mutate(value: Any, data: st.DataObject, depth: int = 0) -> Any:
    if isinstance(value, dict) and value and depth < 3:
        key = data.draw(st.sampled_from(sorted(value)))
        choice = data.draw(st.sampled_from(["drop", "replace", "recurse"]))
        copy = dict(value)
        if choice == "drop":
            copy.pop(key)
        elif choice == "replace":
            copy[key] = data.draw(junk)
        else:
            copy[key] = mutate(copy[key], data, depth + 1)
        return copy
    if isinstance(value, list) and value and depth < 3:
        return [mutate(value[0], data, depth + 1), *value[1:]]
    return data.draw(junk)


@pytest.mark.parametrize("path", sorted(ROUTES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_and_mutated_payloads_never_5xx(
    path: str, data: st.DataObject, runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", PUBLIC)
    monkeypatch.setenv("SIGNATURE_TOLERANCE_SECONDS", "0")  # the fuzzer signs with a fixed timestamp
    signer, base = ROUTES[path]
    kind = data.draw(st.sampled_from(["mutated", "mutated", "junk_json", "bytes", "nested"]))
    if kind == "bytes":
        body = data.draw(st.binary(max_size=200))
    elif kind == "nested":
        depth = data.draw(st.sampled_from([10, 500, 990, 1500, 5000]))
        opener, closer = data.draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        body = (opener * depth + "1" + closer * depth).encode()
    elif kind == "junk_json":
        body = json.dumps(data.draw(junk)).encode()
    else:
        body = json.dumps(mutate(base, data)).encode()
    headers = SIGNERS[signer](body)
    response = runtime.http("POST", path, headers, body)
    assert response.status in (200, 202, 400, 401, 413), (response.status, body, response.body)
    assert isinstance(json.loads(response.body), dict)


FAMILIES = {
    "shopify": "/webhooks/shopify/orders",
    "woocommerce": "/webhooks/woocommerce/orders",
    "zendesk": "/webhooks/zendesk/tickets",
    "generic": "/webhooks/generic/orders",
    "segment": "/events",
    "sendgrid": "/webhooks/sendgrid/events",
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_5000_nested_arrays_are_a_400_naming_the_problem(
    family: str, runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", PUBLIC)
    monkeypatch.setenv("SIGNATURE_TOLERANCE_SECONDS", "0")
    body = b"[" * 5000 + b"]" * 5000
    response = runtime.http("POST", FAMILIES[family], SIGNERS[family](body), body)
    assert response.status == 400, response.body
    assert json.loads(response.body)["error"] == "body is nested too deeply"


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where the payload holds a string: each a path of keys and indexes."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, (*path, i))]
    return []


def _with(value: Any, path: tuple[Any, ...], leaf: str) -> Any:
    if not path:
        return leaf
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _with(value[path[0]], path[1:], leaf)
    return copy


TOPICS = {
    "/webhooks/shopify/checkouts": {"X-Shopify-Topic": "checkouts/create"},
    "/webhooks/shopify/customers": {"X-Shopify-Topic": "customers/update"},
}


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_a_lone_surrogate_in_any_string_is_a_400_naming_the_field_and_stores_nothing(
    path: str, runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "\\ud800" is valid JSON and no valid UTF-8: it once passed the models and failed the write
    (or the archive after it) as a 5xx on every redelivery."""
    from ..conftest import table_items

    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", PUBLIC)
    monkeypatch.setenv("SIGNATURE_TOLERANCE_SECONDS", "0")
    signer, base = ROUTES[path]
    stored = len(table_items(runtime))
    for where in _string_paths(base):
        body = json.dumps(_with(base, where, "ok \ud800")).encode()
        headers = {**SIGNERS[signer](body), **TOPICS.get(path, {})}
        response = runtime.http("POST", path, headers, body)
        assert response.status == 400, (where, response.body)
        error = json.loads(response.body)["error"]
        assert "surrogate" in error and str(where[-1]) in error, error
    assert len(table_items(runtime)) == stored
