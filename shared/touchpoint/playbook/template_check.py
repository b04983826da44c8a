"""Every template of a playbook checked when it loads, so a typo never reaches a shopper."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from touchpoint.content.environment import environment, file_problems, problems_in
from touchpoint.content.folders import template_dirs
from touchpoint.playbook.model import Playbook

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


def template_problems(playbook: Playbook, name: str, line_of: LineOf) -> list[str]:
    path = Path(name)
    env = environment(template_dirs(path if path.is_file() else None))
    email, sms = _channels(playbook)
    found: list[str] = []
    for key, template in playbook.templates.items():
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
