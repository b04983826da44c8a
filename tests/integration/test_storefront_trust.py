"""The storefront trust model, played as an attacker who holds the public write key and a
shopper's e-mail address: without the shop's user_hash they learn nothing of her, attach
nothing to her, change nothing of her, and no browser order counts as money."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from touchpoint.profiles import store
from touchpoint.sources.storefront import user_hash
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.sim import payloads

from ..conftest import IDENTITY_SECRET, WRITE_KEY, Shop

VICTIM = 61
EMAIL = f"shopper{VICTIM}@example.com"


def post(
    runtime: LocalRuntime, call: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """One call with the public write key alone, as any page visitor can send it."""
    auth, body = payloads.segment([call], WRITE_KEY)
    answer = runtime.http("POST", "/events", {**auth, **(headers or {})}, body)
    assert answer.status == 200, answer.body
    result: dict[str, Any] = json.loads(answer.body)
    return result


def victim_with_open_checkout(shop: Shop) -> tuple[str, dict[str, Any]]:
    """A Shopify shopper with e-mail consent and an abandoned checkout (recovery URL, reminders)."""
    status, answer = shop.post(
        "checkouts", "checkouts/create", shop.checkout(VICTIM, email_consent="subscribed")
    )
    assert status == 200
    customer_id = answer["customer_id"]
    return customer_id, store.load_profile(customer_id)


def claim(message_id: str, anonymous_id: str = "attacker-browser", **traits: Any) -> dict[str, Any]:
    return {
        "type": "identify",
        "messageId": message_id,
        "anonymousId": anonymous_id,
        "userId": EMAIL,
        "traits": {"email": EMAIL, **traits},
    }


def test_an_unverified_claim_reads_nothing_of_the_shopper(shop: Shop, runtime: LocalRuntime) -> None:
    customer_id, before = victim_with_open_checkout(shop)
    answer = post(runtime, claim("atk-1"))
    page = post(runtime, {"type": "page", "messageId": "atk-2", "anonymousId": "attacker-browser"})
    for seen in (answer, page):
        text = json.dumps(seen)
        assert customer_id not in text and "recover" not in text and "Zo" not in text, text
        assert seen["content"]["banner"] == "welcome" and seen["offer"] is None
    assert store.load_profile(customer_id)["aliases"] == before["aliases"]  # nothing attached


def test_a_wrong_or_borrowed_user_hash_is_no_proof(shop: Shop, runtime: LocalRuntime) -> None:
    customer_id, before = victim_with_open_checkout(shop)
    borrowed = user_hash(IDENTITY_SECRET, "someone-else@example.com")  # a real hash, for another id
    for n, presented in enumerate(("0" * 64, borrowed, user_hash("guessed-secret", EMAIL))):
        post(runtime, claim(f"atk-h{n}"), {"X-Touchpoint-User-Hash": presented})
    assert store.load_profile(customer_id)["aliases"] == before["aliases"]


def test_an_unverified_claim_cannot_rename_the_shopper(shop: Shop, runtime: LocalRuntime) -> None:
    customer_id, _ = victim_with_open_checkout(shop)
    post(runtime, claim("atk-3", firstName="ACTION REQUIRED: verify at http://evil.example"))
    assert store.load_profile(customer_id)["first_name"] == "Zoë"


def test_a_verified_identity_is_attached_and_answered(shop: Shop, runtime: LocalRuntime) -> None:
    """The positive control: the shop's server vouched for her id, so her browser is hers."""
    customer_id, _ = victim_with_open_checkout(shop)
    auth, body = payloads.segment([claim("own-1", "her-browser")], WRITE_KEY, IDENTITY_SECRET)
    answer = json.loads(runtime.http("POST", "/events", auth, body).body)
    assert answer["customer_id"] == customer_id
    assert answer["content"]["url"] == f"https://shop.example/checkouts/tok-{VICTIM}/recover"
    assert any(a.startswith("ID#anon#") for a in store.load_profile(customer_id)["aliases"])


def test_the_browser_cannot_rename_a_shopper_the_shop_named(shop: Shop, runtime: LocalRuntime) -> None:
    """Even verified, a storefront (or help desk) name never overwrites the shop's record."""
    customer_id, _ = victim_with_open_checkout(shop)
    call = claim("own-2", "her-browser", firstName="Zo")
    auth, body = payloads.segment([call], WRITE_KEY, IDENTITY_SECRET)
    assert runtime.http("POST", "/events", auth, body).status == 200
    assert store.load_profile(customer_id)["first_name"] == "Zoë"


def test_a_browser_order_is_never_money(shop: Shop, runtime: LocalRuntime) -> None:
    """Order Completed from the storefront, even with her verified id: no revenue, no order, no
    lifecycle change, her cart reminders stand, and no thank-you is planned."""
    customer_id, _ = victim_with_open_checkout(shop)
    before = {m.message_id: m.status for m in store.load(customer_id)[1]}
    assert "planned" in before.values()
    order = {
        "type": "track",
        "event": "Order Completed",
        "messageId": "fake-order",
        "userId": EMAIL,
        "properties": {"order_id": "fake-1", "revenue": "999999999999", "checkout_id": f"tok-{VICTIM}"},
    }
    auth, body = payloads.segment([order], WRITE_KEY, IDENTITY_SECRET)
    assert runtime.http("POST", "/events", auth, body).status == 200
    profile, messages = store.load(customer_id)
    assert not profile.get("orders_count") and not profile.get("revenue_cents")
    assert {m.message_id: m.status for m in messages} == before  # nothing cancelled, nothing new
    assert profile.get("checkout")  # the cart is still open


def test_a_help_desk_name_does_not_overwrite_the_shops(shop: Shop, runtime: LocalRuntime) -> None:
    customer_id, _ = victim_with_open_checkout(shop)
    headers, body = payloads.zendesk("T-9", EMAIL, "open", datetime.now(UTC), "test-secret")
    assert runtime.http("POST", "/webhooks/zendesk/tickets", headers, body).status == 200
    assert store.load_profile(customer_id)["first_name"] == "Zoë"


def test_a_browsing_visitor_still_gets_their_own_recommendations(runtime: LocalRuntime) -> None:
    """The trust model takes nothing from an anonymous visitor's own browsing."""
    view = {
        "type": "track",
        "event": "Product Viewed",
        "messageId": "v-1",
        "anonymousId": "just-browsing",
        "properties": {"product_id": "p-77", "category": "Hats"},
    }
    post(runtime, view)
    answer = post(runtime, {"type": "page", "messageId": "v-2", "anonymousId": "just-browsing"})
    assert [r["product_id"] for r in answer["recommendations"]] == ["p-77"]
    assert answer["customer_id"]
