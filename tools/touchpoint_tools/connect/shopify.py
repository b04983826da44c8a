"""Shopify: webhook subscriptions through the Admin GraphQL API.

`webhookSubscriptions` lists what exists; `webhookSubscriptionCreate` adds each missing
(topic, uri) pair. Running it again creates nothing. The three privacy topics
(customers/data_request, customers/redact, shop/redact) cannot be subscribed through the API:
they are set in the app's configuration (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from touchpoint.catalog.sources import SHOPIFY_TOPICS as PRODUCT_TOPICS
from touchpoint.sources.shopify import TOPICS
from touchpoint_tools.connect import ConnectError, Outcome, base_url, call

API_VERSION = "2026-10"
COMPLIANCE = frozenset({"customers/data_request", "customers/redact", "shop/redact"})

LIST = """query Subscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}"""

CREATE = """mutation Subscribe($topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}"""


def wanted(api: str) -> list[tuple[str, str]]:
    """(topic, callback URL) for every topic a Touchpoint route acts on, in a stable order."""
    routes = {**{r: topics - COMPLIANCE for r, topics in TOPICS.items()}, "products": set(PRODUCT_TOPICS)}
    return [
        (topic, f"{api}/webhooks/shopify/{route}")
        for route in sorted(routes)
        for topic in sorted(routes[route])
    ]


def enum(topic: str) -> str:
    """checkouts/create -> CHECKOUTS_CREATE (the GraphQL WebhookSubscriptionTopic value)."""
    return topic.upper().replace("/", "_")


class Admin:
    def __init__(self, shop: str, token: str, version: str = API_VERSION) -> None:
        if not token:
            raise ConnectError("--token: the Admin API access token is required (or SHOPIFY_ADMIN_TOKEN)")
        self.endpoint = f"{base_url(shop, '--shop')}/admin/api/{version}/graphql.json"
        self.token = token

    def query(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        answer = call(
            "POST",
            self.endpoint,
            {"X-Shopify-Access-Token": self.token},
            {"query": document, "variables": variables},
            "Shopify",
        )
        if not isinstance(answer, dict):
            raise ConnectError("Shopify answered something that is not a GraphQL response")
        if answer.get("errors"):
            messages = "; ".join(str(e.get("message", e)) for e in answer["errors"] if isinstance(e, dict))
            raise ConnectError(f"Shopify refused the request: {messages or answer['errors']}")
        data: dict[str, Any] = answer.get("data") or {}
        return data

    def subscriptions(self) -> list[dict[str, str]]:
        found: list[dict[str, str]] = []
        after = None
        while True:
            page = self.query(LIST, {"after": after})["webhookSubscriptions"]
            found += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def create(self, topic: str, uri: str) -> str:
        """'' when created, else Shopify's userErrors."""
        variables = {"topic": enum(topic), "subscription": {"uri": uri, "format": "JSON"}}
        result = self.query(CREATE, variables)["webhookSubscriptionCreate"]
        return "; ".join(e["message"] for e in result.get("userErrors") or [])


def connect(admin: Admin, api: str, dry_run: bool = False) -> list[Outcome]:
    existing = {(s["topic"], s["uri"]) for s in admin.subscriptions()}
    outcomes = []
    for topic, uri in wanted(api):
        if (enum(topic), uri) in existing:
            outcomes.append(Outcome(topic, uri, "exists"))
        elif dry_run:
            outcomes.append(Outcome(topic, uri, "would create"))
        else:
            error = admin.create(topic, uri)
            outcomes.append(Outcome(topic, uri, "failed" if error else "created", error))
    return outcomes


def listing(admin: Admin) -> list[dict[str, str]]:
    return [{"topic": s["topic"], "url": s["uri"], "id": s["id"]} for s in admin.subscriptions()]
