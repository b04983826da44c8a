"""Files of discount codes made elsewhere: one code a line, or a CSV with a code column (Shopify's
bulk code export has `Code`; WooCommerce coupon exports have `code`, `coupon_code` or, from the
WordPress exporter, `post_title`). Pure: yields each code with its line number, or the problem."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from touchpoint.codes import CodeError, clean

COLUMNS = ("code", "discount code", "coupon code", "coupon_code", "post_title")


def _column(header: list[str]) -> int | None:
    names = [h.strip().lower() for h in header]
    return next((names.index(c) for c in COLUMNS if c in names), None)


def parse(text: str) -> Iterator[tuple[int, str | CodeError]]:
    """(line number, code or CodeError) for every non-blank line; a header row is skipped."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return
    column = _column(rows[0])
    if column is None and len(rows[0]) > 1:
        raise CodeError(f"no code column in the header (one of: {', '.join(COLUMNS)})")
    start = 1 if column is not None else 0
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        value = row[column or 0] if len(row) > (column or 0) else ""
        try:
            yield number, clean(value)
        except CodeError as exc:
            yield number, exc
