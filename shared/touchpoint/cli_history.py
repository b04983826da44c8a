"""The `touchpoint` commands about history and operations: backtest, report, archive export, dlq."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from touchpoint import config
from touchpoint.errors import UserError


def _out(text: str) -> None:
    from touchpoint.cli import _out as out

    out(text)


def parse_time(value: str) -> datetime:
    from touchpoint.cli import _parse_time

    return _parse_time(value)


Add = Callable[[Any, str, Any, str, argparse.ArgumentParser], argparse.ArgumentParser]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def cmd_backtest(args: argparse.Namespace) -> int:
    from touchpoint.backtest.run import MODEL, BacktestError, Options, run

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
    )
    try:
        written = run(options)
    except BacktestError as exc:
        raise UserError(str(exc)) from None
    print(f"report written to {options.out}: " + ", ".join(p.name for p in written), file=sys.stderr)
    _out((options.out / "report.md").read_text(encoding="utf-8").split("### Per step")[0].rstrip())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from touchpoint.cli import _connect
    from touchpoint.report import live

    until = args.until or datetime.now(UTC)
    if until <= args.since:
        raise UserError("--until must be later than --since")
    _connect(real_aws=args.aws)
    written = live.write(args.since, until, Path(args.out))
    print(f"report written to {args.out}: " + ", ".join(p.name for p in written), file=sys.stderr)
    return 0


def cmd_archive_export(args: argparse.Namespace) -> int:
    from touchpoint.archive import store as archive
    from touchpoint.cli import _connect

    _connect(real_aws=args.aws)
    if args.pseudonymise:
        from touchpoint.archive.pseudonyms import Pseudonyms

        pseudonyms = Pseudonyms()
        for record in archive.read(args.since, args.until):
            _out(pseudonyms.line(record.line()))
        return 0
    for record in archive.read(args.since, args.until):
        _out(record.line().decode().rstrip("\n"))
    return 0


def _stack_outputs(outputs: tuple[str, ...], command: str, real_aws: bool) -> list[str] | None:
    """With --stack, the values of these outputs (read from the variables `_adopt_stack` set);
    None for the local runtime; --aws without --stack refused (never a guess at real resources)."""
    import os

    from touchpoint.cli import STACK, STACK_OUTPUTS

    if STACK:
        values = [os.environ.get(STACK_OUTPUTS[name], "") for name in outputs]
        if not all(values):
            raise UserError(
                f"--stack {STACK[0]}: no {'/'.join(outputs)} output (deploy the current template)"
            )
        return values
    if real_aws:
        raise UserError(
            f"{command} --aws: name the deployment with --stack NAME (its outputs name what to use)"
        )
    return None


def _queues(real_aws: bool) -> tuple[str, str]:
    """The DLQ and the outbound queue: a deployed stack's outputs, else the local runtime's."""
    from touchpoint.cli import _runtime

    deployed = _stack_outputs(("OutboundDeadLetterQueueUrl", "OutboundQueueUrl"), "dlq", real_aws)
    if deployed:
        return deployed[0], deployed[1]
    urls = _runtime(None).resources.queue_urls
    return urls["OutboundDeadLetterQueue"], urls["OutboundQueue"]


def cmd_dlq_list(args: argparse.Namespace) -> int:
    import json

    from touchpoint.cli import _connect
    from touchpoint.plan import dead_letters

    _connect(real_aws=args.aws)
    dlq, _ = _queues(args.aws)
    for entry in dead_letters.peek(dlq):
        _out(json.dumps(entry, sort_keys=True))
    return 0


def cmd_dlq_redrive(args: argparse.Namespace) -> int:
    from touchpoint.cli import _connect
    from touchpoint.plan import dead_letters

    _connect(real_aws=args.aws)
    dlq, queue = _queues(args.aws)
    moved = dead_letters.redrive(dlq, queue)
    print(f"moved {moved} message(s) back to the outbound queue", file=sys.stderr)
    _out(str(moved))
    return 0


def _playbook_bucket(real_aws: bool) -> str:
    from touchpoint.cli import _runtime

    deployed = _stack_outputs(("PlaybookBucketName",), "playbook push", real_aws)
    if deployed:
        return deployed[0]
    return str(_runtime(None).resources.archive_names["PlaybookBucket"])


def cmd_playbook_push(args: argparse.Namespace) -> int:
    import json

    from touchpoint.cli import _connect, where
    from touchpoint.content.rehearsal import check
    from touchpoint.decide.playbook import PlaybookError
    from touchpoint.playbook_store import UnsafeFile, publish

    path = Path(args.playbook)
    if not path.is_file():
        raise UserError(f"no playbook file at {path}")
    try:
        check(path)
    except PlaybookError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("touchpoint: not pushed: the playbook is invalid", file=sys.stderr)
        return 1
    _connect(real_aws=args.aws)
    bucket = _playbook_bucket(args.aws)
    try:
        version, files = publish(bucket, path)
    except UnsafeFile as exc:
        raise UserError(f"not pushed: {exc}") from None
    _out(json.dumps({"bucket": bucket, "version": version, "files": files, "acted_on": where()}))
    print("running functions take it up within a minute (PLAYBOOK_REFRESH_SECONDS)", file=sys.stderr)
    return 0


def cmd_outbox_list(args: argparse.Namespace) -> int:
    import json

    from touchpoint.local.outbox import listing

    folder = Path(args.dir)
    if not folder.is_dir():
        raise UserError(f"no outbox at {folder}: start `touchpoint serve --outbox {folder}`")
    for entry in listing(folder):
        _out(json.dumps(entry, ensure_ascii=False))
    return 0


def add_commands(sub: Any, common: argparse.ArgumentParser, add: Add) -> None:
    b = add(
        sub,
        "backtest",
        cmd_backtest,
        "replay a synthetic shop or archived events against a playbook (and a variant) in simulated time",
        common,
    )
    source = b.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--events", help="JSON lines of canonical events (as `touchpoint archive export` writes)"
    )
    source.add_argument("--synthetic", type=_positive, metavar="N", help="generate N synthetic shoppers")
    b.add_argument(
        "--days", type=_positive, default=30, help="simulated days (after the last archived event: the tail)"
    )
    b.add_argument(
        "--playbook", default=str(config.DEFAULT_PLAYBOOK), help="playbook A (default: the built-in one)"
    )
    b.add_argument("--vs", default=None, help="playbook B, compared with A")
    b.add_argument("--seed", type=int, default=1, help="seed of the synthetic shop and the response model")
    b.add_argument("--out", default="backtest-report", help="folder for report.html, report.md and the plots")
    b.add_argument(
        "--model", default=None, help="shop and response model YAML (default: the built-in model.yaml)"
    )
    r = add(
        sub,
        "report",
        cmd_report,
        "the backtest's report for the running deployment's messages and archive",
        common,
    )
    r.add_argument(
        "--since",
        required=True,
        type=parse_time,
        help="ISO 8601 instant, or -7d / -12h counted back from now",
    )
    r.add_argument("--until", type=parse_time, default=None, help="ISO 8601 instant (default: now)")
    r.add_argument("--out", default="report", help="folder for report.html, report.md and the plots")
    archive = sub.add_parser("archive", help="the event archive").add_subparsers(dest="action", required=True)
    e = add(
        archive, "export", cmd_archive_export, "archived canonical events as JSON lines on stdout", common
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
    dlq = sub.add_parser("dlq", help="the outbound dead-letter queue").add_subparsers(
        dest="action", required=True
    )
    add(
        dlq,
        "list",
        cmd_dlq_list,
        "sends that failed every retry, as JSON lines (nothing is taken off)",
        common,
    )
    add(
        dlq,
        "redrive",
        cmd_dlq_redrive,
        "move them back to the outbound queue; the Sender skips what already went",
        common,
    )
    playbook = sub.add_parser("playbook", help="the deployment's playbook").add_subparsers(
        dest="action", required=True
    )
    pp = add(
        playbook,
        "push",
        cmd_playbook_push,
        "validate a playbook (and the templates/ folder beside it) and make it the one running",
        common,
    )
    pp.add_argument("playbook", help="playbook YAML file; templates/ beside it goes along")
    outbox = sub.add_parser("outbox", help="what `serve --outbox` wrote").add_subparsers(
        dest="action", required=True
    )
    o = add(
        outbox, "list", cmd_outbox_list, "e-mails and SMS in the outbox, oldest first, as JSON lines", common
    )
    o.add_argument("dir", nargs="?", default="outbox", help="the folder given to `serve --outbox`")
