from __future__ import annotations

from pathlib import Path

import pytest

from touchpoint import config
from touchpoint.decide.playbook import PlaybookError, load, parse, parse_duration


def test_default_playbook_loads_with_every_flow() -> None:
    playbook = load(config.playbook_path())
    assert {"cart_abandonment", "post_purchase", "winback", "support_survey", "service_recovery"} <= set(
        playbook.flows
    )
    assert 0 < playbook.holdout.share <= 0.1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: 1\nflows:\n  a:\n    trigger: nope\n    steps: []\ntemplates: {}\n",
            "line 4: flows.a.trigger",
        ),
        (
            "version: 1\nflows:\n  a:\n    trigger: order_placed\n    steps:\n      - {id: s, after: soon, channel: email, template: t}\ntemplates:\n  t: {body: x}\n",
            "line 6",
        ),
        (
            "version: 1\nflows:\n  a:\n    trigger: order_placed\n    steps:\n      - {id: s, after: 1h, channel: email, template: missing}\ntemplates: {}\n",
            "unknown template 'missing'",
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
    with pytest.raises(PlaybookError, match="cannot read playbook"):
        load(tmp_path / "nope.yaml")


def test_durations() -> None:
    assert parse_duration("90m").total_seconds() == 5400
    assert parse_duration("2d").days == 2
