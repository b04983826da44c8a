"""The commands about what happened and what would have: backtest, report, archive export."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from touchpoint.errors import UserError
from touchpoint.playbook import loading
from touchpoint_tools.cli.context import Context
from touchpoint_tools.cli.options import AWS, add, group, parse_time, positive

REPORT_FILES = "folder for report.html, report.md and the plots"


def cmd_backtest(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint_tools.backtest.run import MODEL, BacktestError, Options, run

    for option in ("playbook", "vs", "events", "model"):
        path = getattr(args, option)
        if path is not None and not Path(path).is_file():
            raise UserError(f"--{option}: no such file: {path}")
    options = Options(
        playbook=Path(args.playbook),
        vs=Path(args.vs) if args.vs else None,
        events=Path(args.events) if args.events else None,
        synthetic=args.synthetic,
        days=args.days,
        seed=args.seed,
        out=Path(args.out),
        model=Path(args.model) if args.model else MODEL,
        workers=args.workers,
    )
    try:
        written = run(options)
    except BacktestError as exc:
        raise UserError(str(exc)) from None
    print(f"report written to {options.out}: " + ", ".join(p.name for p in written), file=sys.stderr)
    ctx.say((options.out / "report.md").read_text(encoding="utf-8").split("### Per step")[0].rstrip())
    return 0


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint_tools.report import live

    until = args.until or datetime.now(UTC)
    if until <= args.since:
        raise UserError("--until must be later than --since")
    ctx.connect()
    written = live.write(args.since, until, Path(args.out))
    print(f"report written to {args.out}: " + ", ".join(p.name for p in written), file=sys.stderr)
    return 0


def cmd_archive_export(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.archive import store as archive

    ctx.connect()
    if args.pseudonymise:
        from touchpoint_tools.pseudonyms import Pseudonyms

        pseudonyms = Pseudonyms()
        for record in archive.read(args.since, args.until):
            ctx.say(pseudonyms.line(record.line()))
        return 0
    for record in archive.read(args.since, args.until):
        ctx.say(record.line().decode().rstrip("\n"))
    return 0


def add_commands(sub: Any) -> None:
    b = add(
        sub,
        "backtest",
        cmd_backtest,
        "replay a synthetic shop or archived events against a playbook (and a variant) in simulated time",
        ("PLAYBOOK",),
    )
    source = b.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--events", help="JSON lines of canonical events (as `touchpoint archive export` writes)"
    )
    source.add_argument("--synthetic", type=positive, metavar="N", help="generate N synthetic shoppers")
    b.add_argument(
        "--days", type=positive, default=30, help="simulated days (after the last archived event: the tail)"
    )
    b.add_argument("--playbook", default=str(loading.DEFAULT), help="playbook A (default: the built-in one)")
    b.add_argument("--vs", default=None, help="playbook B, compared with A")
    b.add_argument("--seed", type=int, default=1, help="seed of the synthetic shop and the response model")
    b.add_argument("--out", default="backtest-report", help=REPORT_FILES)
    b.add_argument(
        "--model", default=None, help="shop and response model YAML (default: the built-in model.yaml)"
    )
    b.add_argument(
        "--workers",
        type=positive,
        default=None,
        metavar="N",
        help="replay in N processes, sharded by customer; the report is the same byte for byte "
        "(default: one per core, up to 4, for a large replay)",
    )
    r = add(
        sub,
        "report",
        cmd_report,
        "the backtest's report for the running deployment's messages and archive",
        (*AWS, "ARCHIVE_BUCKET"),
    )
    r.add_argument(
        "--since",
        required=True,
        type=parse_time,
        help="ISO 8601 instant, or -7d / -12h counted back from now",
    )
    r.add_argument("--until", type=parse_time, default=None, help="ISO 8601 instant (default: now)")
    r.add_argument("--out", default="report", help=REPORT_FILES)
    archive = group(sub, "archive", "the event archive")
    e = add(
        archive,
        "export",
        cmd_archive_export,
        "archived canonical events as JSON lines on stdout",
        (*AWS, "ARCHIVE_BUCKET"),
    )
    e.add_argument(
        "--since", type=parse_time, default=None, help="received at or after (ISO 8601, or -7d from now)"
    )
    e.add_argument("--until", type=parse_time, default=None, help="received before (ISO 8601)")
    e.add_argument(
        "--pseudonymise",
        action="store_true",
        help="identifiers as keyed hashes, names, phones and links left out: for analysis, since "
        "`touchpoint forget` cannot reach an export once it has left the archive",
    )
