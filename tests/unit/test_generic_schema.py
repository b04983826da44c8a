"""The published JSON Schemas and the generic adapter agree on what is valid."""

from __future__ import annotations

import json

import jsonschema
import pytest

from touchpoint.sources import PayloadError, Request, generic

from ..conftest import ROOT

EXAMPLES = {
    "checkouts": {
        "event_id": "e1",
        "customer": {"id": 42, "email": "ann@example.com"},
        "consent": {"email": "subscribed"},
        "checkout": {
            "token": "c-9",
            "items": [{"product_id": "sku-1", "title": "Hat", "quantity": 1, "price": "20.00"}],
            "total": "20.00",
            "currency": "EUR",
            "url": "https://shop.example/c-9",
        },
    },
    "orders": {
        "event_id": "e2",
        "customer": {"email": "ann@example.com"},
        "order": {"id": 7, "status": "placed", "total": 20},
    },
    "tickets": {
        "event_id": "e3",
        "customer": {"phone": "+4915112345678"},
        "ticket": {"id": "T1", "status": "rated", "rating": "bad"},
    },
    "customers": {
        "event_id": "e4",
        "customer": {"id": "42"},
        "consent": {"sms": "unsubscribed"},
        "action": "update",
    },
}


@pytest.mark.parametrize("resource", sorted(EXAMPLES))
def test_examples_are_valid_for_schema_and_adapter(resource: str) -> None:
    schema = json.loads((ROOT / "schemas" / "generic" / f"{resource}.json").read_text())
    jsonschema.validate(EXAMPLES[resource], schema)
    [event] = generic.normalize(Request(headers={}, body=json.dumps(EXAMPLES[resource]).encode()), resource)
    assert event.event_id == EXAMPLES[resource]["event_id"]


@pytest.mark.parametrize("resource", sorted(EXAMPLES))
def test_missing_event_id_is_rejected_by_both(resource: str) -> None:
    schema = json.loads((ROOT / "schemas" / "generic" / f"{resource}.json").read_text())
    body = {k: v for k, v in EXAMPLES[resource].items() if k != "event_id"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema)
    with pytest.raises(PayloadError, match="event_id"):
        generic.normalize(Request(headers={}, body=json.dumps(body).encode()), resource)
