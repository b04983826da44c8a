"""The `touchpoint` command: serve, invoke, dispatch, check, profile, messages, export, forget, demo
(backtest, report, archive, dlq, outbox in cli_history.py; connect in cli_connect.py)."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from touchpoint.errors import UserError

DEFAULT_AWS_PORT = 4566
STOP_CHECK_SECONDS = 0.5  # how soon `serve` notices a stop signal while it waits for requests


def _fail(message: str, code: int = 2) -> NoReturn:
    print(f"touchpoint: {message}", file=sys.stderr)
    raise SystemExit(code)


_RELATIVE = re.compile(r"^([+-])(\d+)\s*(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def _parse_time(value: str) -> datetime:
    """ISO 8601, or +30m / +2h / -7d counted from now (no `date -d` needed on any shell)."""
    relative = _RELATIVE.match(value.strip())
    if relative:
        sign = -1 if relative.group(1) == "-" else 1
        return datetime.now(UTC) + sign * timedelta(**{_UNITS[relative.group(3)]: int(relative.group(2))})
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an ISO 8601 time (e.g. 2026-11-23T12:00:00Z) or a relative one (+2h)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _jsonable(value: Any) -> Any:
    from touchpoint.profiles.privacy import jsonable

    return jsonable(value)


def _connect(allow_embedded: bool = False, real_aws: bool = False) -> Any:
    """Choose the AWS endpoint: AWS_ENDPOINT_URL, else a running `touchpoint serve`; real AWS only
    when asked for with --aws, never as a silent fallback (a `forget` must not erase a live shop's
    customer because a local server was not running)."""
    from touchpoint.local import emulation

    url = os.environ.get("AWS_ENDPOINT_URL")
    if url:
        if not emulation.reachable(url):
            raise UserError(f"AWS endpoint {url} (AWS_ENDPOINT_URL) is not reachable")
        emulation.use_endpoint(url)
        emulation.adopt_settings()
        _adopt_stack()
        return None
    if STACK and not real_aws:
        raise UserError("--stack reads a deployed stack: add --aws (or set AWS_ENDPOINT_URL)")
    if real_aws:  # asked for: never answered by a local `serve` that happens to be running
        _credentials()
        _adopt_stack()
        return None
    local = f"http://127.0.0.1:{DEFAULT_AWS_PORT}"
    if emulation.reachable(local, 0.3):
        emulation.use_endpoint(local)
        emulation.adopt_settings()
        return None
    if allow_embedded:
        from moto import mock_aws

        from touchpoint.local import moto_transactions

        moto_transactions.install()

        for key, value in {**emulation.LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
            os.environ.setdefault(key, value)
        os.environ["TOUCHPOINT_LOCAL"] = "1"
        mock = mock_aws()
        mock.start()
        return mock
    raise UserError(
        f"no local AWS endpoint: start `touchpoint serve` (moto on port {DEFAULT_AWS_PORT}), "
        "set AWS_ENDPOINT_URL, or pass --aws to use real AWS"
    )


def where() -> dict[str, str]:
    """Where a command acted, for its output: the local endpoint, or the AWS account, region and
    stack. Called after _connect."""
    from touchpoint import aws

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return {"endpoint": endpoint, **({"stack": STACK[0]} if STACK else {})}
    sts = aws.client("sts")
    place = {"account": str(sts.get_caller_identity()["Account"]), "region": sts.meta.region_name}
    return {**place, "stack": STACK[0] if STACK else "", "table": os.environ.get("TABLE_NAME", "")}


def _credentials() -> None:
    import boto3

    if boto3.session.Session().get_credentials() is None:
        raise UserError("--aws: no AWS credentials found")


STACK: list[str] = []  # --stack NAME, set by main()
STACK_OUTPUTS = {
    "TableName": "TABLE_NAME",
    "OutboundQueueUrl": "OUTBOUND_QUEUE_URL",
    "OutboundDeadLetterQueueUrl": "OUTBOUND_DLQ_URL",
    "ArchiveBucketName": "ARCHIVE_BUCKET",
    "PlaybookBucketName": "PLAYBOOK_BUCKET",
    "SecretArn": "SECRETS_ARN",
    "ApiUrl": "PUBLIC_URL",
}


def _adopt_stack() -> None:
    """Point this process at a deployed stack's table, queue, archive and secret (its outputs)."""
    if not STACK:
        return
    from botocore.exceptions import ClientError

    from touchpoint import aws

    try:
        stacks = aws.client("cloudformation").describe_stacks(StackName=STACK[0])["Stacks"]
    except ClientError as exc:
        raise UserError(f"--stack {STACK[0]}: {exc.response['Error'].get('Message', exc)}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if "TableName" not in outputs:
        raise UserError(f"--stack {STACK[0]}: no TableName output; is it a Touchpoint stack?")
    for key, variable in STACK_OUTPUTS.items():
        if outputs.get(key):
            os.environ[variable] = outputs[key]


def _runtime(template: str | None, embedded: bool = False) -> Any:
    """The local runtime, on the emulated endpoint only: it creates the template's resources,
    which must never happen in a real account by accident."""
    if not (embedded or os.environ.get("AWS_ENDPOINT_URL")):
        raise UserError(
            "this command runs the functions here, on the local emulation; a deployed stack runs "
            "them itself (its schedule runs the Dispatcher every minute; `aws lambda invoke` runs one)"
        )
    from touchpoint.local.runtime import LocalRuntime, find_template
    from touchpoint.local.template import load

    runtime = LocalRuntime(load(find_template(template)))
    runtime.bootstrap()
    return runtime


def _start_aws(args: argparse.Namespace) -> Any:
    from touchpoint.local import emulation

    if os.environ.get("AWS_ENDPOINT_URL"):
        _connect()
        return None
    try:
        return emulation.start_moto(args.host, args.aws_port)
    except emulation.EndpointError as exc:
        raise UserError(str(exc)) from None


def _serve(args: argparse.Namespace, stop: threading.Event, started: list[Any]) -> None:
    from touchpoint.local import emulation
    from touchpoint.local.server import make_server

    started.append(_start_aws(args))
    if stop.is_set():
        return
    if args.outbox:
        from touchpoint.local.outbox import Outbox

        started.append(Outbox(Path(args.outbox), args.host).start())
        print(
            f"touchpoint serve: e-mails and SMS go to {args.outbox}/ (touchpoint outbox list)",
            file=sys.stderr,
        )
    # unsubscribe and preference links in e-mails point here unless PUBLIC_URL says otherwise
    os.environ.setdefault("PUBLIC_URL", f"http://{args.host}:{args.port}")
    runtime = _runtime(args.template)
    if stop.is_set():
        return
    try:
        server = make_server(runtime, args.host, args.port)
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    started.append(server)
    emulation.publish_settings(
        {
            "PUBLIC_URL": os.environ["PUBLIC_URL"],
            "SENDGRID_API_HOST": os.environ.get("SENDGRID_API_HOST", ""),
            "PLAYBOOK_BUCKET": os.environ.get("PLAYBOOK_BUCKET", ""),  # `preview` renders the pushed playbook
        }
    )
    runtime.background(stop)
    routes = ", ".join(f"{r.method} {r.path}" for r in runtime.template.routes)
    print(
        f"touchpoint serve: http://{args.host}:{args.port} (AWS at {os.environ['AWS_ENDPOINT_URL']})",
        file=sys.stderr,
    )
    print(f"routes: {routes}", file=sys.stderr)
    server.timeout = STOP_CHECK_SECONDS
    while not stop.is_set():
        server.handle_request()


def cmd_serve(args: argparse.Namespace) -> int:
    from touchpoint import config
    from touchpoint.decide import playbook

    playbook.load(config.playbook_path())  # an invalid playbook stops here, with its problems
    # a shell that starts us in the background ignores SIGINT for us: take it back, and treat
    # SIGTERM the same, so Ctrl-C, kill and container stops all shut down cleanly. The signal
    # only asks: raising KeyboardInterrupt from it was lost now and then (Python ignores an
    # exception raised while it runs a weakref callback, such as an import's module lock), and
    # serve ran on. Each step of the start and the serving loop look at the request instead
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    started: list[Any] = []
    try:
        _serve(args, stop, started)
        print("touchpoint serve: stopping", file=sys.stderr)
    finally:
        stop.set()
        for thing in reversed(started):
            if hasattr(thing, "server_close"):
                thing.server_close()
            elif thing is not None:
                thing.stop()
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    try:
        event = json.loads(Path(args.event).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read event file {args.event}: {exc.strerror}") from None
    except ValueError as exc:
        raise UserError(f"event file {args.event} is not JSON: {exc}") from None
    if args.sign:
        from touchpoint.local.signing import SigningError, resign

        try:
            event = resign(event)
        except SigningError as exc:
            raise UserError(str(exc)) from None
    mock = _connect(allow_embedded=True, real_aws=args.aws)
    try:
        runtime = _runtime(args.template, embedded=mock is not None)
        runtime.function(args.function)
        result = runtime.invoke(args.function, event)
    finally:
        if mock is not None:
            mock.stop()
    _out(json.dumps(result, default=str))
    return 0


def cmd_dispatch(args: argparse.Namespace) -> int:
    _connect(real_aws=args.aws)
    runtime = _runtime(args.template)
    result = runtime.dispatch(args.at)
    _out(json.dumps({**result, "acted_on": where()}, default=str))
    return 0


def _customer(args: argparse.Namespace) -> str:
    from touchpoint.profiles.store import find_customer

    _connect(real_aws=args.aws)
    customer_id = find_customer(args.key)
    if customer_id is None:
        raise UserError(f"no customer found for '{args.key}'")
    return customer_id


def cmd_profile(args: argparse.Namespace) -> int:
    from touchpoint.decide import lifecycle
    from touchpoint.profiles import changes, store

    customer_id = _customer(args)
    profile, _ = store.load(customer_id)
    shown = {k: v for k, v in profile.items() if k not in ("pk", "sk")}
    view = changes.as_profile(profile, customer_id)
    now = datetime.now(UTC)
    derived = {
        "lifecycle": lifecycle.stage(view, now),
        "rfm": lifecycle.rfm(view, now),
        "average_order_value": str(lifecycle.average_order_value(view)),
        "orders_count": view.orders_count,
        "revenue": str(view.revenue),
        "open_tickets": view.open_tickets,
        "time_zones": [zone.key for zone in view.zones],
        "consent": {ch: {"state": c.state, "at": c.at, "source": c.source} for ch, c in view.consent.items()},
    }
    _out(json.dumps(_jsonable({"customer_id": customer_id, **shown, **derived}), sort_keys=True))
    return 0


def cmd_messages(args: argparse.Namespace) -> int:
    from touchpoint.profiles import store

    _, messages = store.load(_customer(args))
    epoch = datetime.min.replace(tzinfo=UTC)
    messages.sort(key=lambda m: (m.created_at or epoch, m.due_at or epoch, m.message_id))
    for m in messages:
        line = {
            "message_id": m.message_id,
            "status": m.status,
            "channel": m.channel,
            "template": m.template,
            "due_at": m.due_at.isoformat() if m.due_at else None,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            "reasons": list(m.reasons or []),
            "error": m.error,  # what the provider or renderer said, for a failed message
            "flow": m.flow,
            "step": m.step,
        }
        _out(json.dumps(line))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from touchpoint.profiles import privacy

    customer_id = _customer(args)
    _out(json.dumps({"customer_id": customer_id, **privacy.export(customer_id)}, sort_keys=True))
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from touchpoint.profiles import privacy

    customer_id = _customer(args)
    deleted = privacy.forget(customer_id)
    _out(json.dumps({"customer_id": customer_id, "deleted_items": deleted, "acted_on": where()}))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from touchpoint import config
    from touchpoint.content.rehearsal import check
    from touchpoint.decide.playbook import PlaybookError

    path = Path(args.playbook) if args.playbook else config.playbook_path()
    try:
        playbook = check(path)
    except PlaybookError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    _out(f"{path}: valid ({len(playbook.flows)} flows, {len(playbook.templates)} templates)")
    for line in _not_live_ready(playbook):
        _out(line)
    return 0


def _not_live_ready(playbook: Any) -> list[str]:
    """What a deployed stack would hold back (plan/readiness.py): valid, but not the shop's yet."""
    from touchpoint.plan import readiness

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


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from touchpoint.catalog import feed, store

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"{args.file} is not UTF-8 text") from None
    _connect(real_aws=args.aws)
    counts = {"imported": 0, "unchanged": 0, "rejected": 0}
    for number, parsed in feed.parse(text, datetime.now(UTC)):
        if isinstance(parsed, feed.FeedError):
            counts["rejected"] += 1
            print(f"{args.file}:{number}: {parsed}", file=sys.stderr)
            continue
        outcome = store.save(parsed)
        counts["unchanged" if outcome.duplicate else "imported"] += 1
    _out(json.dumps({**counts, "acted_on": where()}))
    return 1 if counts["rejected"] else 0


def cmd_preview(args: argparse.Namespace) -> int:
    from touchpoint import config
    from touchpoint.content.preview import preview
    from touchpoint.decide.playbook import load
    from touchpoint.profiles import changes, store

    playbook = load(config.playbook_path())
    if args.template_name not in playbook.templates:
        known = ", ".join(sorted(playbook.templates))
        raise UserError(f"no template '{args.template_name}' (known: {known})")
    args.key = args.customer
    customer_id = _customer(args)
    raw, _ = store.load(customer_id)
    profile = changes.as_profile(raw, customer_id)
    shown = preview(
        args.template_name,
        profile,
        playbook,
        args.at or datetime.now(UTC),
        Path(args.out) if args.out else None,
    )
    _out(json.dumps(_jsonable(shown), indent=2, ensure_ascii=False))
    return 0


def cmd_mode(args: argparse.Namespace) -> int:
    """Print the sending mode, or switch it (plan/modes.py)."""
    import getpass

    from touchpoint.plan import modes

    _connect(real_aws=args.aws)
    by = f"touchpoint mode ({getpass.getuser()})"
    item = modes.switch(modes.parse(args.mode), by) if args.mode else modes.stored()  # argparse's choices
    shown = {
        "mode": modes.of(item).value,
        "set_at": item.changed_at.isoformat() if item else None,
        "set_by": item.changed_by
        if item
        else "default (SEND_MODE, else live locally and shadow when deployed)",
        "acted_on": where(),
    }
    _out(json.dumps(shown))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from touchpoint.demo import run

    _out(run(Path(args.report), args.template))
    print(f"report written to {args.report}", file=sys.stderr)
    return 0


_STDOUT = sys.stdout


def _out(line: str) -> None:
    _STDOUT.write(line + "\n")
    _STDOUT.flush()


def _common() -> argparse.ArgumentParser:
    """Options every subcommand takes, before or after its name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--template",
        default=argparse.SUPPRESS,
        help="path of template.yaml (default: ./template.yaml, else the project's)",
    )
    common.add_argument(
        "--stack",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="a deployed stack: its outputs name the table, queue, archive and secret (needs --aws)",
    )
    common.add_argument(
        "--aws",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use real AWS (credentials from the environment); never implied",
    )
    return common


_AWS = ("AWS_ENDPOINT_URL", "TABLE_NAME")
_SENDING = ("SENDGRID_API_KEY", "SENDGRID_API_HOST", "EMAIL_FROM", "PUBLIC_URL", "TOKEN_SECRET", "PLAYBOOK")
ENVIRONMENT: dict[str, tuple[str, ...]] = {  # what each command reads, for its --help
    "serve": (
        "AWS_ENDPOINT_URL",
        "TABLE_NAME",
        *_SENDING[:-1],
        "PLAYBOOK",
        "the webhook secrets (docs/configuration.md)",
    ),
    "invoke": (*_AWS, "PLAYBOOK", "the webhook secrets (docs/configuration.md)"),
    "dispatch": (*_AWS, *_SENDING, "SMS_SENDER_ID", "META_PIXEL_ID"),
    "check": ("PLAYBOOK",),
    "preview": (*_AWS, *_SENDING),
    "profile": _AWS,
    "messages": _AWS,
    "mode": _AWS,
    "export": (*_AWS, "ARCHIVE_BUCKET"),
    "forget": (*_AWS, "ARCHIVE_BUCKET"),
    "report": (*_AWS, "ARCHIVE_BUCKET"),
    "import": _AWS,
    "backtest": ("PLAYBOOK",),
    "list": ("AWS_ENDPOINT_URL", "OUTBOUND_DLQ_URL", "OUTBOUND_QUEUE_URL"),
    "redrive": ("AWS_ENDPOINT_URL", "OUTBOUND_DLQ_URL", "OUTBOUND_QUEUE_URL"),
    "demo": ("PLAYBOOK",),
    "shopify": ("SHOPIFY_ADMIN_TOKEN",),
    "push": ("AWS_ENDPOINT_URL", "PLAYBOOK_BUCKET"),
    "woocommerce": ("WOOCOMMERCE_CONSUMER_KEY", "WOOCOMMERCE_CONSUMER_SECRET", "WOOCOMMERCE_WEBHOOK_SECRET"),
}


class _Help(argparse.HelpFormatter):
    """Names a default once, and only one worth naming (not None, not a switch's False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text or not text:
            return action.help
        return f"{text} (default: %(default)s)"


def _where_aws(name: str) -> str:
    """Which AWS a command talks to, for the commands that talk to one."""
    if name == "serve":
        return " AWS: the moto server it starts, or AWS_ENDPOINT_URL."
    if "AWS_ENDPOINT_URL" not in ENVIRONMENT.get(name, ()):
        return ""
    return f" AWS: AWS_ENDPOINT_URL, else a running `touchpoint serve` on 127.0.0.1:{DEFAULT_AWS_PORT}."


def _add(
    sub: Any, name: str, func: Any, text: str, common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    reads = ", ".join((*ENVIRONMENT.get(name, ()), "TOUCHPOINT_DEBUG"))
    command: argparse.ArgumentParser = sub.add_parser(
        name,
        help=text,
        description=f"{text}.{_where_aws(name)}",
        epilog=f"environment: {reads}",
        parents=[common],
        formatter_class=_Help,
    )
    command.set_defaults(func=func)
    return command


def parser() -> argparse.ArgumentParser:
    common = _common()
    p = argparse.ArgumentParser(
        prog="touchpoint",
        description="Serverless touchpoint personalization, run locally.",
        parents=[common],
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = _add(sub, "serve", cmd_serve, "local HTTP API, queues and schedule on embedded moto", common)
    s.add_argument("--host", default="127.0.0.1", help="address the HTTP API listens on")
    s.add_argument("--port", type=int, default=3000, help="port of the HTTP API")
    s.add_argument("--aws-port", type=int, default=DEFAULT_AWS_PORT, help="the embedded moto server's port")
    s.add_argument(
        "--outbox",
        default=None,
        metavar="DIR",
        help="send e-mail to a local SendGrid stand-in that writes every message (and SMS) into DIR",
    )
    i = _add(sub, "invoke", cmd_invoke, "run one function on one event file, like `sam local invoke`", common)
    i.add_argument("function", help="logical id in template.yaml, e.g. CartAbandonedFunction")
    i.add_argument("--event", required=True, help="JSON event file")
    i.add_argument(
        "--sign",
        action="store_true",
        help="sign the event's body afresh with the webhook secrets in the environment and the current time",
    )
    d = _add(
        sub,
        "dispatch",
        cmd_dispatch,
        "run the scheduled work as if the clock read --at, then deliver",
        common,
    )
    d.add_argument(
        "--at", required=True, type=_parse_time, help="ISO 8601 instant, or +30m / +2h / +3d from now"
    )
    c = _add(sub, "check", cmd_check, "validate a playbook and its templates", common)
    c.add_argument("playbook", nargs="?", help="playbook file (default: PLAYBOOK, else the built-in one)")
    for name, func, text in (
        ("profile", cmd_profile, "print one customer's profile as JSON"),
        ("messages", cmd_messages, "print one customer's messages as JSON lines, oldest first"),
        ("export", cmd_export, "everything stored about one customer (right of access)"),
        ("forget", cmd_forget, "erase profile, aliases and messages of one customer"),
    ):
        _add(sub, name, func, text, common).add_argument(
            "key", help="customer id, e-mail address or E.164 phone number"
        )
    pv = _add(
        sub, "preview", cmd_preview, "render a template exactly as the Sender would, without sending", common
    )
    pv.add_argument(
        "template_name", metavar="TEMPLATE", help="template name in the playbook, e.g. cart_reminder"
    )
    pv.add_argument("--customer", required=True, help="customer id, e-mail address or phone number")
    pv.add_argument("--at", type=_parse_time, default=None, help="render as of this instant (default: now)")
    pv.add_argument("--out", default=None, help="folder to write <template>.html and .txt into")
    catalog = sub.add_parser("catalog", help="the product catalog").add_subparsers(
        dest="action", required=True
    )
    ci = _add(
        catalog,
        "import",
        cmd_catalog_import,
        "load products from a Merchant Center feed (CSV/TSV) or JSON lines",
        common,
    )
    ci.add_argument(
        "file", help="feed file: CSV or tab-separated with Merchant Center columns, or JSON lines"
    )
    from touchpoint import cli_history

    cli_history.add_commands(sub, common, _add)
    from touchpoint import cli_connect

    cli_connect.add_commands(sub, common, _add)
    mo = _add(sub, "mode", cmd_mode, "print the sending mode, or switch it: shadow, live or paused", common)
    mo.add_argument(
        "mode",
        nargs="?",
        choices=("shadow", "live", "paused"),
        help="shadow: decide and record, send nothing; live: send; paused: nothing leaves, due messages wait",
    )
    m = _add(sub, "demo", cmd_demo, "a synthetic shop's customers through every touchpoint", common)
    m.add_argument("--report", default="reports/demo.md", help="where to write the report")
    return p


TIME_OPTIONS = ("--at", "--since", "--until")


def _joined_times(argv: list[str]) -> list[str]:
    """`--since -7d` as `--since=-7d`: argparse would take a value starting with '-' for an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in TIME_OPTIONS and _RELATIVE.match(arg):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(_joined_times(sys.argv[1:] if argv is None else argv))
    args.template = getattr(args, "template", None)
    args.aws = getattr(args, "aws", False)
    STACK[:] = [args.stack] if getattr(args, "stack", None) else []
    # handlers log JSON to stdout in Lambda; here stdout carries the command's answer
    sys.stdout = sys.stderr
    try:
        return int(args.func(args))
    except UserError as exc:
        _fail(str(exc))
    except Exception as exc:
        _fail(_explain(exc), 1)
    finally:
        sys.stdout = _STDOUT


def _explain(exc: Exception) -> str:
    """One line for any failure; TOUCHPOINT_DEBUG=1 prints the traceback as well."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from touchpoint.decide.playbook import PlaybookError
    from touchpoint.local.template import TemplateError

    if os.environ.get("TOUCHPOINT_DEBUG"):
        import traceback

        traceback.print_exc()
    if isinstance(exc, PlaybookError):
        return "invalid playbook: " + "; ".join(exc.problems)
    if isinstance(exc, TemplateError):
        return str(exc)
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials: start `touchpoint serve` or set AWS_ENDPOINT_URL"
    if isinstance(exc, BotoCoreError | ClientError):
        return f"AWS call failed: {exc}"
    return f"{type(exc).__name__}: {exc} (TOUCHPOINT_DEBUG=1 shows where)"


if __name__ == "__main__":
    # `python -m touchpoint.cli`: run the importable module, so the commands in cli_history.py
    # share its state (the stdout captured before the logs took it over)
    from touchpoint import cli

    sys.exit(cli.main())
