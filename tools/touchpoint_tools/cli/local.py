"""The commands that run the functions here: serve, invoke, dispatch, demo."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from touchpoint.errors import UserError
from touchpoint_tools.cli import options
from touchpoint_tools.cli.context import DEFAULT_AWS_PORT, Context
from touchpoint_tools.cli.options import AWS, SENDING, WEBHOOK_SECRETS, add

STOP_CHECK_SECONDS = 0.5  # how soon `serve` notices a stop signal while it waits for requests


def _start_aws(ctx: Context, args: argparse.Namespace) -> Any:
    from touchpoint_tools.local import emulation

    if os.environ.get("AWS_ENDPOINT_URL"):
        ctx.connect()
        return None
    try:
        return emulation.start_moto(args.host, args.aws_port)
    except emulation.EndpointError as exc:
        raise UserError(str(exc)) from None


def _serve(ctx: Context, args: argparse.Namespace, stop: threading.Event, started: list[Any]) -> None:
    from touchpoint_tools.local import emulation
    from touchpoint_tools.local.server import make_server

    started.append(_start_aws(ctx, args))
    if stop.is_set():
        return
    if args.outbox:
        from touchpoint_tools.local.outbox import Outbox

        started.append(Outbox(Path(args.outbox), args.host).start())
        print(
            f"touchpoint serve: e-mails and SMS go to {args.outbox}/ (touchpoint outbox list)",
            file=sys.stderr,
        )
    # unsubscribe and preference links in e-mails point here unless PUBLIC_URL says otherwise
    os.environ.setdefault("PUBLIC_URL", f"http://{args.host}:{args.port}")
    runtime = ctx.runtime()
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


def cmd_serve(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.playbook import loading

    loading.current_playbook()  # an invalid playbook stops here, with its problems
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
        _serve(ctx, args, stop, started)
        print("touchpoint serve: stopping", file=sys.stderr)
    finally:
        stop.set()
        for thing in reversed(started):
            if hasattr(thing, "server_close"):
                thing.server_close()
            elif thing is not None:
                thing.stop()
    return 0


def _event(args: argparse.Namespace) -> Any:
    try:
        event = json.loads(Path(args.event).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read event file {args.event}: {exc.strerror}") from None
    except ValueError as exc:
        raise UserError(f"event file {args.event} is not JSON: {exc}") from None
    if not args.sign:
        return event
    from touchpoint_tools.local.signing import SigningError, resign

    try:
        return resign(event)
    except SigningError as exc:
        raise UserError(str(exc)) from None


def cmd_invoke(ctx: Context, args: argparse.Namespace) -> int:
    event = _event(args)
    mock = ctx.connect(allow_embedded=True)
    try:
        runtime = ctx.runtime(embedded=mock is not None)
        runtime.function(args.function)
        result = runtime.invoke(args.function, event)
    finally:
        if mock is not None:
            mock.stop()
    ctx.say(json.dumps(result, default=str))
    return 0


def cmd_dispatch(ctx: Context, args: argparse.Namespace) -> int:
    ctx.connect()
    result = ctx.runtime().dispatch(args.at)
    ctx.say(json.dumps({**result, "acted_on": ctx.where()}, default=str))
    return 0


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint_tools.demo import run

    ctx.say(run(Path(args.report), ctx.template))
    print(f"report written to {args.report}", file=sys.stderr)
    return 0


def add_commands(sub: Any) -> None:
    s = add(
        sub,
        "serve",
        cmd_serve,
        "local HTTP API, queues and schedule on embedded moto",
        (*AWS, *SENDING, WEBHOOK_SECRETS),
    )
    s.add_argument("--host", default="127.0.0.1", help="address the HTTP API listens on")
    s.add_argument("--port", type=int, default=3000, help="port of the HTTP API")
    s.add_argument("--aws-port", type=int, default=DEFAULT_AWS_PORT, help="the embedded moto server's port")
    s.add_argument(
        "--outbox",
        default=None,
        metavar="DIR",
        help="send e-mail to a local SendGrid stand-in that writes every message (and SMS) into DIR",
    )
    i = add(
        sub,
        "invoke",
        cmd_invoke,
        "run one function on one event file, like `sam local invoke`",
        (*AWS, "PLAYBOOK", WEBHOOK_SECRETS),
    )
    i.add_argument("function", help="logical id in template.yaml, e.g. CartAbandonedFunction")
    i.add_argument("--event", required=True, help="JSON event file")
    i.add_argument(
        "--sign",
        action="store_true",
        help="sign the event's body afresh with the webhook secrets in the environment and the current time",
    )
    d = add(
        sub,
        "dispatch",
        cmd_dispatch,
        "run the scheduled work as if the clock read --at, then deliver",
        (*AWS, *SENDING, "SMS_SENDER_ID", "META_PIXEL_ID"),
    )
    d.add_argument(
        "--at", required=True, type=options.parse_time, help="ISO 8601 instant, or +30m / +2h / +3d from now"
    )
    m = add(sub, "demo", cmd_demo, "a synthetic shop's customers through every touchpoint", ("PLAYBOOK",))
    m.add_argument("--report", default="reports/demo.md", help="where to write the report")
