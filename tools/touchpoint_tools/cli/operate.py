"""The commands that run a deployment: check and push a playbook, the sending mode, the catalog,
the dead-letter queue and the local outbox."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from touchpoint.errors import UserError
from touchpoint_tools.cli.context import Context
from touchpoint_tools.cli.options import AWS, add, group

QUEUES = ("AWS_ENDPOINT_URL", "OUTBOUND_DLQ_URL", "OUTBOUND_QUEUE_URL")


def cmd_check(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.playbook.loading import playbook_path
    from touchpoint.playbook.model import PlaybookError
    from touchpoint_tools.rehearsal import check

    path = Path(args.playbook) if args.playbook else playbook_path()
    try:
        playbook = check(path)
    except PlaybookError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    ctx.say(f"{path}: valid ({len(playbook.flows)} flows, {len(playbook.templates)} templates)")
    for line in _not_live_ready(playbook):
        ctx.say(line)
    return 0


def _not_live_ready(playbook: Any) -> list[str]:
    """What a deployed stack would hold back (sending/readiness.py): valid, but not the shop's yet."""
    from touchpoint.sending import readiness

    lines = []
    brand = readiness.example_brand_values(playbook)
    if brand:
        fields = ", ".join(f"brand.{name}" for name in brand)
        lines.append(f"not ready for a live stack: {fields} still hold the example shop's values")
    for name in readiness.example_offers(playbook):
        code = playbook.offers[name].code
        lines.append(
            f"not ready for a live stack: offer {name} has the example code {code}, not one of your shop's"
        )
    if lines:
        lines.append(
            "a deployed stack sends no marketing mail with these (reason example_brand / example_offer_code)"
        )
    return lines


def cmd_mode(ctx: Context, args: argparse.Namespace) -> int:
    """Print the sending mode, or switch it (sending/modes.py)."""
    import getpass

    from touchpoint.sending import modes

    ctx.connect()
    by = f"touchpoint mode ({getpass.getuser()})"
    item = modes.switch(modes.parse(args.mode), by) if args.mode else modes.stored()  # argparse's choices
    shown = {
        "mode": modes.of(item).value,
        "set_at": item.changed_at.isoformat() if item else None,
        "set_by": item.changed_by
        if item
        else "default (SEND_MODE, else live locally and shadow when deployed)",
        "acted_on": ctx.where(),
    }
    ctx.say(json.dumps(shown))
    return 0


def read_text(name: str) -> str:
    """A file named on the command line, as text; a UserError naming what is wrong with it."""
    try:
        return Path(name).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read {name}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"{name} is not UTF-8 text") from None


def cmd_catalog_import(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.catalog import store
    from touchpoint_tools import feed

    text = read_text(args.file)
    ctx.connect()
    counts = {"imported": 0, "unchanged": 0, "rejected": 0}
    for number, parsed in feed.parse(text, datetime.now(UTC)):
        if isinstance(parsed, feed.FeedError):
            counts["rejected"] += 1
            print(f"{args.file}:{number}: {parsed}", file=sys.stderr)
            continue
        outcome = store.save(parsed)
        counts["unchanged" if outcome.duplicate else "imported"] += 1
    ctx.say(json.dumps({**counts, "acted_on": ctx.where()}))
    return 1 if counts["rejected"] else 0


def _queues(ctx: Context) -> tuple[str, str]:
    """The DLQ and the outbound queue: a deployed stack's outputs, else the local runtime's."""
    deployed = ctx.stack_outputs(("OutboundDeadLetterQueueUrl", "OutboundQueueUrl"), "dlq")
    if deployed:
        return deployed[0], deployed[1]
    urls = ctx.runtime().resources.queue_urls
    return urls["OutboundDeadLetterQueue"], urls["OutboundQueue"]


def cmd_dlq_list(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint_tools import dead_letters

    ctx.connect()
    dlq, _ = _queues(ctx)
    for entry in dead_letters.peek(dlq):
        ctx.say(json.dumps(entry, sort_keys=True))
    return 0


def cmd_dlq_redrive(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint_tools import dead_letters

    ctx.connect()
    dlq, queue = _queues(ctx)
    moved = dead_letters.redrive(dlq, queue)
    print(f"moved {moved} message(s) back to the outbound queue", file=sys.stderr)
    ctx.say(json.dumps({"moved": moved, "acted_on": ctx.where()}))
    return 0


def _playbook_bucket(ctx: Context) -> str:
    deployed = ctx.stack_outputs(("PlaybookBucketName",), "playbook push")
    if deployed:
        return deployed[0]
    return str(ctx.runtime().resources.archive_names["PlaybookBucket"])


def cmd_playbook_push(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.playbook.model import PlaybookError
    from touchpoint.playbook.store import UnsafeFile, publish
    from touchpoint_tools.rehearsal import check

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
    ctx.connect()
    bucket = _playbook_bucket(ctx)
    try:
        version, files = publish(bucket, path)
    except UnsafeFile as exc:
        raise UserError(f"not pushed: {exc}") from None
    ctx.say(json.dumps({"bucket": bucket, "version": version, "files": files, "acted_on": ctx.where()}))
    print("running functions take it up within a minute (PLAYBOOK_REFRESH_SECONDS)", file=sys.stderr)
    return 0


def cmd_outbox_list(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint_tools.local.outbox import listing

    folder = Path(args.dir)
    if not folder.is_dir():
        raise UserError(f"no outbox at {folder}: start `touchpoint serve --outbox {folder}`")
    for entry in listing(folder):
        ctx.say(json.dumps(entry, ensure_ascii=False))
    return 0


def add_commands(sub: Any) -> None:
    c = add(sub, "check", cmd_check, "validate a playbook and its templates", ("PLAYBOOK",))
    c.add_argument("playbook", nargs="?", help="playbook file (default: PLAYBOOK, else the built-in one)")
    playbook = group(sub, "playbook", "the deployment's playbook")
    pp = add(
        playbook,
        "push",
        cmd_playbook_push,
        "validate a playbook (and the templates/ folder beside it) and make it the one running",
        ("AWS_ENDPOINT_URL", "PLAYBOOK_BUCKET"),
    )
    pp.add_argument("playbook", help="playbook YAML file; templates/ beside it goes along")
    mo = add(sub, "mode", cmd_mode, "print the sending mode, or switch it: shadow, live or paused", AWS)
    mo.add_argument(
        "mode",
        nargs="?",
        choices=("shadow", "live", "paused"),
        help="shadow: decide and record, send nothing; live: send; paused: nothing leaves, due messages wait",
    )
    catalog = group(sub, "catalog", "the product catalog")
    ci = add(
        catalog,
        "import",
        cmd_catalog_import,
        "load products from a Merchant Center feed (CSV/TSV) or JSON lines",
        AWS,
    )
    ci.add_argument(
        "file", help="feed file: CSV or tab-separated with Merchant Center columns, or JSON lines"
    )
    dlq = group(sub, "dlq", "the outbound dead-letter queue")
    add(
        dlq,
        "list",
        cmd_dlq_list,
        "sends that failed every retry, as JSON lines (nothing is taken off)",
        QUEUES,
    )
    add(
        dlq,
        "redrive",
        cmd_dlq_redrive,
        "move them back to the outbound queue; the Sender skips what already went",
        QUEUES,
    )
    outbox = group(sub, "outbox", "what `serve --outbox` wrote")
    o = add(outbox, "list", cmd_outbox_list, "e-mails and SMS in the outbox, oldest first, as JSON lines")
    o.add_argument("dir", nargs="?", default="outbox", help="the folder given to `serve --outbox`")
