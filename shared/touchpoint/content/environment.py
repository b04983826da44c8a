"""The Jinja2 environment messages render in, and the check that runs when a playbook loads.

Sandboxed (a template is configuration a marketer edits, not code), autoescaped for HTML,
and lenient about missing data: an absent value renders as nothing, so a message without a
checkout link has no dangling link rather than a failed send.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, meta, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

# What one template may cost: a marketer's typo or a hostile push must not stall the Sender
MAX_OUTPUT = 512 * 1024  # characters one template renders (Gmail clips a mail at 102 KB anyway)
MAX_SECONDS = 2.0  # wall time of one render
MAX_STEPS = 100_000  # loop iterations over range() in one render
_deadline: ContextVar[float] = ContextVar("render_deadline", default=float("inf"))
_steps: ContextVar[list[int]] = ContextVar("render_steps")


class TooCostly(TemplateError):
    """A template that would render too much, or for too long."""


def _check_time() -> None:
    if time.monotonic() > _deadline.get():
        raise TooCostly(f"rendering took longer than {MAX_SECONDS:g} s")


def _bounded_range(*args: int) -> Iterator[int]:
    """range(), counted against the render's loop budget and clock."""
    steps = _steps.get([0])
    for n in range(*args):
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            raise TooCostly(f"loops ran more than {MAX_STEPS} times")
        if steps[0] % 1000 == 0:
            _check_time()
        yield n


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with a ceiling on what one operation may build (`'x' * 10**9`, a huge
    `%` format or `center`), on loops over range(), and, in `render_bounded`, on output and time."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        problem = _too_costly(operator, left, right)
        if problem:
            raise TooCostly(problem)
        return super().call_binop(context, operator, left, right)


def _too_costly(operator: str, left: Any, right: Any) -> str | None:
    """Why `left <operator> right` would build too much, else None."""
    if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
        return "an exponent above 64"
    if operator == "*" and isinstance(right, str | list) and isinstance(left, int):
        left, right = right, left
    if operator == "*" and isinstance(left, str | list) and isinstance(right, int):
        ceiling = MAX_OUTPUT if isinstance(left, str) else MAX_STEPS
        return "a repetition too long to render" if len(left) * right > ceiling else None
    if operator == "%" and isinstance(left, str) and re.search(r"%[-+ #0]*\d{5,}", left):
        return "a format width of 10,000 or more"
    return None


def _bounded_width(width: Any) -> int:
    number = int(width)
    if number > 10_000:
        raise TooCostly("a width of 10,000 or more")
    return number


def render_bounded(template: Any, data: dict[str, Any]) -> str:
    """template.render(data), stopped with TooCostly past MAX_OUTPUT characters or MAX_SECONDS."""
    deadline = _deadline.set(time.monotonic() + MAX_SECONDS)
    steps = _steps.set([0])
    try:
        size, parts = 0, []
        for chunk in template.generate(data):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TooCostly(f"the output is longer than {MAX_OUTPUT} characters")
            _check_time()
            parts.append(chunk)
        return "".join(parts)
    finally:
        _deadline.reset(deadline)
        _steps.reset(steps)


# what every template may use (docs/playbook.md, "Templates"); loop variables and macros aside
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
def environment(dirs: tuple[Path, ...], strict: bool = False) -> BoundedEnvironment:
    loader = ChoiceLoader([FileSystemLoader(str(d)) for d in dirs])
    env = BoundedEnvironment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    if strict:
        env.undefined = StrictUndefined
    env.globals["range"] = _bounded_range
    for name in ("center", "indent"):
        env.filters[name] = _width_checked(env.filters[name])
    return env


def _width_checked(original: Any) -> Any:
    """A filter whose width argument is bounded (`'x'|center(10**9)` would build a gigabyte)."""

    def bounded(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(width, bool | str):
            width = _bounded_width(width)
        return original(value, width, *args, **kwargs)

    return bounded


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
