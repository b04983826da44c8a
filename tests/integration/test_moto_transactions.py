"""The local emulation's TransactWriteItems (local/moto_transactions.py) stays all-or-nothing
while it no longer copies the table."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from touchpoint import aws
from touchpoint_tools.local.runtime import LocalRuntime


def _item(pk: str, **extra: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": "X"}, **{k: {"S": v} for k, v in extra.items()}}


def test_a_cancelled_transaction_leaves_every_item_as_it_was(runtime: LocalRuntime) -> None:
    db, table = aws.client("dynamodb"), runtime.resources.table_name
    db.put_item(TableName=table, Item=_item("kept", note="before"))
    with pytest.raises(ClientError) as failure:
        db.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": _item("new")}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "kept"}, "sk": {"S": "X"}},
                        "UpdateExpression": "SET note = :n",
                        "ExpressionAttributeValues": {":n": {"S": "after"}},
                    }
                },
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "kept"}, "sk": {"S": "Y"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": "absent"}, "sk": {"S": "X"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert failure.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in db.get_item(TableName=table, Key={"pk": {"S": "new"}, "sk": {"S": "X"}})
    kept = db.get_item(TableName=table, Key={"pk": {"S": "kept"}, "sk": {"S": "X"}})["Item"]
    assert kept["note"] == {"S": "before"}


def test_a_transaction_that_passes_writes_everything(runtime: LocalRuntime) -> None:
    db, table = aws.client("dynamodb"), runtime.resources.table_name
    db.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": _item(f"n{i}")}} for i in range(3)]
    )
    assert len(db.scan(TableName=table)["Items"]) == 3


def test_the_table_is_not_copied_per_transaction(runtime: LocalRuntime) -> None:
    """moto deep-copied the whole table once per item of every transaction, and swapped the copy
    in when one was cancelled."""
    from moto.dynamodb import models

    db, table = aws.client("dynamodb"), runtime.resources.table_name
    backend = models.dynamodb_backends["123456789012"]["us-east-1"]
    before = backend.tables[table]
    failing = {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"pk": {"S": "absent"}, "sk": {"S": "X"}},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }
    with pytest.raises(ClientError):
        db.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": _item("one")}}, failing])
    assert backend.tables[table] is before
