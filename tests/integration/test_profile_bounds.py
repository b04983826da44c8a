"""Through the real storefront route on moto: a visitor's 300 product views leave a profile item
of bounded size, every view counted, the trimming writes conditioned and applied."""

from __future__ import annotations

import json

from touchpoint import aws
from touchpoint.profiles import bounds, store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.sim import payloads

from ..conftest import WRITE_KEY


def _view(n: int) -> dict:
    return {
        "type": "track",
        "event": "Product Viewed",
        "anonymousId": "visitor-bounded",
        "messageId": f"view-{n}",
        "properties": {"product_id": f"{7_000_000_000_000 + n}", "category": f"shoes-{n % 5}"},
    }


def _item_bytes(runtime: LocalRuntime, customer_id: str) -> int:
    """The stored item as DynamoDB returns it; its JSON is longer than DynamoDB's own size."""
    found = aws.client("dynamodb").get_item(
        TableName=runtime.resources.table_name, Key={"pk": {"S": f"C#{customer_id}"}, "sk": {"S": "PROFILE"}}
    )["Item"]
    return len(json.dumps(found))


def test_a_long_browsing_history_keeps_the_profile_bounded(runtime: LocalRuntime) -> None:
    sizes = []
    customer_id = ""
    for n in range(300):
        headers, body = payloads.segment([_view(n)], WRITE_KEY)
        answer = runtime.http("POST", "/events", headers, body)
        assert answer.status == 200, answer.body
        customer_id = json.loads(answer.body)["customer_id"]
        if n % 50 == 49:
            sizes.append(_item_bytes(runtime, customer_id))
    profile, _ = store.load(customer_id)
    assert profile["event_count"] == 300
    assert len(profile["viewed"]) <= bounds.SET_CAPS["viewed"] + bounds.SLACK
    assert len(profile["affinity"]) <= bounds.AFFINITY_CAP + bounds.SLACK
    assert f"{7_000_000_000_000 + 299}" in profile["viewed"]  # the latest view is always kept
    assert max(sizes) - min(sizes[1:]) < 600, sizes  # flat after the caps are reached
    assert max(sizes) < 6000, sizes
