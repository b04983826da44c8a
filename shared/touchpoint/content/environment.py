"""The Jinja2 environment messages render in, and the check that runs when a playbook loads.

Sandboxed (a template is configuration a marketer edits, not code), autoescaped for HTML,
and lenient about missing data: an absent value renders as nothing, so a message without a
checkout link has no dangling link rather than a failed send.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, meta, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

PACKAGED = Path(__file__).resolve().parents[1] / "decide" / "templates"
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
    }
)
_OLD_STYLE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def template_dirs(playbook_path: Path | None) -> tuple[Path, ...]:
    """A `templates/` folder beside the playbook first, then the packaged defaults."""
    beside = playbook_path.parent / "templates" if playbook_path else None
    return tuple(d for d in (beside, PACKAGED) if d is not None and d.is_dir())


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
    old = _OLD_STYLE.search(source)
    if old:
        line = source.count("\n", 0, old.start()) + 1
        name = old.group(1)
        return [(line, f"{{{name}}} is not a placeholder here: write {{{{ {name} }}}}")]
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
