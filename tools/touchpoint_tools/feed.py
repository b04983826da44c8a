"""Product files: a Google Merchant Center feed (CSV or tab-separated, the columns most shops
can export) or JSON lines of generic product objects. Pure: parsing only."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from touchpoint.catalog.model import Product
from touchpoint.catalog.sources import generic_product
from touchpoint.errors import SourceError

_PRICE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})?\s*$")
UNAVAILABLE = {"out_of_stock", "out of stock"}


class FeedError(ValueError):
    """One line of a feed that cannot be read; the rest still can."""


def _price(value: str, column: str) -> tuple[Decimal | None, str]:
    if not value.strip():
        return None, ""
    match = _PRICE.match(value)
    if not match:
        raise FeedError(f"column '{column}' must look like '15.00 USD'")
    try:
        return Decimal(match.group(1).replace(",", ".")), (match.group(2) or "").upper()
    except InvalidOperation:
        raise FeedError(f"column '{column}' must look like '15.00 USD'") from None


def _merchant_center(row: dict[str, str], at: datetime) -> Product:
    if not (row.get("id") or "").strip():
        raise FeedError("column 'id' is empty")
    price, currency = _price(row.get("price", ""), "price")
    sale, sale_currency = _price(row.get("sale_price", ""), "sale_price")
    category = (row.get("product_type") or row.get("google_product_category") or "").split(">")[-1].strip()
    return Product(
        product_id=row["id"].strip(),
        updated_at=at,
        title=(row.get("title") or "").strip(),
        url=(row.get("link") or "").strip(),
        image_url=(row.get("image_link") or "").strip(),
        price=sale if sale is not None else price,
        compare_at_price=price if sale is not None else None,
        currency=sale_currency or currency,
        category=category,
        vendor=(row.get("brand") or "").strip(),
        available=(row.get("availability") or "in_stock").strip().lower() not in UNAVAILABLE,
    )


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    dialect = "excel-tab" if "\t" in text.splitlines()[0] else "excel"
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    for number, row in enumerate(reader, start=2):
        yield number, {(k or "").strip().lower(): (v or "") for k, v in row.items()}


def _json_line(line: str, at: datetime) -> Product:
    try:
        data: Any = json.loads(line)
    except (ValueError, RecursionError):
        raise FeedError("not a JSON object") from None
    if not isinstance(data, dict):
        raise FeedError("not a JSON object")
    data.setdefault("updated_at", at.isoformat())
    try:
        return generic_product(data, "")
    except SourceError as exc:
        raise FeedError(str(exc)) from None


def parse(text: str, at: datetime) -> Iterator[tuple[int, Product | FeedError]]:
    """(line number, product or the reason that line cannot be read), in file order."""
    if text.lstrip().startswith("{"):
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        for number, line in lines:
            yield number, _attempt(_json_line, line, at)
    elif text.strip():
        for number, row in _rows(text):
            yield number, _attempt(_merchant_center, row, at)


def _attempt(build: Callable[[Any, datetime], Product], source: Any, at: datetime) -> Product | FeedError:
    try:
        return build(source, at)
    except FeedError as exc:
        return exc
