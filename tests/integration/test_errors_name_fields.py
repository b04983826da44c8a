"""A 400 names the field, never the value: an e-mail address or a phone in a malformed body is
neither echoed to the caller nor written to the log."""

from __future__ import annotations

import logging

import pytest

from ..conftest import Shop

SECRETS_OF_THE_SHOPPER = ("ann@example.com", "+4915112345678")


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"email": {"a": "ann@example.com"}}, "email"),
        ({"phone": ["+4915112345678"]}, "phone"),
        ({"created_at": "ann@example.com"}, "created_at"),
        ({"total_price": "+4915112345678"}, "total_price"),
        ({"line_items": "ann@example.com"}, "line_items"),
    ],
)
def test_a_bad_value_is_named_not_repeated(
    shop: Shop, caplog: pytest.LogCaptureFixture, patch: dict[str, object], field: str
) -> None:
    caplog.set_level(logging.DEBUG)
    status, answer = shop.post("checkouts", "checkouts/create", {**shop.checkout(5), **patch})
    assert status == 400 and f"'{field}'" in answer["error"]
    said = answer["error"] + caplog.text
    assert not any(secret in said for secret in SECRETS_OF_THE_SHOPPER)
