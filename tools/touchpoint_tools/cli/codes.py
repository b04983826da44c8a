"""`touchpoint codes import|status`: single-use discount codes made elsewhere, in offer pools."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from touchpoint.errors import UserError
from touchpoint_tools.cli.context import Context
from touchpoint_tools.cli.operate import read_text
from touchpoint_tools.cli.options import AWS, add, group


def _unique_offers() -> list[str]:
    from touchpoint.playbook.loading import current_playbook

    return sorted(name for name, offer in current_playbook().offers.items() if offer.unique)


def _checked_offer(name: str) -> str:
    unique = _unique_offers()
    if name not in unique:
        known = ", ".join(unique) or "none: mark an offer `unique: true` in the playbook"
        raise UserError(f"--offer {name}: not a unique offer of the playbook (unique offers: {known})")
    return name


def _codes(path: str) -> list[tuple[int, str | Exception]]:
    from touchpoint.codes import CodeError
    from touchpoint_tools import code_files

    try:
        return list(code_files.parse(read_text(path)))
    except CodeError as exc:
        raise UserError(f"{path}: {exc}") from None


def cmd_codes_import(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint import codes

    ctx.connect()
    offer = _checked_offer(args.offer)
    lines = _codes(args.file)
    now, seen, imported, refused = datetime.now(UTC), set(), 0, 0
    for number, code in lines:
        problem = str(code) if isinstance(code, Exception) else None
        if problem is None and str(code).upper() in seen:
            problem = f"{code}: repeated in the file"
        elif problem is None and not codes.add(offer, str(code), now):
            problem = f"{code}: already in a pool"
        if problem:
            refused += 1
            print(f"{args.file}:{number}: {problem}", file=sys.stderr)
            continue
        seen.add(str(code).upper())
        imported += 1
    if imported:
        codes.count_added(offer, imported)
    ctx.say(
        json.dumps(
            {
                "offer": offer,
                "imported": imported,
                "refused": refused,
                "left": codes.left(offer),
                "acted_on": ctx.where(),
            }
        )
    )
    return 1 if refused else 0


def cmd_codes_status(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint import codes

    ctx.connect()
    pools = {p.offer: p for p in codes.pools()}
    names = [args.offer] if args.offer else sorted({*pools, *_unique_offers()})
    for name in names:
        pool = pools.get(name)
        ctx.say(
            json.dumps({"offer": name, "left": pool.left if pool else 0, "added": pool.added if pool else 0})
        )
    return 0


def add_commands(sub: Any) -> None:
    codes = group(sub, "codes", "single-use discount codes, in a pool per unique offer")
    i = add(
        codes,
        "import",
        cmd_codes_import,
        "load codes made elsewhere into an offer's pool (a code already in any pool is refused)",
        (*AWS, "PLAYBOOK"),
    )
    i.add_argument("--offer", required=True, help="a unique offer of the playbook (`unique: true`)")
    i.add_argument(
        "file", help="one code a line, or a CSV with a code column (Shopify's and WooCommerce's exports)"
    )
    s = add(codes, "status", cmd_codes_status, "codes left per pool, as JSON lines", (*AWS, "PLAYBOOK"))
    s.add_argument("--offer", default=None, help="only this offer's pool")
