"""Parsing helpers that turn bad input into PayloadError naming the field."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from touchpoint.invisible import visible
from touchpoint.sources import PayloadError

MAX_AMOUNT = Decimal(10) ** 12  # a trillion: more than any order, and money stays exact
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # times outside this range are the client's mistake
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


# a \uD800-\uDFFF escape: JSON allows it alone, but no UTF-8 text (nor DynamoDB) can hold it
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


_NAME = re.compile(r"^[A-Za-z0-9_./:-]{1,40}$")


def shown(value: object) -> str:
    """A client's value as a reason may quote it: a topic or status name as it is, anything else
    (an address, a phone number, a long string) not at all, so no contact data reaches a log."""
    text = str(value)
    return f"'{text}'" if _NAME.match(text) and not text.lstrip("+").isdigit() else "(a value not shown)"


def parse_json(body: bytes) -> Any:
    """Any JSON body; every way it can fail to decode is the client's 400, a lone UTF-16
    surrogate included (it would fail later, at the write, as a 5xx the platform retries for
    ever)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except RecursionError:
        raise PayloadError("body is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(body):
        _refuse_surrogates(data, "")
    return data


def _refuse_surrogates(value: Any, where: str) -> None:
    """PayloadError naming the first field (or key) holding a lone surrogate."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PayloadError(
                f"field '{where or '(the body)'}' holds an invalid character (a lone surrogate)"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_surrogates(key, f"{where}.(a key)" if where else "(a key)")
            _refuse_surrogates(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_surrogates(item, f"{where}[{i}]")


def parse_object(body: bytes) -> dict[str, Any]:
    data = parse_json(body)
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    return data


def obj(data: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"field '{where}{key}' must be an object")
    return value


def items(data: dict[str, Any], key: str, where: str = "") -> list[dict[str, Any]]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PayloadError(f"field '{where}{key}' must be a list of objects")
    return value


def text(data: dict[str, Any], key: str, where: str = "", required: bool = False) -> str | None:
    """A string (or an integer, as text) with invisible characters removed (invisible.py)."""
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
        raise PayloadError(f"field '{where}{key}' must be a string")
    found = visible(str(value)) if value is not None else ""
    if not found:
        if required:
            raise PayloadError(f"missing required field '{where}{key}'")
        return None
    return found


def money(data: dict[str, Any], key: str, where: str = "") -> Decimal:
    value = data.get(key)
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(f"field '{where}{key}' must be a number or numeric string")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"field '{where}{key}' must be a number or numeric string") from None
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        raise PayloadError(f"field '{where}{key}' is out of range")
    if amount < 0:  # prices, totals and refunds are all stated as positive amounts
        raise PayloadError(f"field '{where}{key}' must not be negative")
    return amount


def quantity(data: dict[str, Any], key: str, where: str = "") -> int:
    value = data.get(key, 1)
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(f"field '{where}{key}' must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise PayloadError(f"field '{where}{key}' must be an integer") from None
    if number < 0 or number > 1_000_000:
        raise PayloadError(f"field '{where}{key}' is out of range")
    return number


def timestamp(data: dict[str, Any], key: str, where: str = "", default: datetime | None = None) -> datetime:
    value = data.get(key)
    if value is None or value == "":
        return default or datetime.now(UTC)
    if isinstance(value, bool):
        raise PayloadError(f"field '{where}{key}' must be an ISO 8601 time")
    try:
        if isinstance(value, int | float):
            parsed = datetime.fromtimestamp(float(value), UTC)
        elif isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise PayloadError(f"field '{where}{key}' must be an ISO 8601 time") from None
    return _in_range(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC), f"{where}{key}")


def _in_range(value: datetime, field: str) -> datetime:
    try:
        utc = value.astimezone(UTC)  # 0001-01-01T00:00:00+14:00 has no UTC instant
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise PayloadError(f"field '{field}' must be between 1970 and 2100")
    return utc
