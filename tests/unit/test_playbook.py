from __future__ import annotations

from pathlib import Path

import pytest

from touchpoint.playbook import loading
from touchpoint.playbook.loading import load, parse
from touchpoint.playbook.model import PlaybookError, parse_duration


def test_default_playbook_loads_with_every_flow() -> None:
    playbook = load(loading.playbook_path())
    assert {"cart_abandonment", "post_purchase", "winback", "support_survey", "service_recovery"} <= set(
        playbook.flows
    )
    assert 0 < playbook.holdout.share <= 0.1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: 1\nflows:\n  a:\n    trigger: nope\n    steps: []\ntemplates: {}\n",
            "playbook:4: flows.a.trigger",
        ),
        (
            "version: 1\nflows:\n  a:\n    trigger: order_placed\n    steps:\n      - {id: s, after: soon, channel: email, template: t}\ntemplates:\n  t: {body: x}\n",
            "playbook:6: flows.a.steps.0.after",
        ),
        (
            "version: 1\nflows:\n  a:\n    trigger: order_placed\n    steps:\n      - {id: s, after: 1h, channel: email, template: missing}\ntemplates: {}\n",
            "playbook:6: flows.a.steps.0: unknown template 'missing'",
        ),
        (
            "version: 1\nflows:\n  a:\n    trigger: ticket_rated\n    marketing: false\n    steps:\n"
            "      - {id: s, after: 1h, channel: email, template: t, offer: o}\n"
            "templates:\n  t: {body: x}\noffers:\n  o: {kind: percent, value: 10, code: X}\n",
            "playbook:7: flows.a.steps.0.offer: an offer in a service flow (marketing: false) is marketing",
        ),
        (
            "version: 1\nflows:\n  a:\n    trigger: order_placed\n    steps:\n      - {id: s, after: 1h, channel: email, template: t}\n"
            "templates:\n  t: {body: x}\noffers:\n  o: {kind: percent, value: 10}\n",
            "playbook:10: offers.o: an offer needs a code, or unique: true",
        ),
        ("version: 1\nflows: [\n", "not valid YAML"),
        ("- 1\n", "must be a mapping"),
    ],
)
def test_bad_playbooks_fail_with_a_line(text: str, message: str) -> None:
    with pytest.raises(PlaybookError, match=None) as caught:
        parse(text)
    assert message in str(caught.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match=r"nope\.yaml: cannot read the playbook"):
        load(tmp_path / "nope.yaml")


def test_durations() -> None:
    assert parse_duration("90m").total_seconds() == 5400
    assert parse_duration("2d").days == 2


def test_template_placeholders_are_checked_on_load_every_problem_with_its_line() -> None:
    text = (
        "version: 1\n"
        "flows:\n"
        "  a:\n"
        "    trigger: order_placed\n"
        "    steps:\n"
        "      - {id: s, after: 1h, channel: sms, template: t}\n"
        "templates:\n"
        "  t:\n"
        "    subject: 'Hi {frist_name}'\n"
        "    sms: 'Hi {{ frist_name }}'\n"
        "  u:\n"
        "    sms: 'broken {% if %}'\n"
    )
    with pytest.raises(PlaybookError) as caught:
        parse(text, "shop.yaml")
    problems = caught.value.problems
    assert len(problems) == 3
    assert problems[0].startswith(
        "shop.yaml:9: templates.t.subject: unknown placeholder {frist_name}; known: "
    )
    assert problems[1].startswith(
        "shop.yaml:10: templates.t.sms: unknown placeholder {{ frist_name }}; known: "
    )
    assert problems[2].startswith("shop.yaml:12: templates.u.sms: template syntax: ")


def test_an_email_template_needs_its_files(tmp_path: Path) -> None:
    text = "version: 1\nflows:\n  a:\n    trigger: order_placed\n    steps:\n      - {id: s, after: 1h, channel: email, template: fresh}\ntemplates:\n  fresh: {subject: Hello}\n"
    path = tmp_path / "shop.yaml"
    path.write_text(text)
    with pytest.raises(PlaybookError, match=r"fresh\.html: template file not found"):
        load(path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "fresh.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ shop.name }}{% endblock %}'
    )
    (tmp_path / "templates" / "fresh.txt").write_text("{{ greeting }} {{ nope }}")
    with pytest.raises(PlaybookError) as caught:
        parse(text, str(path))
    assert caught.value.problems == [
        f"{tmp_path / 'templates' / 'fresh.txt'}:1: unknown placeholder {{{{ nope }}}}; known: "
        + ", ".join(sorted(__import__("touchpoint.content.environment", fromlist=["VARIABLES"]).VARIABLES))
    ]


def test_smart_sending_and_reentry_are_validated() -> None:
    base = "version: 1\nflows:\n  a:\n    trigger: order_placed\n    reentry: {r}\n    steps:\n      - {{id: s, after: 1h, channel: sms, template: t}}\ntemplates:\n  t: {{sms: x}}\n"
    assert parse(base.format(r="supersede")).flows["a"].reentry == "supersede"
    with pytest.raises(PlaybookError, match=r"playbook:5: flows\.a\.reentry"):
        parse(base.format(r="sometimes"))
    with pytest.raises(PlaybookError, match=r"smart_sending\.email"):
        parse(base.format(r="parallel") + "smart_sending: {email: soon}\n")
