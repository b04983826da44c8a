"""WooCommerce: webhooks through its REST API (`/wp-json/wc/v3/webhooks`), authenticated with
a REST API key (consumer key and secret, HTTP Basic over HTTPS).

Each hook carries the secret WooCommerce signs deliveries with; it must equal the stack's
WOOCOMMERCE_WEBHOOK_SECRET. WooCommerce disables a hook after repeated failed deliveries: a
matching hook that is paused or disabled is set active again rather than duplicated.
"""

from __future__ import annotations

import base64
from typing import Any

from touchpoint.catalog.sources import WOO_TOPICS as PRODUCT_TOPICS
from touchpoint.sources.woocommerce import ORDER_TOPICS
from touchpoint_tools.connect import ConnectError, Outcome, base_url, call

PAGE = 100


def wanted(api: str) -> list[tuple[str, str]]:
    routes = {"orders": ORDER_TOPICS, "products": PRODUCT_TOPICS}
    return [
        (topic, f"{api}/webhooks/woocommerce/{route}")
        for route in sorted(routes)
        for topic in sorted(routes[route])
    ]


class Store:
    def __init__(self, site: str, key: str, secret: str) -> None:
        if not (key and secret):
            raise ConnectError(
                "--key and --secret: a WooCommerce REST API key is required "
                "(or WOOCOMMERCE_CONSUMER_KEY and WOOCOMMERCE_CONSUMER_SECRET)"
            )
        self.endpoint = f"{base_url(site, '--site')}/wp-json/wc/v3/webhooks"
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def hooks(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            batch = call(
                "GET", f"{self.endpoint}?per_page={PAGE}&page={page}", self.headers, None, "WooCommerce"
            )
            if not isinstance(batch, list):
                raise ConnectError("WooCommerce answered something that is not a list of webhooks")
            found += batch
            if len(batch) < PAGE:
                return found
            page += 1

    def create(self, topic: str, url: str, signing_secret: str) -> None:
        body = {
            "name": f"Touchpoint {topic}",
            "topic": topic,
            "delivery_url": url,
            "secret": signing_secret,
            "status": "active",
        }
        call("POST", self.endpoint, self.headers, body, "WooCommerce")

    def activate(self, hook_id: int, signing_secret: str) -> None:
        body = {"status": "active", "secret": signing_secret}
        call("PUT", f"{self.endpoint}/{hook_id}", self.headers, body, "WooCommerce")


def connect(store: Store, api: str, signing_secret: str, dry_run: bool = False) -> list[Outcome]:
    if not signing_secret:
        raise ConnectError(
            "--webhook-secret: the secret deliveries are signed with is required (or WOOCOMMERCE_WEBHOOK_SECRET)"
        )
    existing = {(h.get("topic"), h.get("delivery_url")): h for h in store.hooks()}
    outcomes = []
    for topic, url in wanted(api):
        hook = existing.get((topic, url))
        if hook is not None and hook.get("status") == "active":
            outcomes.append(Outcome(topic, url, "exists"))
        elif dry_run:
            outcomes.append(Outcome(topic, url, "would create" if hook is None else "would reactivate"))
        elif hook is not None:
            store.activate(int(hook["id"]), signing_secret)
            outcomes.append(Outcome(topic, url, "reactivated"))
        else:
            store.create(topic, url, signing_secret)
            outcomes.append(Outcome(topic, url, "created"))
    return outcomes


def listing(store: Store) -> list[dict[str, Any]]:
    return [
        {"topic": h.get("topic"), "url": h.get("delivery_url"), "id": h.get("id"), "status": h.get("status")}
        for h in store.hooks()
    ]
