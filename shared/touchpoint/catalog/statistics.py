"""Product statistics for recommendations: co-purchase counts and sharded best sellers.

Items: P#<product> / CO holds `sold` and one `co:<other>` counter per product bought
with it; P#_TOP#<shard> / SOLD holds `s:<product>` counters, sharded so a flash sale
does not pile every order onto one partition. Attribute names are data here, so this
adapter speaks the low-level API rather than a pynamodb model.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pynamodb.transactions import TransactWrite

from touchpoint import aws, config
from touchpoint.catalog.cache import Expiring
from touchpoint.identity import key_part, sha256

if TYPE_CHECKING:  # the Sender reads statistics: the event models would lengthen its cold start
    from touchpoint.events import LineItem

TOP_SHARDS = 4
MAX_ITEMS = 10


def _update(key: dict[str, Any], counters: dict[str, int]) -> dict[str, Any]:
    """One low-level Update of a transaction: ADD each counter."""
    names = {f"#a{i}": name for i, name in enumerate(counters)}
    values = {f":v{i}": {"N": str(amount)} for i, amount in enumerate(counters.values())}
    return {
        "TableName": config.table_name(),
        "Key": key,
        "UpdateExpression": "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(counters))),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def updates(order_id: str, items: tuple[LineItem, ...]) -> list[dict[str, Any]]:
    """The counter updates one order makes: co-purchases of its (at most MAX_ITEMS) products and
    their sales on one best-seller shard."""
    quantities: Counter[str] = Counter()
    for item in items:
        quantities[item.product_id] += max(1, item.quantity)
    products = [p for p, _ in quantities.most_common(MAX_ITEMS)]
    if not products:
        return []  # an order without line items: nothing to count
    found = [
        _update(
            {"pk": {"S": f"P#{key_part(product)}"}, "sk": {"S": "CO"}},
            {"sold": quantities[product]} | {f"co:{other}": 1 for other in products if other != product},
        )
        for product in products
    ]
    shard = int(sha256(order_id)[:8], 16) % TOP_SHARDS
    found.append(
        _update(
            {"pk": {"S": f"P#_TOP#{shard}"}, "sk": {"S": "SOLD"}}, {f"s:{p}": quantities[p] for p in products}
        )
    )
    return found


def stage(tx: TransactWrite, order_id: str, items: tuple[LineItem, ...]) -> None:
    """Count the order inside the event's own transaction: a repeated order is never counted twice
    and a failed one never half-counted, in no extra round trip. The counters' attribute names
    are data, so these are low-level updates; pynamodb's TransactWrite sends what it holds in
    `_update_items` as they are (pynamodb 6)."""
    tx._update_items.extend(updates(order_id, items))


Item = dict[str, Any]
_held: Expiring[Item] = Expiring()


def read(products: list[str]) -> tuple[dict[str, int], list[str]]:
    """Co-purchase counts summed over `products`, and best sellers: one BatchGetItem of the
    items the Sender's cache (catalog/cache.py) does not hold."""
    keys = [f"P#{key_part(p)}" for p in dict.fromkeys(products[: MAX_ITEMS * 2])]
    keys += [f"P#_TOP#{n}" for n in range(TOP_SHARDS)]
    co: Counter[str] = Counter()
    sold: Counter[str] = Counter()
    for item in _held.get_many(keys, _fetch).values():
        for name, value in item.items():
            if name.startswith("co:"):
                co[name[3:]] += int(value["N"])
            elif name.startswith("s:"):
                sold[name[2:]] += int(value["N"])
    return dict(co), [p for p, _ in sold.most_common(20)]


def _fetch(partitions: list[str]) -> dict[str, Item]:
    table = config.table_name()
    keys = [{"pk": {"S": pk}, "sk": {"S": "SOLD" if pk.startswith("P#_TOP#") else "CO"}} for pk in partitions]
    response = aws.client("dynamodb").batch_get_item(RequestItems={table: {"Keys": keys}})
    return {item["pk"]["S"]: item for item in response.get("Responses", {}).get(table, [])}
