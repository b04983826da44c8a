"""The `touchpoint` command: serve, invoke, dispatch, profile, messages, export, forget, demo."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

DEFAULT_AWS_PORT = 4566


class UserError(Exception):
    """A mistake the user can fix: printed as one line, exit 2, no traceback."""


def _fail(message: str, code: int = 2) -> NoReturn:
    print(f"touchpoint: {message}", file=sys.stderr)
    raise SystemExit(code)


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an ISO 8601 time, e.g. 2026-11-23T12:00:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _jsonable(value: Any) -> Any:
    from touchpoint.profiles.privacy import jsonable

    return jsonable(value)


def _connect(allow_embedded: bool = False) -> Any:
    """Choose the AWS endpoint: AWS_ENDPOINT_URL, else a running `touchpoint serve`, else real AWS."""
    from touchpoint.local import emulation

    url = os.environ.get("AWS_ENDPOINT_URL")
    if url:
        if not emulation.reachable(url):
            raise UserError(f"AWS endpoint {url} (AWS_ENDPOINT_URL) is not reachable")
        emulation.use_endpoint(url)
        return None
    local = f"http://127.0.0.1:{DEFAULT_AWS_PORT}"
    if emulation.reachable(local, 0.3):
        emulation.use_endpoint(local)
        return None
    if allow_embedded:
        from moto import mock_aws

        for key, value in {**emulation.LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
            os.environ.setdefault(key, value)
        mock = mock_aws()
        mock.start()
        return mock
    import boto3

    if boto3.session.Session().get_credentials() is None:
        raise UserError(
            f"no AWS endpoint: start `touchpoint serve` (moto on port {DEFAULT_AWS_PORT}) or set AWS_ENDPOINT_URL"
        )
    return None


def _runtime(template: str | None) -> Any:
    from touchpoint.local.runtime import LocalRuntime, find_template
    from touchpoint.local.template import load

    runtime = LocalRuntime(load(find_template(template)))
    runtime.bootstrap()
    return runtime


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    from touchpoint.local import emulation
    from touchpoint.local.server import make_server

    moto_server = None
    if os.environ.get("AWS_ENDPOINT_URL"):
        _connect()
    else:
        try:
            moto_server = emulation.start_moto(args.host, args.aws_port)
        except emulation.EndpointError as exc:
            raise UserError(str(exc)) from None
    runtime = _runtime(args.template)
    try:
        server = make_server(runtime, args.host, args.port)
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    stop = threading.Event()
    runtime.background(stop)
    # a shell that starts us in the background ignores SIGINT for us: take it back, and treat
    # SIGTERM the same, so Ctrl-C, kill and container stops all shut down cleanly
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    routes = ", ".join(f"{r.method} {r.path}" for r in runtime.template.routes)
    print(
        f"touchpoint serve: http://{args.host}:{args.port} (AWS at {os.environ['AWS_ENDPOINT_URL']})",
        file=sys.stderr,
    )
    print(f"routes: {routes}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("touchpoint serve: stopping", file=sys.stderr)
    finally:
        stop.set()
        server.server_close()
        if moto_server is not None:
            moto_server.stop()
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    try:
        event = json.loads(Path(args.event).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read event file {args.event}: {exc.strerror}") from None
    except ValueError as exc:
        raise UserError(f"event file {args.event} is not JSON: {exc}") from None
    mock = _connect(allow_embedded=True)
    try:
        runtime = _runtime(args.template)
        runtime.function(args.function)
        result = runtime.invoke(args.function, event)
    finally:
        if mock is not None:
            mock.stop()
    _out(json.dumps(result, default=str))
    return 0


def cmd_dispatch(args: argparse.Namespace) -> int:
    _connect()
    runtime = _runtime(args.template)
    result = runtime.dispatch(args.at)
    _out(json.dumps(result, default=str))
    return 0


def _customer(key: str) -> str:
    from touchpoint.profiles.models import bind_table
    from touchpoint.profiles.store import find_customer

    _connect()
    bind_table()
    customer_id = find_customer(key)
    if customer_id is None:
        raise UserError(f"no customer found for '{key}'")
    return customer_id


def cmd_profile(args: argparse.Namespace) -> int:
    from touchpoint.decide import lifecycle
    from touchpoint.profiles import changes, store

    customer_id = _customer(args.key)
    profile, _ = store.load(customer_id)
    shown = {k: v for k, v in profile.items() if k not in ("pk", "sk")}
    view = changes.view(profile, customer_id)
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

    _, messages = store.load(_customer(args.key))
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
            "flow": m.flow,
            "step": m.step,
        }
        _out(json.dumps(line))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from touchpoint.profiles import privacy

    customer_id = _customer(args.key)
    _out(json.dumps({"customer_id": customer_id, **privacy.export(customer_id)}, sort_keys=True))
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from touchpoint.profiles import privacy

    customer_id = _customer(args.key)
    deleted = privacy.forget(customer_id)
    _out(json.dumps({"customer_id": customer_id, "deleted_items": deleted}))
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="touchpoint", description="Serverless touchpoint personalization, run locally."
    )
    p.add_argument("--template", help="path of template.yaml (default: ./template.yaml or the project's)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="local HTTP API, queues and schedule on embedded moto")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=3000)
    s.add_argument("--aws-port", type=int, default=DEFAULT_AWS_PORT)
    s.set_defaults(func=cmd_serve)
    i = sub.add_parser("invoke", help="run one function on one event file, like `sam local invoke`")
    i.add_argument("function", help="logical id in template.yaml, e.g. CartAbandonedFunction")
    i.add_argument("--event", required=True, help="JSON event file")
    i.set_defaults(func=cmd_invoke)
    d = sub.add_parser("dispatch", help="run the scheduled work as if the clock read --at, then deliver")
    d.add_argument("--at", required=True, type=_parse_time, help="ISO 8601 instant")
    d.set_defaults(func=cmd_dispatch)
    for name, func, text in (
        ("profile", cmd_profile, "print one customer's profile as JSON"),
        ("messages", cmd_messages, "print one customer's messages as JSON lines, oldest first"),
        ("export", cmd_export, "everything stored about one customer (right of access)"),
        ("forget", cmd_forget, "erase profile, aliases and messages of one customer"),
    ):
        c = sub.add_parser(name, help=text)
        c.add_argument("key", help="customer id, e-mail address or E.164 phone number")
        c.set_defaults(func=func)
    m = sub.add_parser("demo", help="a synthetic shop's customers through every touchpoint")
    m.add_argument("--report", default="reports/demo.md", help="where to write the report")
    m.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # handlers log JSON to stdout in Lambda; here stdout carries the command's answer
    sys.stdout = sys.stderr
    try:
        return int(args.func(args))
    except UserError as exc:
        _fail(str(exc))
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        from touchpoint.decide.playbook import PlaybookError
        from touchpoint.local.template import TemplateError

        if isinstance(exc, TemplateError | PlaybookError):
            _fail(str(exc))
        if isinstance(exc, NoCredentialsError):
            _fail("no AWS credentials: start `touchpoint serve` or set AWS_ENDPOINT_URL")
        if isinstance(exc, BotoCoreError | ClientError):
            _fail(f"AWS call failed: {exc}", 1)
        raise
    finally:
        sys.stdout = _STDOUT


if __name__ == "__main__":
    sys.exit(main())
