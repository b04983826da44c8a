"""Every subcommand's --help describes it, shows its defaults and names what it reads."""

from __future__ import annotations

import argparse
import re

import pytest

from touchpoint_tools import cli


def _subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _subcommands(sub, (*prefix, name))
                found += nested or [(*prefix, name)]
    return found


COMMANDS = _subcommands(cli.parser())


def test_every_contract_command_exists() -> None:
    names = {" ".join(c) for c in COMMANDS}
    expected = {
        "serve",
        "invoke",
        "dispatch",
        "profile",
        "messages",
        "demo",
        "export",
        "forget",
        "check",
        "preview",
    }
    expected |= {
        "catalog import",
        "backtest",
        "report",
        "archive export",
        "dlq list",
        "dlq redrive",
        "outbox list",
        "connect shopify",
        "connect woocommerce",
        "playbook push",
        "codes import",
        "codes status",
        "mode",
    }
    assert expected <= names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_describes_defaults_and_environment(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.parser().parse_args([*command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "environment:" in text and "TOUCHPOINT_DEBUG" in text
    assert "--aws" in text and "--stack" in text and "--template" in text


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_names_each_default_once_and_aws_only_where_used(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.parser().parse_args([*command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: None)" not in text and "(default: False)" not in text
    assert not re.search(r"default:[^)]*\)\)? \(default:", text), text
    uses_aws = "AWS_ENDPOINT_URL" in text.split("environment:")[-1]
    assert ("AWS:" in text.split("options:")[0]) == (uses_aws or command == ("serve",))


def test_commands_have_descriptions_of_their_own() -> None:
    parser = cli.parser()
    texts = []
    for command in COMMANDS:
        sub = parser
        for name in command:
            sub = next(a for a in sub._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
        texts.append(sub.description)
    assert len(set(texts)) == len(texts)
