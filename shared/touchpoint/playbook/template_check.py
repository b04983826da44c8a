"""Every template of a playbook checked when it loads, so a typo never reaches a shopper."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from touchpoint.content.environment import environment, file_problems, problems_in
from touchpoint.content.folders import in_language, template_dirs
from touchpoint.playbook.model import Playbook, Template

LineOf = Callable[[tuple[int | str, ...]], int | None]
TEXT_FIELDS = ("subject", "sms", "preheader", "body")


def _channels(playbook: Playbook) -> tuple[set[str], set[str]]:
    """Which templates go out as e-mail, which as SMS."""
    email: set[str] = set()
    sms: set[str] = set()
    for flow in playbook.flows.values():
        for step in flow.steps:
            if step.channel != "retargeting":
                (email if step.channel == "email" else sms).update({step.template, *step.variants.values()})
            if step.fallback:
                (email if step.fallback.channel == "email" else sms).add(step.fallback.template)
    return email, sms


def _translation_problems(
    playbook: Playbook, name: str, line_of: LineOf, key: str, template: Template, dirs: tuple[Path, ...]
) -> list[str]:
    """Each declared language has the template's subject and SMS text, its files, and nothing
    in a language the playbook does not declare."""
    found: list[str] = []
    where = f"{name}:{line_of(('templates', key)) or 1}: templates.{key}"
    for language in sorted(set(template.translations) - set(playbook.languages)):
        found.append(f"{where}.translations.{language}: not one of the playbook's languages")
    files = not (template.sendgrid_template_id or template.body)
    for language in playbook.languages:
        translated = template.translations.get(language)
        for field in ("subject", "sms", "body"):
            if getattr(template, field) and not (translated and getattr(translated, field)):
                found.append(f"{where}: no {field} in {language}")
        env = environment(in_language(dirs, language))
        for field in TEXT_FIELDS:
            for line, problem in problems_in(getattr(translated, field, ""), env):
                found.append(f"{where}.translations.{language}.{field}: line {line or 1}: {problem}")
        for suffix in ("html", "txt") if files and (template.subject or not template.sms) else ():
            if not any((d / language / f"{key}.{suffix}").is_file() for d in dirs):
                found.append(f"{where}: no {language}/{key}.{suffix} in the templates folder")
            else:
                found += file_problems(f"{key}.{suffix}", env)
    return found


def template_problems(playbook: Playbook, name: str, line_of: LineOf) -> list[str]:
    path = Path(name)
    dirs = template_dirs(path if path.is_file() else None)
    env = environment(dirs)
    email, sms = _channels(playbook)
    found: list[str] = []
    for key, template in playbook.templates.items():
        found += _translation_problems(playbook, name, line_of, key, template, dirs)
        for field in TEXT_FIELDS:
            start = line_of(("templates", key, field)) or 1
            for line, problem in problems_in(getattr(template, field), env):
                found.append(f"{name}:{start + (line or 1) - 1}: templates.{key}.{field}: {problem}")
        if key in email and not template.sendgrid_template_id and not template.body:
            found += file_problems(f"{key}.html", env) + file_problems(f"{key}.txt", env)
        if key in sms and not (template.sms or template.body):
            found.append(
                f"{name}:{line_of(('templates', key))}: templates.{key}: an SMS template needs `sms`"
            )
    return found
