"""DynamoDB's billing of index writes, as the bench counts them."""

from touchpoint_tools.measure.item_size import index_write_units

KEYS = ("due_pk", "due_sk")
DUE = {"pk": "C#1", "due_pk": "DUE#3", "due_sk": "2026-12-04T10:00:00#m"}


def test_an_entry_appearing_or_going_is_one_write() -> None:
    assert index_write_units({"pk": "C#1"}, DUE, KEYS) == 1
    assert index_write_units(DUE, {"pk": "C#1"}, KEYS) == 1
    assert index_write_units(None, DUE, KEYS) == 1


def test_changing_an_index_key_deletes_and_puts() -> None:
    later = {**DUE, "due_sk": "2026-12-05T10:00:00#m"}
    assert index_write_units(DUE, later, KEYS) == 2


def test_a_write_leaving_the_keys_alone_costs_the_index_nothing() -> None:
    assert index_write_units(DUE, {**DUE, "status": "sent"}, KEYS) == 0
    assert index_write_units({"pk": "C#1"}, {"pk": "C#1", "status": "sent"}, KEYS) == 0
