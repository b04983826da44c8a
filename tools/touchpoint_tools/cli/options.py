"""How the commands are declared: options every command takes, a --help that names each default
once and what a command reads, and the argument types (times, counts)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from touchpoint_tools.cli.context import DEFAULT_AWS_PORT

AWS = ("AWS_ENDPOINT_URL", "TABLE_NAME")
SENDING = ("SENDGRID_API_KEY", "SENDGRID_API_HOST", "EMAIL_FROM", "PUBLIC_URL", "TOKEN_SECRET", "PLAYBOOK")
WEBHOOK_SECRETS = "the webhook secrets (docs/configuration.md)"

Command = Callable[..., int]  # (Context, argparse.Namespace) -> exit status


def common() -> argparse.ArgumentParser:
    """Options every subcommand takes, before or after its name."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--template",
        default=argparse.SUPPRESS,
        help="path of template.yaml (default: ./template.yaml, else the project's)",
    )
    options.add_argument(
        "--stack",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="a deployed stack: its outputs name the table, queue, archive and secret (needs --aws)",
    )
    options.add_argument(
        "--aws",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use real AWS (credentials from the environment); never implied",
    )
    return options


COMMON = common()


class Help(argparse.HelpFormatter):
    """Names a default once, and only one worth naming (not None, not a switch's False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text or not text:
            return action.help
        return f"{text} (default: %(default)s)"


def _where_aws(name: str, reads: tuple[str, ...]) -> str:
    """Which AWS a command talks to, for the commands that talk to one."""
    if name == "serve":
        return " AWS: the moto server it starts, or AWS_ENDPOINT_URL."
    if "AWS_ENDPOINT_URL" not in reads:
        return ""
    return f" AWS: AWS_ENDPOINT_URL, else a running `touchpoint serve` on 127.0.0.1:{DEFAULT_AWS_PORT}."


def add(
    sub: Any, name: str, func: Command, text: str, reads: tuple[str, ...] = ()
) -> argparse.ArgumentParser:
    """A subcommand: its help line, description, the variables it reads, and the common options."""
    command: argparse.ArgumentParser = sub.add_parser(
        name,
        help=text,
        description=f"{text}.{_where_aws(name, reads)}",
        epilog=f"environment: {', '.join((*reads, 'TOUCHPOINT_DEBUG'))}",
        parents=[COMMON],
        formatter_class=Help,
    )
    command.set_defaults(func=func)
    return command


def group(sub: Any, name: str, text: str, dest: str = "action") -> Any:
    """A command with subcommands of its own (`catalog import`, `dlq list`)."""
    return sub.add_parser(name, help=text).add_subparsers(dest=dest, required=True)


RELATIVE = re.compile(r"^([+-])(\d+)\s*(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
TIME_OPTIONS = ("--at", "--since", "--until")


def parse_time(value: str) -> datetime:
    """ISO 8601, or +30m / +2h / -7d counted from now (no `date -d` needed on any shell)."""
    relative = RELATIVE.match(value.strip())
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


def joined_times(argv: list[str]) -> list[str]:
    """`--since -7d` as `--since=-7d`: argparse would take a value starting with '-' for an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in TIME_OPTIONS and RELATIVE.match(arg):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def jsonable(value: Any) -> Any:
    from touchpoint.profiles.privacy import jsonable as as_json

    return as_json(value)
