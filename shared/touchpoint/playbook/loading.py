"""The playbook the functions run: found (the pushed one, else PLAYBOOK, else the packaged
default), parsed once per container and file, its templates checked unless a record vouches.

Light on purpose: the Sender, which rechecks and renders but never handles an event, loads the
playbook through here without the event models and the pipeline's modules.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from touchpoint import config
from touchpoint.playbook.model import Located, Playbook, PlaybookError, validated, yaml_data
from touchpoint.playbook.record import vouched

DEFAULT = Path(__file__).resolve().parent / "default_playbook.yaml"  # in the package: the layer carries it


def playbook_path() -> Path:
    """The playbook pushed to PLAYBOOK_BUCKET (`touchpoint playbook push`), else PLAYBOOK, else
    the packaged default."""
    bucket = config.env("PLAYBOOK_BUCKET")
    if bucket:
        from touchpoint.playbook.store import pushed_playbook

        pushed = pushed_playbook(bucket)
        if pushed is not None:
            return pushed
    configured = config.env("PLAYBOOK")
    return Path(configured) if configured else DEFAULT


def current_playbook() -> Playbook:
    return load(playbook_path())


def parse(text: str, name: str = "playbook", checked: bool = True) -> Playbook:
    """The playbook in `text` (from the file `name`), or PlaybookError with every problem found.
    Its templates are checked, and its YAML parsed, unless a record says this exact content passed
    before (playbook/record.py) and `checked` allows trusting it."""
    record = vouched(text, Path(name)) if checked else None
    data = record.data if record and record.data is not None else yaml_data(text, name)
    located = Located(text, name)
    playbook, problems = validated(data, located)
    if problems or record is None:
        from touchpoint.playbook.template_check import template_problems  # Jinja2 only when it must

        problems += template_problems(playbook, name, located.line_of)
    if problems:
        raise PlaybookError(problems)
    return playbook


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookError([f"{path}: cannot read the playbook: {exc.strerror}"]) from None


@lru_cache(maxsize=4)
def load(path: Path) -> Playbook:
    """The playbook a function runs: its templates are checked unless their record vouches."""
    return parse(_read(path), str(path))


def check(path: Path) -> Playbook:
    """Every check, whatever a record says: for `touchpoint check` and `touchpoint playbook push`."""
    return parse(_read(path), str(path), checked=False)
