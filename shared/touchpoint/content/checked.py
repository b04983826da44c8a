"""A record that a playbook and its templates passed the template check, so a cold start need not
parse every template again (about 130 ms of Jinja2 work, most of a webhook function's start-up).

The record (`<playbook>.checked`, beside the file) holds a fingerprint of everything the check
reads: the playbook text, every file of its template folders, and the checking code itself. Any
edit changes the fingerprint and the check runs in full again, so a stale or copied record can
only cost time, never let a broken template through. The packaged playbook ships its record
(refreshed with `python -m touchpoint.content.checked`; a unit test says when it is out of
date), and `touchpoint playbook push` uploads one with a merchant's playbook it has checked.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from touchpoint import __version__
from touchpoint.content.folders import template_dirs

SUFFIX = ".checked"
_PACKAGE = Path(__file__).resolve().parents[1]
# the code whose verdict the record stands for
CHECKING_CODE = (
    _PACKAGE / "content" / "validation.py",
    _PACKAGE / "content" / "environment.py",
    _PACKAGE / "content" / "folders.py",
    _PACKAGE / "decide" / "playbook.py",
)


def fingerprint(text: str, path: Path | None) -> str:
    digest = hashlib.sha256(__version__.encode())
    for source in CHECKING_CODE:
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    digest.update(hashlib.sha256(text.encode()).digest())
    for folder in template_dirs(path):
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = file.relative_to(folder).as_posix().encode()
            digest.update(name + b"\0" + hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def record_of(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def vouched(text: str, path: Path | None) -> bool:
    """Whether this exact playbook, templates and checking code passed the check before."""
    if path is None or not path.is_file():
        return False
    try:
        return record_of(path).read_text(encoding="utf-8").strip() == fingerprint(text, path)
    except OSError:
        return False


def vouch(path: Path) -> Path:
    """Write the record for a playbook that has just passed the check."""
    record = record_of(path)
    record.write_text(fingerprint(path.read_text(encoding="utf-8"), path) + "\n", encoding="utf-8")
    return record


if __name__ == "__main__":  # refresh the packaged playbook's record after it passed the check
    from touchpoint import config
    from touchpoint.decide import playbook

    playbook.parse(
        config.DEFAULT_PLAYBOOK.read_text(encoding="utf-8"), str(config.DEFAULT_PLAYBOOK), checked=False
    )
    sys.stdout.write(f"{vouch(config.DEFAULT_PLAYBOOK)}\n")
