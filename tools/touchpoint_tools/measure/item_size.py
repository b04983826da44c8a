"""An item's size as DynamoDB bills it (its published sizing rules), for the bounds the profile
keeps and the capacity units `make bench` prints."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any


def value_size(value: Any) -> int:
    """Strings by UTF-8 length; numbers by (significant digits / 2) + 1; sets by their elements;
    maps and lists 3 bytes plus 1 per element plus their contents."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float | Decimal):
        digits = format(Decimal(str(value)).normalize(), "f").replace("-", "").replace(".", "").strip("0")
        return min(21, len(digits) // 2 + 1)
    if isinstance(value, datetime):
        return len(value.isoformat())
    if isinstance(value, set | frozenset):
        return sum(value_size(v) for v in value)
    if isinstance(value, dict):
        return 3 + sum(len(str(k).encode()) + value_size(v) + 1 for k, v in value.items())
    if isinstance(value, list | tuple):
        return 3 + sum(value_size(v) + 1 for v in value)
    return len(str(value).encode())


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, consistent: bool) -> float:
    """One unit per started 4 KB, half of it for an eventually consistent read."""
    return math.ceil(max(size, 1) / 4096) * (1.0 if consistent else 0.5)


def write_units(size: int, transactional: bool = True) -> int:
    """One unit per started KB; a transaction bills every item twice."""
    return math.ceil(max(size, 1) / 1024) * (2 if transactional else 1)


def index_write_units(
    before: dict[str, Any] | None, after: dict[str, Any] | None, keys: tuple[str, ...]
) -> int:
    """Write units a table write costs in a global secondary index keyed on `keys` (KEYS_ONLY, so
    an entry is well under 1 KB): putting an entry is one, deleting one is one, and changing an
    index key is both. Index writes are never doubled, not even for a transaction's item."""
    old = tuple((before or {}).get(k) for k in keys)
    new = tuple((after or {}).get(k) for k in keys)
    if old == new:
        return 0
    return int(all(v is not None for v in old)) + int(all(v is not None for v in new))
