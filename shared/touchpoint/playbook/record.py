"""A record that a playbook and its templates passed the template check, so a cold start need not
parse every template again (about 130 ms of Jinja2 work, most of a webhook function's start-up).

The record (`<playbook>.checked`, beside the file) holds a fingerprint of everything the check
reads: the playbook text, every file of its template folders, and the checking code itself. Any
edit changes the fingerprint and the check runs in full again, so a stale or copied record can
only cost time, never let a broken template through. Its second line is the playbook as parsed,
in JSON, so a cold start need not import a YAML parser either (about 14 ms); the fingerprint
covers that line too. The packaged playbook ships its record
(refreshed with `python -m touchpoint_tools.refresh_record`; a unit test says when it is out of
date), and `touchpoint playbook push` uploads one with a merchant's playbook it has checked.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from touchpoint import __version__
from touchpoint.content.folders import template_dirs
from touchpoint.playbook.model import yaml_data

SUFFIX = ".checked"
_PACKAGE = Path(__file__).resolve().parents[1]
# the code whose verdict the record stands for
CHECKING_CODE = (
    _PACKAGE / "playbook" / "template_check.py",
    _PACKAGE / "content" / "environment.py",
    _PACKAGE / "content" / "folders.py",
    _PACKAGE / "playbook" / "model.py",
)


def fingerprint(text: str, path: Path | None, parsed: str = "") -> str:
    """A digest of the playbook text, its templates, the checking code and the parsed JSON line."""
    digest = hashlib.sha256(__version__.encode())
    for source in CHECKING_CODE:
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    digest.update(hashlib.sha256(text.encode()).digest())
    for folder in template_dirs(path):
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = file.relative_to(folder).as_posix().encode()
            digest.update(name + b"\0" + hashlib.sha256(file.read_bytes()).digest())
    digest.update(hashlib.sha256(parsed.encode()).digest())
    return digest.hexdigest()


def record_of(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


@dataclass(frozen=True)
class Record:
    """A record that vouches for the content; `data` is the playbook as parsed, when it has it."""

    data: dict[str, Any] | None


def vouched(text: str, path: Path | None) -> Record | None:
    """The record, if this exact playbook, templates and checking code passed the check before."""
    if path is None or not path.is_file():
        return None
    try:
        stamp, _, parsed = record_of(path).read_text(encoding="utf-8").partition("\n")
    except OSError:
        return None
    parsed = parsed.strip()
    if stamp.strip() != fingerprint(text, path, parsed):
        return None
    data = json.loads(parsed) if parsed else None
    return Record(data if isinstance(data, dict) else None)


def _as_json(data: Any) -> str:
    """`data` in one line of JSON, or "" where JSON would not give back exactly the same value
    (a YAML date, a number as a key): such a record vouches for the templates but not the parse."""
    try:
        line = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    except (TypeError, ValueError):
        return ""
    return line if json.loads(line) == data else ""


def record_text(path: Path) -> str:
    """The record for the playbook at `path`, which has just passed the check."""
    text = path.read_text(encoding="utf-8")
    parsed = _as_json(yaml_data(text, str(path)))
    return f"{fingerprint(text, path, parsed)}\n{parsed}\n"


def vouch(path: Path) -> Path:
    """Write the record for a playbook that has just passed the check."""
    record = record_of(path)
    record.write_text(record_text(path), encoding="utf-8")
    return record
