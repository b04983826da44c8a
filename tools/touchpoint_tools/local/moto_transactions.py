"""Two narrow fixes to moto's DynamoDB for the laptop and the tests.

1. moto makes a transaction all-or-nothing by deep-copying the whole table, once per item of the
   transaction, before it starts: memory and time grow with the table (a fuzz run reached 20 GB).
   Here only the items a transaction touches are saved, and restored if it is cancelled; the rest
   of moto's logic (conditions, cancellation reasons, limits) runs unchanged.
2. moto answers a Query on the table's own key by sorting every item of the table: each event's
   profile read grew with the table (0.6 s per event after 4,000). Here that Query runs over the
   one partition it names; moto's own query code does the rest.
"""

from __future__ import annotations

import copy
from typing import Any

_installed = False


class _CopyExceptTables:
    """moto's module-level `copy`, except that a Table is not copied (we keep items instead)."""

    def __init__(self, table_type: type) -> None:
        self.table_type = table_type

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, self.table_type) else copy.deepcopy(value, memo)


def _key(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
    saved = []
    for entry in transact_items:
        try:
            op_type, op = next(iter(entry.items()))
            key = _key(backend, op_type, op)
            current = backend.get_item(op["TableName"], key)
        except Exception:  # a malformed request: moto's own code raises the proper error
            continue
        saved.append(
            (op["TableName"], key, copy.deepcopy(current.to_json()["Attributes"]) if current else None)
        )
    return saved


def _restore(backend: Any, saved: list[tuple[str, dict[str, Any], Any]]) -> None:
    for table_name, key, attrs in reversed(saved):
        if attrs is None:
            backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, attrs)


def install() -> None:
    """Idempotent; call before the first transaction (tests' conftest, `serve`, `demo`)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items
    models.copy = _CopyExceptTables(Table)  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _touched(self, transact_items) if len(transact_items) <= 100 else []
        try:
            original(self, transact_items)
        except Exception:
            _restore(self, saved)
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _partition_queries(Table)
    _installed = True


def _partition_queries(table_type: Any) -> None:
    original = table_type.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        partition = copy.copy(self)  # shares every item; only `items` is narrowed, nothing is mutated
        partition.items = {hash_key: self.items[hash_key]} if hash_key in self.items else {}
        return original(partition, hash_key, *args, **kwargs)

    table_type.query = query
