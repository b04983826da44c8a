"""The record that lets a cold start skip the template check (playbook/record.py): it holds only
for the exact playbook, templates and checking code it was written for."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from touchpoint.playbook import loading
from touchpoint.playbook import record as checked
from touchpoint.playbook.loading import check, load
from touchpoint.playbook.model import PlaybookError

PACKAGED = loading.DEFAULT.parent


def test_the_packaged_playbooks_record_is_current() -> None:
    text = loading.DEFAULT.read_text(encoding="utf-8")
    assert checked.vouched(text, loading.DEFAULT), (
        "the packaged playbook or its templates changed: after `touchpoint check` passes, "
        "refresh the record with `python -m touchpoint_tools.refresh_record`"
    )


def _shop(folder: Path) -> Path:
    """The default playbook with its own copy of the cart reminder's text template."""
    playbook = folder / "shop.yaml"
    shutil.copy(loading.DEFAULT, playbook)
    (folder / "templates").mkdir()
    shutil.copy(PACKAGED / "templates" / "cart_reminder.txt", folder / "templates" / "cart_reminder.txt")
    return playbook


def _break_template(playbook: Path) -> None:
    reminder = playbook.parent / "templates" / "cart_reminder.txt"
    reminder.write_text(reminder.read_text(encoding="utf-8") + "{{ frist_name }}\n", encoding="utf-8")


def test_an_edited_template_is_checked_again_despite_the_record(tmp_path: Path) -> None:
    playbook = _shop(tmp_path)
    check(playbook)
    checked.vouch(playbook)
    _break_template(playbook)
    with pytest.raises(PlaybookError, match="unknown placeholder"):
        load(playbook)


def test_a_record_spares_functions_the_check_but_never_touchpoint_check(tmp_path: Path) -> None:
    """A record written for broken content (by hand: the tools never write one for it) is trusted
    by a function's load, and ignored by `check`, which a merchant and `playbook push` run."""
    playbook = _shop(tmp_path)
    _break_template(playbook)
    checked.vouch(playbook)
    assert load(playbook).flows  # the template check was skipped
    with pytest.raises(PlaybookError, match="unknown placeholder"):
        check(playbook)


def test_a_record_of_other_content_is_not_trusted(tmp_path: Path) -> None:
    playbook = _shop(tmp_path)
    _break_template(playbook)
    checked.record_of(playbook).write_text(checked.fingerprint("version: 1\n", playbook) + "\n")
    with pytest.raises(PlaybookError, match="unknown placeholder"):
        load(playbook)


def test_the_parsed_playbook_a_record_carries_is_the_one_yaml_gives(tmp_path: Path) -> None:
    playbook = _shop(tmp_path)
    checked.vouch(playbook)
    assert checked.vouched(playbook.read_text(encoding="utf-8"), playbook).data  # type: ignore[union-attr]
    assert load(playbook) == check(playbook)


def test_a_record_whose_parsed_line_was_edited_is_not_trusted(tmp_path: Path) -> None:
    """The fingerprint covers the JSON line: an edit to it sends the load back to the YAML."""
    playbook = _shop(tmp_path)
    checked.vouch(playbook)
    record = checked.record_of(playbook)
    stamp, parsed = record.read_text(encoding="utf-8").split("\n", 1)
    assert '"holdout-v1"' in parsed
    record.write_text(stamp + "\n" + parsed.replace('"holdout-v1"', '"web_event"', 1), encoding="utf-8")
    assert checked.vouched(playbook.read_text(encoding="utf-8"), playbook) is None
    assert load(playbook).holdout.salt == "holdout-v1"
