"""Every variable the functions read is declared once (touchpoint/settings.py) with its type, and
the configuration page is that declaration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from touchpoint import config, settings

ROOT = Path(__file__).resolve().parents[2]
READERS = {"env", "secret", "getenv"}  # and .get on os.environ or settings


def _reads(func: ast.Attribute) -> bool:
    receiver = ast.unparse(func.value)
    return func.attr in READERS or (func.attr == "get" and ("environ" in receiver or "settings" in receiver))


def _names_read() -> set[tuple[str, str]]:
    """(file, NAME) for every upper-case literal passed to an environment or settings read."""
    found = set()
    for path in [*(ROOT / "shared" / "touchpoint").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _reads(node.func):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.isupper():
                    found.add((path.name, first.value))
            elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
                key = node.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.add((path.name, key.value))
    return found


def test_every_variable_the_functions_read_is_declared() -> None:
    platform = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME"}
    undeclared = {(f, n) for f, n in _names_read() if n not in settings.BY_NAME and n not in platform}
    assert not undeclared, f"read but not in touchpoint/settings.py: {sorted(undeclared)}"


def test_the_configuration_page_is_the_declaration() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert settings.markdown_table() in page, "run `python -m touchpoint_tools.refresh_docs`"


def test_an_undeclared_name_is_refused_where_it_is_read() -> None:
    with pytest.raises(KeyError, match=r"settings\.py"):
        config.env("NOT_A_SETTING")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SIGNATURE_TOLERANCE_SECONDS", "a day", "not a number of seconds"),
        ("CATALOG_CACHE_SECONDS", "-5", "negative"),
        ("SEND_MODE", "loud", "not one of shadow, live, paused"),
        ("PUBLIC_URL", "shop.example", "not an http(s) URL"),
        ("EMAIL_FROM", "shop", "not an e-mail address"),
        ("TOKEN_SECRET_PREVIOUS_UNTIL", "2026-12-01T00:00", "no time zone"),
        ("ALLOWED_ORIGINS", "https://*.shop.example", "not an origin"),
    ],
)
def test_a_value_that_cannot_be_used_is_named_with_its_variable(
    name: str, value: str, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    problems = settings.problems()
    assert len(problems) == 1 and problems[0].startswith(f"{name}: ") and says in problems[0]


def test_typed_values_and_defaults() -> None:
    assert settings.get("SIGNATURE_TOLERANCE_SECONDS") == 86400.0
    assert settings.get("SENDGRID_API_HOST") == "https://api.sendgrid.com"
    assert settings.get("ALLOWED_ORIGINS") == frozenset()
