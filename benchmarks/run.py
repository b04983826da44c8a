"""`make bench`: speed and cost per event, printed (no thresholds: targets live here, not in tests).

- decide() decisions per second, alone (pure)
- warm handler time per event and DynamoDB round trips per event, per touchpoint (moto in-process),
  with Shopify checkouts and orders, storefront page and product views and redeliveries, and page
  views of visitors with 100 and 1,000 earlier product views
- DynamoDB capacity units per event from the sizes of the items each request changed and read,
  the largest item each wrote, the cost per million, and the blend the issue names (Lambda
  added, API Gateway beside it)
- a returning visitor's profile size, write units and cost by history length
- the Dispatcher and Sender per delivered message: a welcome mail (about no product) and a cart
  reminder (its lines read fresh)
- the Dispatcher over 1,000, 10,000 and 100,000 customers with 1% due: items read per due message
- cold start of each handler module (fresh interpreters), alone and with its first request's imports
- where the time outside the emulator goes, by library (cProfile with moto's answers left out)

`python benchmarks/run.py [SECTION ...]` runs some of them: decide, handlers, growth, delivery,
dispatcher, cold, history, profile.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

os.environ.update(
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    SHOPIFY_WEBHOOK_SECRET="bench",
    ZENDESK_WEBHOOK_SECRET="bench",
    WEB_WRITE_KEY="bench",
    POWERTOOLS_LOG_LEVEL="ERROR",
    POWERTOOLS_METRICS_DISABLED="true",
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from moto import mock_aws

ROOT = Path(__file__).resolve().parents[1]
WRITE_UNIT_PRICE = 0.625  # $ per million write request units, DynamoDB on-demand, us-east-1
READ_UNIT_PRICE = 0.125  # $ per million read request units
T = TypeVar("T")


def bench_decide(seconds: float = 2.0) -> float:
    from touchpoint.decide import Profile, decide
    from touchpoint.decide.model import ConsentRecord
    from touchpoint.events import Checkout, Kind, LineItem, TouchpointEvent
    from touchpoint.playbook.loading import current_playbook

    playbook = current_playbook()
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    profile = Profile(
        customer_id="c",
        email="a@example.com",
        phone="+12125550100",
        timezone="America/New_York",
        consent={"email": ConsentRecord("subscribed"), "sms": ConsentRecord("subscribed")},
    )
    event = TouchpointEvent(
        source="b",
        event_id="e",
        kind=Kind.CHECKOUT_UPDATED,
        occurred_at=now,
        checkout=Checkout(token="t", items=(LineItem(product_id="p"),)),
    )
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            decide(profile, event, playbook, now)
        count += 200
    return count / (time.perf_counter() - start)


class CallCounter:
    """Counts DynamoDB API calls of every botocore client (pynamodb's and boto3's)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items: Counter[str] = Counter()  # items returned by each read operation
        self.read_units = 0.0  # by DynamoDB's sizing of what each read returned
        self.update_units = 0.0  # of each UpdateItem, by the size of the item it returned (ALL_NEW)
        self.index_units = 0.0  # of each UpdateItem in the due index, when `indexed` is on
        self.batch_writes = 0  # items put or deleted by BatchWriteItem, changed or not: each is billed
        self.indexed = False  # read each updated item before its UpdateItem (uncounted) for index_units
        self.seconds = 0.0  # time inside AWS calls (botocore and the emulator)
        self.paused = False  # the bench's own reads are not the handler's calls
        # with a table named, each item of it a write names, as it was before the request's
        # first write of it (None: absent), read uncounted: the items a request changed
        self.tracked: str | None = None
        self.touched: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.emulated = 0.0  # time inside moto answering requests: what real DynamoDB would spend
        self.bookkeeping = 0.0  # time this counter spends sizing items: the bench's, not the handler's
        self._installed: tuple[tuple[Any, str, Any], ...] = ()  # what install() wrapped, to put back

    def install(self) -> None:
        from botocore.client import BaseClient
        from moto.core.botocore_stubber import BotocoreStubber

        answer = BotocoreStubber.__call__

        def timed(stubber: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return answer(stubber, *args, **kwargs)
            finally:
                if not self.paused:  # the bench's own reads are neither the handler's nor AWS's time
                    self.emulated += time.perf_counter() - started

        setattr(BotocoreStubber, "__call__", timed)  # noqa: B010

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped in stubs
        counter = self

        def counting(client: Any, operation: str, params: Any) -> Any:
            dynamodb = client.meta.service_model.service_name == "dynamodb" and not counter.paused
            if dynamodb:  # counted before the call: one that fails (a cancelled transaction) counts too
                counter.calls[operation] += 1
                if operation == "BatchWriteItem":
                    counter.batch_writes += sum(len(writes) for writes in params["RequestItems"].values())
            sizing = time.perf_counter()
            before = counter.item_before(client, operation, params) if dynamodb else None
            if dynamodb and counter.tracked:
                counter.track(client, operation, params)
            started = time.perf_counter()
            counter.bookkeeping += started - sizing
            try:
                result = original(client, operation, params)
            finally:
                if not counter.paused:
                    counter.seconds += time.perf_counter() - started
            if dynamodb:
                sizing = time.perf_counter()
                counter.items[operation] += _items_read(result)
                counter.read_units += _read_units(operation, params, result)
                counter.update_units += _update_units(operation, result)
                if before is not None:
                    counter.index_units += _due_index_units(before, result)
                counter.bookkeeping += time.perf_counter() - sizing
            return result

        setattr(BaseClient, "_make_api_call", counting)  # noqa: B010
        self._installed = ((BotocoreStubber, "__call__", answer), (BaseClient, "_make_api_call", original))

    def uninstall(self) -> None:
        """Puts back what install() wrapped: a later section's counter must not run every call
        through this one too (its sizing reads and bookkeeping would land in that section's times)."""
        for owner, name, original in reversed(self._installed):
            setattr(owner, name, original)
        self._installed = ()

    def track(self, client: Any, operation: str, params: dict[str, Any]) -> None:
        """Before a write, the items it names in the tracked table that no earlier write of this
        request named, as they are now."""
        for key in _written_keys(operation, params, str(self.tracked)):
            if key not in self.touched:
                self.touched[key] = self.read_uncounted(client, str(self.tracked), key)

    def read_uncounted(self, client: Any, table: str, key: tuple[str, str]) -> dict[str, Any] | None:
        """An item as it is now (None: absent), by a consistent read the counter does not count."""
        self.paused = True
        try:
            found = client.get_item(
                TableName=table, Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}}, ConsistentRead=True
            )
        finally:
            self.paused = False
        return found.get("Item")

    def item_before(self, client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The item an UpdateItem is about to change, read uncounted (`indexed` only)."""
        if not self.indexed or operation != "UpdateItem":
            return None
        key = params["Key"]
        return self.read_uncounted(client, params["TableName"], (key["pk"]["S"], key["sk"]["S"])) or {}


DUE_INDEX_KEYS = ("due_pk", "due_sk")


def _due_index_units(before: dict[str, Any], result: dict[str, Any]) -> float:
    """The due index's write units of one UpdateItem, from the item before and after (ALL_NEW)."""
    from touchpoint_tools.measure.item_size import index_write_units

    if "Attributes" not in result:
        return 0.0
    return float(index_write_units(before, result["Attributes"], DUE_INDEX_KEYS))


READ_ONLY = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable", "ListTables"}


def _written_keys(operation: str, params: dict[str, Any], table: str) -> list[tuple[str, str]]:
    """The keys of `table` a write operation names; an operation this does not know stops the
    bench, rather than leave its writes out of the units."""
    if operation in READ_ONLY:
        return []
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        named = [(params["TableName"], params.get("Key") or params.get("Item") or {})]
    elif operation == "TransactWriteItems":
        named = [
            (op["TableName"], op.get("Key") or op.get("Item") or {})
            for entry in params["TransactItems"]
            for op in entry.values()
        ]
    elif operation == "BatchWriteItem":
        named = [
            (name, request.get("Key") or request.get("Item") or {})
            for name, writes in params["RequestItems"].items()
            for write in writes
            for request in write.values()
        ]
    else:
        raise NotImplementedError(f"the bench cannot tell which items {operation} writes")
    return [(key["pk"]["S"], key["sk"]["S"]) for name, key in named if name == table]


def _items_read(result: dict[str, Any]) -> int:
    if "Items" in result:
        return len(result["Items"])
    if "Item" in result:
        return 1
    return sum(len(found) for found in (result.get("Responses") or {}).values())


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    return {k: deserialize(v) for k, v in item.items()}


def _read_units(operation: str, params: dict[str, Any], result: dict[str, Any]) -> float:
    """Read units as DynamoDB bills them: a Query rounds the sum of its items, GetItem and
    BatchGetItem each item, and an item asked for but absent as the smallest read."""
    from touchpoint_tools.measure.item_size import item_size, read_units

    if operation == "Query":
        total = sum(item_size(_plain(i)) for i in result.get("Items", []))
        return read_units(total, bool(params.get("ConsistentRead")))
    if operation == "GetItem":
        return read_units(item_size(_plain(result.get("Item") or {})), bool(params.get("ConsistentRead")))
    if operation == "BatchGetItem":  # every key asked for: one not found still costs a minimal read
        units = 0.0
        for table, request in params["RequestItems"].items():
            consistent = bool(request.get("ConsistentRead"))
            found = (result.get("Responses") or {}).get(table) or []
            units += sum(read_units(item_size(_plain(i)), consistent) for i in found)
            units += (len(request["Keys"]) - len(found)) * read_units(0, consistent)
        return units
    return 0.0


def _update_units(operation: str, result: dict[str, Any]) -> float:
    """An UpdateItem's write units from the item it returned: DynamoDB bills the larger of the
    sizes before and after, which for a status change differ by a few bytes."""
    from touchpoint_tools.measure.item_size import item_size, write_units

    if operation != "UpdateItem" or "Attributes" not in result:
        return 0.0
    return float(write_units(item_size(_plain(result["Attributes"])), transactional=False))


def _sized(item: dict[str, Any]) -> tuple[int, str]:
    """An item's billed size and content, as `_write_units` compares them."""
    from touchpoint_tools.measure.item_size import item_size

    return item_size(_plain(item)), json.dumps(item, sort_keys=True)


def _touched(
    counter: CallCounter, table: str
) -> tuple[dict[tuple[str, str], tuple[int, str]], dict[tuple[str, str], tuple[int, str]]]:
    """The items the request's writes named, before its first write of each and now: every item
    it can have changed, without scanning a table that grows through the run."""
    from touchpoint import aws

    client = aws.client("dynamodb")
    after = {key: counter.read_uncounted(client, table, key) for key in counter.touched}
    return (
        {key: _sized(item) for key, item in counter.touched.items() if item is not None},
        {key: _sized(item) for key, item in after.items() if item is not None},
    )


def _write_units(
    before: dict[Any, tuple[int, str]], after: dict[Any, tuple[int, str]], transactional: bool
) -> int:
    """Write units of the items a request changed: 1 KB units of the larger of the item's size
    before and after, twice that in a transaction; and the due index's writes (never doubled)."""
    from touchpoint_tools.measure.item_size import index_write_units, write_units

    changed = _changed_sizes(before, after)
    table = sum(write_units(size, transactional) for size in changed.values())
    index = sum(
        index_write_units(_stored(before.get(k)), _stored(after.get(k)), DUE_INDEX_KEYS) for k in changed
    )
    return table + index


def _changed_sizes(before: dict[Any, tuple[int, str]], after: dict[Any, tuple[int, str]]) -> dict[Any, int]:
    """Each item a request changed, with the billed size DynamoDB charges it by: the larger of its
    sizes before and after."""
    return {
        k: max(before.get(k, (0, ""))[0], after.get(k, (0, ""))[0])
        for k in set(before) | set(after)
        if before.get(k) != after.get(k)
    }


def _stored(entry: tuple[int, str] | None) -> dict[str, Any] | None:
    return json.loads(entry[1]) if entry else None


def _copy(item: dict[str, Any], customer: str, old: str, due: datetime | None) -> dict[str, Any]:
    """A low-level item of another customer (and, for a message, due at another time)."""
    from touchpoint.plan import keys

    text = json.dumps(item).replace(old, customer)
    copied: dict[str, Any] = json.loads(text)
    if due is not None:
        message_id = copied["message_id"]["S"]
        copied["due_at"] = {"S": due.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")}
        copied["due_pk"] = {"S": keys.due_pk(message_id, customer)}
        copied["due_sk"] = {"S": keys.due_sk(due, message_id)}
    return copied


def _shop_of(runtime: Any, customers: int, now: datetime) -> None:
    """`customers` copies of one checked-out customer: a profile and a first reminder each, 1%
    of the reminders due now, the rest in 30 days."""
    from touchpoint import aws
    from touchpoint_tools.sim import payloads

    body = json.dumps(payloads.checkout(1, at=now)).encode()
    runtime.http(
        "POST",
        "/webhooks/shopify/checkouts",
        payloads.shopify_headers("checkouts/create", body, "bench"),
        body,
    )
    ddb, table = aws.client("dynamodb"), runtime.resources.table_name
    found = ddb.scan(TableName=table)["Items"]
    profile = next(i for i in found if i["sk"]["S"] == "PROFILE")
    reminder = next(i for i in found if ".email_1h." in i["sk"]["S"])
    old = profile["customer_id"]["S"]
    ddb.delete_item(TableName=table, Key={"pk": reminder["pk"], "sk": reminder["sk"]})
    batch: list[dict[str, Any]] = []
    for n in range(customers):
        customer = f"c_bench{n:07d}"
        due = now - timedelta(minutes=1) if n % 100 == 0 else now + timedelta(days=30)
        batch += [{"PutRequest": {"Item": _copy(profile, customer, old, None)}}]
        batch += [{"PutRequest": {"Item": _copy(reminder, customer, old, due)}}]
        if len(batch) >= 24 or n == customers - 1:
            ddb.batch_write_item(RequestItems={table: batch})
            batch = []


def _dispatch_once(counter: CallCounter, size: int) -> tuple[int, float, float, float, float]:
    """One shop of `size` customers, 1% due, and one Dispatcher run over it."""
    from touchpoint.sending import dispatch
    from touchpoint_tools.local.runtime import LocalRuntime, find_template
    from touchpoint_tools.local.template import load

    with mock_aws():
        runtime = LocalRuntime(load(find_template(str(ROOT / "template.yaml"))))
        runtime.bootstrap()
        now = datetime.now(UTC)
        _shop_of(runtime, size, now)
        with runtime.as_function("DispatcherFunction"):
            counter.calls.clear()
            counter.items.clear()
            counter.seconds = counter.bookkeeping = 0.0
            started = time.perf_counter()
            report = dispatch.run(now)
            elapsed = time.perf_counter() - started
        due = max(1, report.enqueued)
        items, calls = sum(counter.items.values()) / due, sum(counter.calls.values()) / due
        ours = 1000 * (elapsed - counter.seconds - counter.bookkeeping) / due
        return size, items, calls, 1000 * elapsed / due, ours


def bench_dispatcher_scale(
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000),
) -> list[tuple[int, float, float, float, float]]:
    """The Dispatcher alone over shops of growing size with 1% due: items it reads and time per
    due message should not grow with the shop."""
    counter = CallCounter()
    counter.install()
    try:
        return [_dispatch_once(counter, size) for size in sizes]
    finally:
        counter.uninstall()


Request = tuple[str, dict[str, str], bytes]


def _shopify(path: str, topic: str, payload: dict[str, Any], delivery: str) -> Request:
    from touchpoint_tools.sim import payloads

    body = json.dumps(payload).encode()
    return path, payloads.shopify_headers(topic, body, "bench", delivery), body


def _storefront(message_id: str, **event: Any) -> Request:
    from touchpoint_tools.sim import payloads

    call = {"type": "track", "anonymousId": "bench-visitor", "messageId": message_id, **event}
    headers, body = payloads.segment([call], "bench")
    return "/events", headers, body


def _after_views(runtime: Any, earlier: int) -> Any:
    """A page view of a visitor who viewed `earlier` other products first (posted unmeasured
    before the first round): the profile's caps keep what each request reads and writes flat."""
    visitor = f"bench-history-{earlier}"

    def page(i: int) -> Request:
        if i == 0:
            for n in range(earlier):
                view = {"product_id": f"{9_000_000 + n}"}
                runtime.http(
                    "POST",
                    *_storefront(
                        f"h{earlier}-{n}", event="Product Viewed", anonymousId=visitor, properties=view
                    ),
                )
                if n % 50 == 49:
                    runtime.drain()  # the Watches function's share, as the archive would bring it
        return _storefront(f"hp{earlier}-{i}", type="page", name=f"h{i}", anonymousId=visitor)

    return page


def _cases(now: datetime, runtime: Any) -> dict[str, tuple[Any, int]]:
    """Per touchpoint, the i-th request of a warm run (the first 5 are not in the medians), and
    the issue's target for its DynamoDB round trips (orders 3, every other event 2)."""
    from touchpoint_tools.sim import payloads

    def checkout(i: int) -> Request:
        return _shopify(
            "/webhooks/shopify/checkouts", "checkouts/create", payloads.checkout(1000 + i, at=now), f"c-{i}"
        )

    def checkout_updated(i: int, minutes: int = 1) -> Request:
        """The i-th checkout above again, a minute later with another total: Shopify posts
        checkouts/update as the shopper edits the cart. The customer now has the reminders the
        first one planned, so the pipeline reads their messages, and the reminders are re-timed.
        This container saw the checkout, so profile and messages come on one Query."""
        later = (now + timedelta(minutes=minutes)).isoformat()
        cart = {**payloads.checkout(1000 + i, at=now), "updated_at": later, "total_price": "91.00"}
        return _shopify("/webhooks/shopify/checkouts", "checkouts/update", cart, f"cu{minutes}-{i}")

    def checkout_updated_elsewhere(i: int) -> Request:
        """The same a minute later again, in a container that has not seen the shopper: the
        aliases come first (with the profile their e-mail names), then the Query."""
        from touchpoint.profiles import store

        store.owners.clear()
        return checkout_updated(i, minutes=2)

    def ticket(i: int) -> Request:
        """The shopper of the i-th checkout above opens a help-desk ticket (Zendesk). An open
        ticket holds promotions back when they are due to send (the Sender's re-check), so the
        event itself reads no messages: it changes the profile alone."""
        headers, body = payloads.zendesk(f"T-{i}", f"shopper{1000 + i}@example.com", "open", now, "bench")
        return "/webhooks/zendesk/tickets", headers, body

    def view(i: int) -> Request:
        return _storefront(f"pv-{i}", event="Product Viewed", properties={"product_id": f"{7_000_000 + i}"})

    def redelivered(i: int) -> Request:
        """A view posted (unmeasured) and then again: the platform's retry of a lost answer."""
        request = _storefront(
            f"pd-{i}", event="Product Viewed", properties={"product_id": f"{8_000_000 + i}"}
        )
        runtime.http("POST", *request)
        return request

    def buyer_page(i: int, tag: str = "pb") -> Request:
        """A page view of a shopper who checked out above (messages pending), who signed in on
        the storefront with their e-mail on an earlier, unmeasured page (in this container)."""
        seen = {"anonymousId": f"buyer-{i}", "traits": {"email": f"shopper{1000 + i}@example.com"}}
        runtime.http("POST", *_storefront(f"{tag}0-{i}", type="page", name="home", **seen))
        return _storefront(f"{tag}-{i}", type="page", name=f"b{i}", **seen)

    def buyer_page_elsewhere(i: int) -> Request:
        """The same, in a container that has not seen the shopper: no remembered owner, so the
        profile fetched with the aliases is the one they would mint (the e-mail's)."""
        from touchpoint.profiles import store

        request = buyer_page(i, "pe")
        store.owners.clear()
        return request

    def order_of_five(i: int) -> Request:
        """An order of five products, after its checkout (posted unmeasured): the order's
        statistics and co-purchases of every pair go in its writes, not one call per product."""
        lines = [
            {
                "product_id": 301 + k,
                "variant_id": 3010 + k,
                "title": f"Socks {k}",
                "quantity": 1,
                "price": "9.00",
            }
            for k in range(5)
        ]
        cart = {**payloads.checkout(5000 + i, at=now), "line_items": lines, "total_price": "45.00"}
        runtime.http("POST", *_shopify("/webhooks/shopify/checkouts", "checkouts/create", cart, f"c5-{i}"))
        order = {**payloads.order(5000 + i, at=now), "line_items": lines, "total_price": "45.00"}
        return _shopify("/webhooks/shopify/orders", "orders/create", order, f"o5-{i}")

    return {
        "CartAbandoned (checkout)": (checkout, 2),
        "CartAbandoned (the same checkout updated)": (checkout_updated, 2),
        "CartAbandoned (updated, a container new to them)": (checkout_updated_elsewhere, 2),
        "Purchase (order after checkout)": (
            lambda i: _shopify(
                "/webhooks/shopify/orders", "orders/create", payloads.order(1000 + i, at=now), f"o-{i}"
            ),
            3,
        ),
        "Purchase (order of 5 products)": (order_of_five, 3),
        "CartAbandoned (duplicate)": (checkout, 2),  # the same checkouts again
        "WebEvent (page view, returning visitor)": (
            lambda i: _storefront(f"pg-{i}", type="page", name=f"p{i}"),
            2,
        ),
        "WebEvent (page view, a buyer with messages)": (buyer_page, 2),
        "WebEvent (the same, a container new to them)": (buyer_page_elsewhere, 2),
        "WebEvent (page view after 100 product views)": (_after_views(runtime, 100), 2),
        "WebEvent (page view after 1,000 product views)": (_after_views(runtime, 1000), 2),
        "WebEvent (product view, returning visitor)": (view, 2),
        "WebEvent (duplicate view)": (redelivered, 2),
        # last: an open ticket adds to a buyer's profile, which the page view rows above measure
        # as it stands after a checkout and an order
        "SupportTicket (opened by a buyer)": (ticket, 2),
    }


@dataclass
class Measured:
    """One touchpoint's warm requests: medians of time, means of round trips and capacity."""

    name: str
    ms: float
    trips: float
    target: int
    kinds: str
    write_units: float = 0.0
    read_units: float = 0.0
    outside_ms: float = 0.0  # outside the emulator (our code and botocore), median
    index_units: float = 0.0  # the due index's share of write_units, where measured apart
    aside_trips: float = 0.0  # DynamoDB calls off the request's path (the Watches function), mean
    aside_units: float = 0.0  # their write units, also in write_units
    largest_bytes: int = 0  # the largest item any of its requests changed

    @property
    def dollars_per_million(self) -> float:
        return self.write_units * WRITE_UNIT_PRICE + self.read_units * READ_UNIT_PRICE


def _measure(runtime: Any, counter: CallCounter, name: str, make: Any, target: int, rounds: int) -> Measured:
    times, trips, ours, units, reads = [], [], [], [], []  # ours: the time outside AWS calls
    largest = 0
    aside: list[tuple[int, int, float]] = []
    outside = []  # the time outside the emulator: our code and botocore
    table, operations = runtime.resources.table_name, Counter[str]()
    for i in range(rounds):
        path, headers, body = make(i)
        runtime.drain()  # what the maker's unmeasured requests left for the Watches function
        calls_before, aws_before, read_before = counter.calls.copy(), counter.seconds, counter.read_units
        bookkeeping_before = counter.bookkeeping
        transactions = counter.calls["TransactWriteItems"]
        emulated_before = counter.emulated
        counter.tracked, counter.touched = table, {}
        start = time.perf_counter()
        response = runtime.http("POST", path, headers, body)
        elapsed = time.perf_counter() - start
        counter.tracked = None
        emulated = counter.emulated - emulated_before
        elapsed -= counter.bookkeeping - bookkeeping_before  # the counter's sizing and tracking
        assert response.status == 200, response.body
        transactional = counter.calls["TransactWriteItems"] > transactions
        items_before, items_after = _touched(counter, table)
        units.append(_write_units(items_before, items_after, transactional))
        largest = max(largest, *_changed_sizes(items_before, items_after).values(), 0)
        reads.append(counter.read_units - read_before)
        times.append(elapsed * 1000)
        ours.append((elapsed - (counter.seconds - aws_before)) * 1000)
        outside.append((elapsed - emulated) * 1000)
        operations.update(counter.calls - calls_before)
        trips.append((counter.calls - calls_before).total())
        aside.append(_aside(runtime, counter))
    kinds = f"{_kinds(operations)}; {statistics.median(ours[5:]):.1f} ms outside AWS calls"
    counter.calls.clear()
    aside_units = statistics.mean(u for _, u, _ in aside[5:])
    aside_reads = statistics.mean(r for _, _, r in aside[5:])
    return Measured(
        name,
        statistics.median(times[5:]),
        statistics.mean(trips),
        target,
        kinds,
        statistics.mean(units[5:]) + aside_units,
        statistics.mean(reads[5:]) + aside_reads,
        statistics.median(outside[5:]),
        aside_trips=statistics.mean(t for t, _, _ in aside),
        aside_units=aside_units,
        largest_bytes=largest,
    )


def _aside(runtime: Any, counter: CallCounter) -> tuple[int, int, float]:
    """What the request left for later: the Watches function reading its archive object (in moto
    one object per event; Firehose puts minutes of events in one): DynamoDB calls, write units
    (one per watch written, changed or not: a watch item is well under 1 KB) and read units (the
    object's customers' erasures: half a unit per key looked up, found or not)."""
    calls_before, written_before, read_before = counter.calls.copy(), counter.batch_writes, counter.read_units
    runtime.drain()
    calls = (counter.calls - calls_before).total()
    return calls, counter.batch_writes - written_before, counter.read_units - read_before


def _raw_update_ms(counter: CallCounter, table: str, rounds: int = 200) -> float:
    """One bare UpdateItem through boto3, outside the emulator (botocore alone): the yardstick."""
    from touchpoint import aws

    client, samples = aws.client("dynamodb"), []
    for _ in range(rounds):
        emulated, sizing, started = counter.emulated, counter.bookkeeping, time.perf_counter()
        client.update_item(
            TableName=table,
            Key={"pk": {"S": "BENCH#raw"}, "sk": {"S": "RAW"}},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        spent = time.perf_counter() - started - (counter.emulated - emulated) - (counter.bookkeeping - sizing)
        samples.append(spent * 1000)
    counter.calls.clear()
    return statistics.median(samples[20:])


@contextmanager
def _emulated() -> Iterator[tuple[Any, CallCounter]]:
    """The local runtime on moto in-process, its resources made, and a counter of its calls.
    With the local emulation's fixes to moto (local/moto_transactions.py), as `serve`, `demo` and
    the tests run: moto's own TransactWriteItems copies the whole table once per item, so without
    them each transaction slows as the table grows (emulator time only, which no figure but the
    total times includes)."""
    from touchpoint_tools.local import moto_transactions
    from touchpoint_tools.local.runtime import LocalRuntime, find_template
    from touchpoint_tools.local.template import load

    moto_transactions.install()
    with mock_aws():
        runtime = LocalRuntime(load(find_template(str(ROOT / "template.yaml"))))
        runtime.bootstrap()
        counter = CallCounter()
        counter.install()
        try:
            yield runtime, counter
        finally:
            counter.uninstall()


def bench_handlers(rounds: int = 40) -> tuple[list[Measured], float]:
    with _emulated() as (runtime, counter):
        now = datetime.now(UTC)
        raw = _raw_update_ms(counter, runtime.resources.table_name)
        rows = [
            _measure(runtime, counter, name, make, target, rounds)
            for name, (make, target) in _cases(now, runtime).items()
        ]
    return rows, raw


def bench_delivery(rounds: int = 40) -> list[Measured]:
    """The Dispatcher and the Sender per delivered message: first `rounds` welcome mails (about
    no product), then as many cart reminders (their lines read fresh), each batch due alone."""
    from touchpoint_tools.sim import payloads

    with _emulated() as (runtime, counter):
        now = datetime.now(UTC)
        welcome = [post for i in range(rounds) for post in _opt_in(3000 + i, now)]
        rows = [_dispatched(runtime, counter, "welcome mail", welcome, timedelta(minutes=15))]
        carts = [
            ("checkouts", "checkouts/create", payloads.checkout(4000 + i, at=now)) for i in range(rounds)
        ]
        rows.append(_dispatched(runtime, counter, "cart reminder", carts, timedelta(hours=2)))
    return rows


def _opt_in(n: int, now: datetime) -> list[tuple[str, str, Any]]:
    """A customer who signs up without e-mail consent and gives it now: the welcome flow starts."""
    from touchpoint_tools.sim import payloads

    posts = []
    for topic, consent in (("customers/create", "not_subscribed"), ("customers/update", "subscribed")):
        record = payloads.customer(n, email_consent=consent)
        record["email_marketing_consent"]["consent_updated_at"] = now.isoformat()
        posts.append(("customers", topic, record))
    return posts


def _dispatched(
    runtime: Any, counter: CallCounter, what: str, posts: list[tuple[str, str, Any]], later: timedelta
) -> Measured:
    """The Dispatcher and the Sender for what `posts` planned, run `later` than the posts were
    applied (messages are timed from when the event is handled): per due message."""
    from touchpoint_tools.sim import payloads

    for route, topic, payload in posts:
        body = json.dumps(payload).encode()
        headers = payloads.shopify_headers(topic, body, "bench")
        assert runtime.http("POST", f"/webhooks/shopify/{route}", headers, body).status == 200
    runtime.drain()  # the posts' product watches (the Watches function) are not the sends' cost
    at = datetime.now(UTC) + later
    counter.calls.clear()
    reads, updates, index = counter.read_units, counter.update_units, counter.index_units
    counter.indexed = True
    bookkeeping, start = counter.bookkeeping, time.perf_counter()
    result = runtime.dispatch(at)
    elapsed = (time.perf_counter() - start - (counter.bookkeeping - bookkeeping)) * 1000
    counter.indexed = False
    due = max(1, result["DispatcherFunction"]["enqueued"])
    return Measured(
        f"Dispatch+send, {what} ({due} due)",
        elapsed / due,
        sum(counter.calls.values()) / due,
        3,
        _kinds(counter.calls),
        write_units=(counter.update_units - updates + counter.index_units - index) / due,
        read_units=(counter.read_units - reads) / due,
        index_units=(counter.index_units - index) / due,
    )


def _kinds(calls: Counter[str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(calls.items()))


@cache
def _deployed_constants() -> dict[str, str]:
    """The environment every deployed function gets that is a constant in template.yaml (such as
    PYDANTIC_DISABLE_PLUGINS): a cold start is measured as Lambda would run it."""
    from touchpoint_tools.local.template import load

    env = next(iter(load(ROOT / "template.yaml").functions.values())).environment
    return {name: value for name, value in env.items() if isinstance(value, str)}


def _fresh_ms(code: str, runs: int = 5, bytecode: bool = True) -> float:
    """The fastest of fresh interpreters of the milliseconds `code` prints last: on a shared
    machine every other run is the same work plus someone else's. Without `bytecode`, every
    module is compiled from source, as from a layer shipped without .pyc files."""
    samples = []
    env = {**os.environ, **_deployed_constants()}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as empty:
            flags = [] if bytecode else ["-B"]
            run_env = env if bytecode else {**env, "PYTHONPYCACHEPREFIX": empty}
            out = subprocess.run(
                [sys.executable, *flags, "-c", code], capture_output=True, text=True, env=run_env, check=True
            )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return min(samples)


# what a first request would load if the module had not: every function that handles events
# loads the pipeline and the playbook at import now (touchpoint/coldstart.py), so this is a
# guard that adds nothing when that holds. The Dispatcher reads the due index and enqueues: it
# never loads either.
FIRST_REQUEST = "import touchpoint.pipeline as p; p.current_playbook()"
# The Sender loads the playbook without the pipeline, and its first e-mail imports the sendgrid
# client (about 20 ms); the DeliveryEvents function's first post imports sendgrid's signature check.
# The Watches function's first record imports boto3 for its S3 client (as for every function,
# making the clients is not counted). The Preferences function's first request is taken to be a
# one-click unsubscribe, what mail providers post; a first preference page adds Jinja2
# (PREFERENCE_PAGE)
FIRST_REQUEST_OF = {
    "dispatcher": "pass",
    "watches": "import boto3",
    "sender": "import touchpoint.playbook.loading as p; p.current_playbook(); import sendgrid",
    "delivery_events": f"{FIRST_REQUEST}; import sendgrid.helpers.eventwebhook",
}
PREFERENCE_PAGE = f"{FIRST_REQUEST}; import touchpoint.preferences.center as c; c._pages()"


def bench_cold_without_bytecode(function: str = "web_event") -> float:
    """A function's module when nothing is compiled yet: what a layer without .pyc files cost at
    every cold start until 2026-12-04 (Lambda mounts layers read-only)."""
    timed = (
        "import time,runpy; s=time.process_time(); runpy.run_path({!r}); print((time.process_time()-s)*1000)"
    )
    return _fresh_ms(timed.format(str(ROOT / "functions" / function / "app.py")), runs=3, bytecode=False)


# what a webhook function loads before any code of ours: the named libraries, pydantic with one
# model defined (the events are validated with models, as Powertools' parser wants; defining the
# first model imports pydantic's fields, types and schema machinery, which importing BaseModel
# alone does not) and Powertools' HTTP resolver, logger and metrics
BASELINE_IMPORTS = "import pynamodb.models, boto3"
REQUIRED_BY_A_WEBHOOK = (
    f"{BASELINE_IMPORTS}; from pydantic import BaseModel; "
    "import aws_lambda_powertools.event_handler; from aws_lambda_powertools import Logger, Metrics; "
    "type('One', (BaseModel,), {'__annotations__': {'x': int}})"
)


def _compile_ours() -> None:
    """Bytecode for our modules, as the layer ships it (the libraries got theirs from pip). Where
    PYTHONDONTWRITEBYTECODE is set, a module edited since its last compile would otherwise be
    compiled from source in every run: tens of ms that no deployed function pays."""
    import compileall

    for folder in ("shared", "tools", "functions"):
        compileall.compile_dir(ROOT / folder, quiet=1)


def bench_cold_imports() -> tuple[float, float, list[tuple[str, float, float]]]:
    """The baseline (`import pynamodb, boto3`, what any such function pays), what a webhook
    function pays for its required libraries alone, and each handler module's import, alone and
    with what its first request imports and loads."""
    # CPU time of the child: wall time on a shared 2-core machine varied by a third between runs
    timed = "import time,runpy; s=time.process_time(); {}; print((time.process_time()-s)*1000)"
    _compile_ours()
    baseline = _fresh_ms(timed.format(BASELINE_IMPORTS), runs=9)
    floor = _fresh_ms(timed.format(REQUIRED_BY_A_WEBHOOK), runs=9)
    rows = [
        (
            app.parent.name,
            _fresh_ms(timed.format(f"runpy.run_path({str(app)!r})")),
            _fresh_ms(
                timed.format(
                    f"runpy.run_path({str(app)!r}); {FIRST_REQUEST_OF.get(app.parent.name, FIRST_REQUEST)}"
                )
            ),
        )
        for app in sorted(ROOT.glob("functions/*/app.py"))
    ]
    preferences = ROOT / "functions" / "preferences" / "app.py"
    page = _fresh_ms(timed.format(f"runpy.run_path({str(preferences)!r}); {PREFERENCE_PAGE}"))
    module = next(alone for name, alone, _ in rows if name == "preferences")
    rows.append(("preferences page", module, page))
    return baseline, floor, rows


import history  # noqa: E402  (benchmarks/ is on the path when run as a script)
import warm_profile  # noqa: E402


def _history(views: int, bounded: bool = True) -> dict[str, Any]:
    """A returning visitor's profile item after `views` product views, each a new product."""
    from unittest import mock

    from touchpoint.events import Kind, LineItem, TouchpointEvent
    from touchpoint.profiles import bounds, changes, recent

    start = datetime(2026, 1, 1, tzinfo=UTC)
    item: dict[str, Any] = {}
    with mock.patch.object(bounds, "bound", bounds.bound if bounded else lambda change, before: None):
        for n in range(views):
            product = LineItem(product_id=str(7_000_000_000_000 + n), category=f"category-{n % 7}")
            at = start + timedelta(minutes=n)
            event = TouchpointEvent(
                source="bench",
                event_id=f"v-{n}",
                kind=Kind.PRODUCT_VIEWED,
                occurred_at=at,
                products=(product,),
            )
            change = changes.change_for(event, item, "c-bench", set(), at)
            recent.remember(change, item, event.dedup_key, f"{n:032x}")
            item = changes.apply(item, change)
    return item


def bench_profile_growth() -> None:
    """Item size and capacity units of one more storefront event, by history length."""
    from touchpoint_tools.measure.item_size import item_size, write_units

    for views in (1, 100, 1000, 10_000):
        size = item_size(_history(views))
        units = write_units(size, transactional=False)
        cost = (
            units * WRITE_UNIT_PRICE + 2 * 0.5 * READ_UNIT_PRICE
        )  # an alias and the profile, eventually consistent
        verdict = "met" if size <= 4096 else "NOT met"
        priced = "met" if cost <= 1.0 else "NOT met"
        print(
            f"  after {views:>6,} views: profile {size / 1024:4.1f} KB (target <= 4 KB {verdict}); a page view is "
            f"one UpdateItem of {units} write units and 1 read unit: ${cost:.2f} per million (target <= $1 {priced})"
        )
    unbounded = item_size(_history(1000, bounded=False))
    print(
        f"  without the caps, after 1,000 views: {unbounded / 1024:.1f} KB, "
        f"{write_units(unbounded, transactional=False)} write units"
    )


# the realistic mix; storefront calls split evenly between page and product views
BLEND = {
    "WebEvent (page view, returning visitor)": 0.45,
    "WebEvent (product view, returning visitor)": 0.45,
    "CartAbandoned (checkout)": 0.08,
    "Purchase (order after checkout)": 0.02,
}
LAMBDA_REQUEST_PER_MILLION = 0.20
LAMBDA_GB_SECOND_ARM = 0.0000133334
FUNCTION_GB = 0.5
ASSUMED_SECONDS = 0.030  # per event on AWS: our code (~5 ms) plus three calls at single-digit ms each
HTTP_API_PER_MILLION = 1.00
SQS_FIFO_PER_MILLION = 0.50  # requests, us-east-1, beyond the free tier


def print_blend(rows: dict[str, Measured]) -> None:
    """The blended DynamoDB cost of the mix, with Lambda (arm64) added and API Gateway beside it."""
    dynamodb = sum(share * rows[name].dollars_per_million for name, share in BLEND.items())
    terms = " + ".join(
        f"{share:.0%} x ${rows[name].dollars_per_million:.2f}" for name, share in BLEND.items()
    )
    lambda_cost = (
        LAMBDA_REQUEST_PER_MILLION + 1_000_000 * ASSUMED_SECONDS * FUNCTION_GB * LAMBDA_GB_SECOND_ARM
    )
    total = dynamodb + lambda_cost
    verdict = "met" if total <= 1.0 else "NOT met"
    print(
        f"  blend (90% storefront, 8% checkout, 2% order): {terms} = ${dynamodb:.2f} per million in DynamoDB"
    )
    print(
        f"  + Lambda arm64 ${lambda_cost:.2f} (requests ${LAMBDA_REQUEST_PER_MILLION:.2f}, {FUNCTION_GB} GB x"
        f" {ASSUMED_SECONDS * 1000:.0f} ms assumed) = ${total:.2f} per million events (target <= $1 {verdict});"
        f" API Gateway HTTP API beside it: ${HTTP_API_PER_MILLION:.2f} per million requests"
    )


def _with_sendgrid(run: Callable[[], T]) -> T:
    """`run` with the functions' SendGrid client pointed at a loopback stub."""
    from touchpoint_tools.local.sendgrid_stub import SendGridStub

    with SendGridStub() as stub:
        os.environ["SENDGRID_API_HOST"] = stub.url
        return run()


def _print_trips(rows: list[Measured], decimals: int) -> None:
    for row in rows:
        verdict = "met" if row.trips <= row.target else "NOT met"
        aside = (
            f"; off the path, the Watches function: {row.aside_trips:.1f} calls (erasures"
            f" BatchGetItem, watches BatchWriteItem), {row.aside_units:.1f} write units (counted"
            " in the capacity below)"
            if row.aside_trips
            else ""
        )
        print(
            f"  {row.name:<44} {row.ms:7.1f} ms  {row.trips:4.{decimals}f} round trips,"
            f" target <= {row.target} {verdict}  ({row.kinds}{aside})"
        )


def _largest(size: int) -> str:
    if not size:
        return "the request changed no item"
    verdict = "met" if size <= 4096 else "NOT met"
    return f"largest item the request changed {size / 1024:.1f} KB (target <= 4 KB {verdict})"


def print_handlers() -> None:
    print("\nper event, warm, moto in-process (median ms; DynamoDB round trips per event, mean)")
    rows, raw = _with_sendgrid(bench_handlers)
    _print_trips(rows, decimals=1)
    print(
        f"\ntime outside the emulator per event (our code and botocore) against one raw UpdateItem's {raw:.2f} ms"
    )
    for row in rows:
        ratio = row.outside_ms / raw
        verdict = "met" if ratio <= 3 else "NOT met"
        print(f"  {row.name:<44} {row.outside_ms:5.1f} ms, {ratio:4.1f}x (target <= 3x {verdict})")
    print("\nDynamoDB capacity per event, by the sizes of the items each request changed and read")
    for row in rows:
        print(
            f"  {row.name:<44} {row.write_units:4.1f} write units, {row.read_units:4.1f} read units:"
            f" ${row.dollars_per_million:.2f} per million; {_largest(row.largest_bytes)}"
        )
    print_blend({row.name: row for row in rows})


def print_delivery() -> None:
    print("\nper delivered message, Dispatcher and Sender (moto in-process; mean DynamoDB round trips)")
    rows = _with_sendgrid(bench_delivery)
    _print_trips(rows, decimals=2)
    print(
        "DynamoDB capacity per delivered message (UpdateItems by the size of the item they returned, and"
        " the due index's entry writes: 1 unit to put or delete one, 2 to re-key one)"
    )
    for row in rows:
        verdict = "met" if row.dollars_per_million <= 2.0 else "NOT met"
        print(
            f"  {row.name:<44} {row.write_units:4.1f} write units ({row.index_units:.1f} of them in the due index),"
            f" {row.read_units:4.1f} read units:"
            f" ${row.dollars_per_million:.2f} per million (target <= $2 {verdict})"
        )
    sqs = 3 * SQS_FIFO_PER_MILLION / 10
    print(
        f"  beside it, the FIFO queue: one SendMessageBatch, one ReceiveMessage and one DeleteMessageBatch"
        f" per 10 messages at ${SQS_FIFO_PER_MILLION:.2f} per million requests = ${sqs:.2f} per million messages"
    )


def print_growth() -> None:
    print("\na returning visitor: the profile item and one more storefront event's DynamoDB cost")
    bench_profile_growth()


def print_dispatcher() -> None:
    print("\nthe Dispatcher alone, 1% of the shop due (moto in-process)")
    for size, items, calls, ms, ours in bench_dispatcher_scale():
        verdict = "met" if items <= 1.2 else "NOT met"
        print(
            f"  {size:>7,} customers: {items:.1f} items read per due message (target <= 1.2 {verdict}: the due "
            f"entry alone; the send-time check reads the customer once, in the Sender), {calls:.3f} calls; "
            f"{ms:.0f} ms per due message, {ours:.1f} ms of it outside AWS calls"
        )
    print(
        "  time per due message flat in the shop's size: NOT shown on moto, whose index Query reads every item "
        "of the table, so its time grows with the table (DynamoDB's reads only the due entries); the items read "
        "and the time outside AWS calls per due message are what this bench can show flat or falling"
    )


def print_cold_imports() -> None:
    print("\ncold start of each handler module (CPU ms, fastest of 5 fresh interpreters; baseline of 9)")
    baseline, floor, imports = bench_cold_imports()
    print(f"  baseline: import pynamodb, boto3  {baseline:.0f} ms")
    print(
        f"  floor of a webhook function: the same with one pydantic model defined and Powertools' event"
        f" handler, Logger and Metrics  {floor:.0f} ms, {floor / baseline:4.2f}x before any code of ours"
        f" (target <= 1.5x {'met' if floor <= 1.5 * baseline else 'NOT met'} by the libraries alone)"
    )
    raw = bench_cold_without_bytecode()
    print(
        f"  web_event with nothing compiled (a layer without .pyc, as deployed until 12-04) {raw:5.0f} ms,"
        f" {raw / baseline:4.2f}x the baseline with bytecode; the layer ships bytecode now (shared/build_layer.py)"
    )
    for name, alone, first in imports:
        verdict = "met" if first <= 1.5 * baseline else "NOT met"
        above = f"; {first - floor:.0f} ms above the floor" if first >= floor else ""
        print(
            f"  {name:<16} module {alone:5.0f} ms ({alone / baseline:4.2f}x); with the first request's imports "
            f"and playbook {first:5.0f} ms, {first / baseline:4.2f}x the baseline (target <= 1.5x {verdict}{above})"
        )


# one row per kind of write: a transaction of a new shopper, one with an order's statistics, a page
# view and a product view of a known visitor, and a ticket (an UpdateItem of a buyer's profile)
PROFILED = (
    "CartAbandoned (checkout)",
    "Purchase (order after checkout)",
    "WebEvent (page view, a buyer with messages)",
    "WebEvent (product view, returning visitor)",
    "SupportTicket (opened by a buyer)",
)


def bench_profile(rounds: int = 60, warm: int = 10) -> list[tuple[str, dict[str, float]]]:
    """Per row of PROFILED, the libraries' shares of the time outside the emulator, over `rounds`
    warm requests (warm_profile.py)."""
    with _emulated() as (runtime, _):
        cases = _cases(datetime.now(UTC), runtime)
        found = []
        for name in PROFILED:
            make = cases[name][0]
            for i in range(warm):
                runtime.http("POST", *make(i))
                runtime.drain()
            requests = []
            for i in range(warm, warm + rounds):
                requests.append(make(i))  # some makers post an earlier, unprofiled request
                runtime.drain()
            found.append((name, warm_profile.profile(lambda r: runtime.http("POST", *r), requests)))
            runtime.drain()
    return found


def print_profile(rounds: int = 60) -> None:
    print(
        f"\nwhere the time outside the emulator goes (cProfile of {rounds} warm requests per row, paused while"
        " moto answers; each library's share, with the standard-library calls it made)"
    )
    for name, shares in _with_sendgrid(lambda: bench_profile(rounds)):
        print(f"  {name:<44} {warm_profile.line(shares)}")


def print_decide() -> None:
    print(f"decide(): {bench_decide():,.0f} calls/s (a cart checkout: 4 steps each)")


SECTIONS = {
    "decide": print_decide,
    "handlers": print_handlers,
    "growth": print_growth,
    "delivery": print_delivery,
    "dispatcher": print_dispatcher,
    "cold": print_cold_imports,
    "history": history.main,
    "profile": print_profile,
}


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        sys.exit(f"unknown section {unknown[0]}; sections: {', '.join(SECTIONS)}")
    for name in names or SECTIONS:
        SECTIONS[name]()
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
