"""The `touchpoint` command. One module per group of commands, each adding its own to the parser:
local.py (serve, invoke, dispatch, demo), customers.py (profile, messages, export, forget,
preview), operate.py (check, playbook push, mode, catalog, dlq, outbox), history.py (backtest,
report, archive), codes.py (discount code pools), connect.py (shop platforms). context.py holds
what a run is given; options.py how commands are declared."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import redirect_stdout
from typing import NoReturn

from touchpoint.errors import UserError
from touchpoint_tools.cli import codes, connect, customers, history, local, operate
from touchpoint_tools.cli.context import Context
from touchpoint_tools.cli.options import COMMON, joined_times

GROUPS = (local, customers, operate, codes, history, connect)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="touchpoint",
        description="Serverless touchpoint personalization, run locally.",
        parents=[COMMON],
    )
    sub = p.add_subparsers(dest="command", required=True)
    for commands in GROUPS:
        commands.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(joined_times(sys.argv[1:] if argv is None else argv))
    ctx = Context.of(args, sys.stdout)
    try:
        # the handlers log JSON to stdout, as in Lambda; here stdout carries the command's answer
        with redirect_stdout(sys.stderr):
            return int(args.func(ctx, args))
    except UserError as exc:
        _fail(str(exc))
    except Exception as exc:
        _fail(_explain(exc), 1)


def _fail(message: str, code: int = 2) -> NoReturn:
    print(f"touchpoint: {message}", file=sys.stderr)
    raise SystemExit(code)


def _explain(exc: Exception) -> str:
    """One line for any failure; TOUCHPOINT_DEBUG=1 prints the traceback as well."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from touchpoint.playbook.model import PlaybookError
    from touchpoint_tools.local.template import TemplateError

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
