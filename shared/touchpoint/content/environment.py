"""The Jinja2 environment messages render in, and the check that runs when a playbook loads.

Sandboxed (a template is configuration a marketer edits, not code), autoescaped for HTML,
and lenient about missing data: an absent value renders as nothing, so a message without a
checkout link has no dangling link rather than a failed send.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, meta, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

# what every template may use (docs: README, "Templates"); loop variables and macros aside
VARIABLES = frozenset(
    {
        "shop",
        "customer",
        "first_name",
        "greeting",
        "name_suffix",
        "items",
        "unavailable_items",
        "recommendations",
        "offer",
        "offer_code",
        "offer_text",
        "checkout_url",
        "shop_url",
        "unsubscribe_url",
        "preferences_url",
        "message_id",
        "subject",
        "preheader",
        "body_text",
    }
)
# Texts written before templates were Jinja2 use {name} placeholders (str.format); they still
# work, with the names they had, when a text has no {{ or {% in it
LEGACY_NAMES = frozenset(
    {"first_name", "items", "checkout_url", "offer_code", "offer_text", "recommendations", "shop"}
)
_LEGACY_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def is_legacy(source: str) -> bool:
    return "{{" not in source and "{%" not in source and "{" in source


def legacy_to_jinja(source: str) -> str:
    """`Hi {first_name}` as `Hi {{ first_name }}` (checked by `legacy_problems` first)."""
    return _LEGACY_FIELD.sub(lambda m: "{{ " + m.group(1) + " }}", source)


def legacy_problems(source: str) -> list[tuple[int | None, str]]:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(source) if name is not None]
    except ValueError as exc:
        return [(None, f"{exc} (write {{{{ and }}}} for a literal brace)")]
    unknown = [name for name in fields if name not in LEGACY_NAMES]
    if unknown:
        return [(None, f"unknown placeholder {{{unknown[0]}}}; known: {', '.join(sorted(LEGACY_NAMES))}")]
    return []


@lru_cache(maxsize=8)
def environment(dirs: tuple[Path, ...], strict: bool = False) -> SandboxedEnvironment:
    loader = ChoiceLoader([FileSystemLoader(str(d)) for d in dirs])
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    if strict:
        env.undefined = StrictUndefined
    return env


def problems_in(source: str, env: SandboxedEnvironment) -> list[tuple[int | None, str]]:
    """(line within the text, problem) for one template text."""
    if is_legacy(source):
        return legacy_problems(source)
    try:
        parsed = env.parse(source)
    except TemplateError as exc:
        return [(getattr(exc, "lineno", None), f"template syntax: {exc}")]
    unknown = sorted(meta.find_undeclared_variables(parsed) - VARIABLES)
    if unknown:
        return [(None, f"unknown placeholder {{{{ {unknown[0]} }}}}; known: {', '.join(sorted(VARIABLES))}")]
    return []


def file_problems(name: str, env: SandboxedEnvironment) -> list[str]:
    """Problems of a template file and of what it extends or imports, as `file:line: problem`."""
    loader = env.loader
    assert loader is not None
    try:
        source, filename, _ = loader.get_source(env, name)
    except TemplateError:
        return [f"{name}: template file not found"]
    found = [f"{filename}:{line or 1}: {problem}" for line, problem in problems_in(source, env)]
    if not found:
        try:
            env.get_template(name)
        except TemplateError as exc:
            found.append(f"{filename}:{getattr(exc, 'lineno', None) or 1}: {exc}")
    return found
