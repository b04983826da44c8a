"""`touchpoint connect` against loopback stand-ins for Shopify's Admin GraphQL API and
WooCommerce's REST API that check each request the way the real APIs document them."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ..conftest import ROOT

API = "https://abc123.execute-api.eu-west-1.amazonaws.com"
TOKEN = "shpat_test"
SHOPIFY_TOPICS = {
    "APP_UNINSTALLED", "CHECKOUTS_CREATE", "CHECKOUTS_DELETE", "CHECKOUTS_UPDATE", "CUSTOMERS_CREATE",
    "CUSTOMERS_UPDATE", "INVENTORY_LEVELS_UPDATE", "ORDERS_CANCELLED", "ORDERS_CREATE", "ORDERS_PAID",
    "ORDERS_UPDATED", "PRODUCTS_CREATE", "PRODUCTS_DELETE", "PRODUCTS_UPDATE", "REFUNDS_CREATE",
}  # fmt: skip


class Stub:
    """A loopback HTTP server; `answer(handler, body)` is the platform."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw) if raw else None
                stub.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                status, answer = stub.answer(self.command, self.path, dict(self.headers), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _any

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        raise NotImplementedError


class Shopify(Stub):
    """webhookSubscriptions (paginated) and webhookSubscriptionCreate, Admin API 2026-10."""

    def __init__(self, existing: list[tuple[str, str]] = (), page: int = 4) -> None:  # type: ignore[assignment]
        super().__init__()
        self.subscriptions = [
            {"id": f"gid://shopify/WebhookSubscription/{i}", "topic": t, "uri": u}
            for i, (t, u) in enumerate(existing)
        ]
        self.page = page
        self.refuse: set[str] = set()  # topics answered with a userError

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        assert method == "POST" and re.fullmatch(r"/admin/api/\d{4}-\d{2}/graphql\.json", path), path
        if headers.get("X-Shopify-Access-Token") != TOKEN:
            return 401, {
                "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
            }
        assert headers.get("Content-Type") == "application/json"
        query, variables = body["query"], body.get("variables") or {}
        if "webhookSubscriptionCreate(" in query:
            return 200, self._create(variables)
        assert "webhookSubscriptions(first: 100" in query
        start = int(variables.get("after") or 0)
        nodes = self.subscriptions[start : start + self.page]
        more = start + self.page < len(self.subscriptions)
        return 200, {
            "data": {
                "webhookSubscriptions": {
                    "nodes": nodes,
                    "pageInfo": {"hasNextPage": more, "endCursor": str(start + self.page)},
                }
            }
        }

    def _create(self, variables: dict[str, Any]) -> dict[str, Any]:
        topic, subscription = variables["topic"], variables["subscription"]
        if topic not in SHOPIFY_TOPICS:
            return {
                "errors": [
                    {
                        "message": f"Variable $topic of type WebhookSubscriptionTopic! was provided invalid value {topic}"
                    }
                ]
            }
        assert (
            set(subscription) <= {"uri", "format", "filter", "includeFields"}
            and subscription["format"] == "JSON"
        )
        errors = []
        if not subscription["uri"].startswith("https://"):
            errors.append(
                {
                    "field": ["webhookSubscription", "uri"],
                    "message": "Address protocol http:// is not supported",
                }
            )
        if any(s["topic"] == topic and s["uri"] == subscription["uri"] for s in self.subscriptions):
            errors.append(
                {
                    "field": ["webhookSubscription", "uri"],
                    "message": "Address for this topic has already been taken",
                }
            )
        if topic in self.refuse:
            errors.append({"field": ["topic"], "message": "Access denied for this topic (missing scope)"})
        if errors:
            return {
                "data": {"webhookSubscriptionCreate": {"webhookSubscription": None, "userErrors": errors}}
            }
        created = {
            "id": f"gid://shopify/WebhookSubscription/{len(self.subscriptions)}",
            "topic": topic,
            "uri": subscription["uri"],
        }
        self.subscriptions.append(created)
        return {"data": {"webhookSubscriptionCreate": {"webhookSubscription": created, "userErrors": []}}}

    def creates(self) -> list[dict[str, Any]]:
        return [
            r["body"]["variables"]
            for r in self.requests
            if "webhookSubscriptionCreate(" in r["body"]["query"]
        ]


WOO_KEY, WOO_SECRET = "ck_test", "cs_test"
WOO_TOPICS = {
    "order.created",
    "order.updated",
    "order.deleted",
    "product.created",
    "product.updated",
    "product.deleted",
    "product.restored",
    "customer.created",
}


class WooCommerce(Stub):
    """GET/POST /wp-json/wc/v3/webhooks and PUT /webhooks/<id>, Basic auth with a REST API key."""

    def __init__(self, existing: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
        super().__init__()
        self.hooks = [{"id": i + 1, **h} for i, h in enumerate(existing)]

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {
                "code": "woocommerce_rest_cannot_view",
                "message": "Sorry, you cannot list resources.",
                "data": {"status": 401},
            }
        route, _, query = path.partition("?")
        if method == "GET" and route == "/wp-json/wc/v3/webhooks":
            params = dict(p.split("=") for p in query.split("&"))
            size, page = int(params["per_page"]), int(params["page"])
            return 200, self.hooks[(page - 1) * size : page * size]
        if method == "POST" and route == "/wp-json/wc/v3/webhooks":
            assert set(body) == {"name", "topic", "delivery_url", "secret", "status"}
            if body["topic"] not in WOO_TOPICS:
                return 400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): topic"}
            hook = {"id": len(self.hooks) + 1, **body}
            self.hooks.append(hook)
            return 201, hook
        found = re.fullmatch(r"/wp-json/wc/v3/webhooks/(\d+)", route)
        assert method == "PUT" and found, (method, path)
        hook = next(h for h in self.hooks if h["id"] == int(found.group(1)))
        hook.update(body)
        return 200, hook


def touchpoint(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "touchpoint_tools.cli", *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={"PATH": "/usr/bin:/bin", **(env or {})},
    )  # fmt: skip


def lines(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture
def shopify() -> Iterator[Shopify]:
    stub = Shopify(existing=[("ORDERS_CREATE", f"https://other-app.example/{n}") for n in range(6)])
    yield stub
    stub.server.shutdown()


def test_shopify_subscribes_every_topic_once_and_a_second_run_creates_nothing(shopify: Shopify) -> None:
    first = touchpoint("connect", "shopify", "--shop", shopify.url, "--token", TOKEN, "--url", API + "/")
    assert first.returncode == 0, first.stderr
    created = {(v["topic"], v["subscription"]["uri"]) for v in shopify.creates()}
    assert created == {
        ("CHECKOUTS_CREATE", f"{API}/webhooks/shopify/checkouts"),
        ("CHECKOUTS_UPDATE", f"{API}/webhooks/shopify/checkouts"),
        ("CHECKOUTS_DELETE", f"{API}/webhooks/shopify/checkouts"),
        ("ORDERS_CREATE", f"{API}/webhooks/shopify/orders"),
        ("ORDERS_PAID", f"{API}/webhooks/shopify/orders"),
        ("ORDERS_UPDATED", f"{API}/webhooks/shopify/orders"),
        ("ORDERS_CANCELLED", f"{API}/webhooks/shopify/orders"),
        ("REFUNDS_CREATE", f"{API}/webhooks/shopify/orders"),
        ("CUSTOMERS_CREATE", f"{API}/webhooks/shopify/customers"),
        ("CUSTOMERS_UPDATE", f"{API}/webhooks/shopify/customers"),
        ("PRODUCTS_CREATE", f"{API}/webhooks/shopify/products"),
        ("PRODUCTS_UPDATE", f"{API}/webhooks/shopify/products"),
        ("PRODUCTS_DELETE", f"{API}/webhooks/shopify/products"),
        ("INVENTORY_LEVELS_UPDATE", f"{API}/webhooks/shopify/products"),
    }
    assert len(shopify.creates()) == len(created)
    assert {line["state"] for line in lines(first)} == {"created"}
    assert all(r["path"] == "/admin/api/2026-10/graphql.json" for r in shopify.requests)
    assert "customers/redact" in first.stderr  # the privacy topics are named, with where they are set

    before = len(shopify.creates())
    again = touchpoint(
        "connect", "shopify", "--shop", shopify.url, "--url", API, env={"SHOPIFY_ADMIN_TOKEN": TOKEN}
    )
    assert again.returncode == 0, again.stderr
    assert len(shopify.creates()) == before
    assert {line["state"] for line in lines(again)} == {"exists"}
    assert len(shopify.subscriptions) == 6 + 14  # the other app's subscriptions are untouched


def test_shopify_reports_a_refused_topic_and_creates_the_rest(shopify: Shopify) -> None:
    shopify.refuse = {"CUSTOMERS_CREATE"}
    done = touchpoint("connect", "shopify", "--shop", shopify.url, "--token", TOKEN, "--url", API)
    assert done.returncode == 1
    failed = [line for line in lines(done) if line["state"] == "failed"]
    assert failed == [
        {
            "topic": "customers/create",
            "url": f"{API}/webhooks/shopify/customers",
            "state": "failed",
            "error": "Access denied for this topic (missing scope)",
        }
    ]
    assert sum(1 for line in lines(done) if line["state"] == "created") == 13


def test_shopify_dry_run_and_list_change_nothing(shopify: Shopify) -> None:
    dry = touchpoint("connect", "shopify", "--shop", shopify.url, "--token", TOKEN, "--url", API, "--dry-run")
    assert dry.returncode == 0 and {line["state"] for line in lines(dry)} == {"would create"}
    listed = touchpoint("connect", "shopify", "--shop", shopify.url, "--token", TOKEN, "--list")
    assert listed.returncode == 0 and len(lines(listed)) == 6
    assert shopify.creates() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--token", "wrong", "--url", API], "Shopify answered 401: [API] Invalid API key or access token"),
        (["--token", TOKEN], "--url: the deployed API's URL is required"),
        (["--token", TOKEN, "--url", "not a url"], "--url: 'not a url' is not the API's URL"),
        (["--url", API], "--token: the Admin API access token is required"),
    ],
)
def test_shopify_refusals_are_one_line(shopify: Shopify, args: list[str], message: str) -> None:
    done = touchpoint("connect", "shopify", "--shop", shopify.url, *args)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_tokens_never_travel_over_plain_http_to_another_host() -> None:
    done = touchpoint(
        "connect", "shopify", "--shop", "http://shop.example.com", "--token", TOKEN, "--url", API
    )
    assert done.returncode == 2 and "credentials go over HTTPS only" in done.stderr


def test_woocommerce_creates_missing_hooks_reactivates_a_disabled_one_and_leaves_the_rest() -> None:
    orders = f"{API}/webhooks/woocommerce/orders"
    stub = WooCommerce(
        existing=[
            {"name": "old", "topic": "order.created", "delivery_url": orders, "status": "active", "secret": "s"},
            {"name": "old", "topic": "order.updated", "delivery_url": orders, "status": "disabled", "secret": "x"},
            *({"name": f"other {n}", "topic": "order.created", "delivery_url": f"https://crm.example/{n}", "status": "active", "secret": "o"} for n in range(100)),
        ]
    )  # fmt: skip
    env = {
        "WOOCOMMERCE_CONSUMER_KEY": WOO_KEY,
        "WOOCOMMERCE_CONSUMER_SECRET": WOO_SECRET,
        "WOOCOMMERCE_WEBHOOK_SECRET": "whsec",
    }
    done = touchpoint("connect", "woocommerce", "--site", stub.url, "--url", API, env=env)
    assert done.returncode == 0, done.stderr
    states = {line["topic"]: line["state"] for line in lines(done)}
    assert states == {
        "order.created": "exists",
        "order.updated": "reactivated",
        "product.created": "created",
        "product.updated": "created",
        "product.deleted": "created",
        "product.restored": "created",
    }
    posted = [r["body"] for r in stub.requests if r["method"] == "POST"]
    assert {(b["topic"], b["delivery_url"], b["secret"], b["status"]) for b in posted} == {
        (t, f"{API}/webhooks/woocommerce/products", "whsec", "active")
        for t in ("product.created", "product.updated", "product.deleted", "product.restored")
    }
    reactivated = next(h for h in stub.hooks if h["topic"] == "order.updated" and h["delivery_url"] == orders)
    assert reactivated["status"] == "active" and reactivated["secret"] == "whsec"
    assert any("page=2" in r["path"] for r in stub.requests)  # 102 hooks: the second page was read

    again = touchpoint("connect", "woocommerce", "--site", stub.url, "--url", API, env=env)
    assert {line["state"] for line in lines(again)} == {"exists"}
    assert len(stub.hooks) == 102 + 4


def test_woocommerce_wrong_key_is_one_line() -> None:
    stub = WooCommerce()
    env = {"WOOCOMMERCE_WEBHOOK_SECRET": "whsec"}
    done = touchpoint(
        "connect",
        "woocommerce",
        "--site",
        stub.url,
        "--key",
        "ck_x",
        "--secret",
        "cs_x",
        "--url",
        API,
        env=env,
    )
    assert done.returncode == 2
    assert "WooCommerce answered 401: Sorry, you cannot list resources." in done.stderr
    assert [r for r in stub.requests if r["method"] != "GET"] == []
