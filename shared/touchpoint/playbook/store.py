"""A merchant's own playbook and templates in S3, taken up by running functions without a deploy.

`touchpoint playbook push` uploads the playbook file and the `templates/` folder beside it under
`playbook/<version>/` (the version is a hash of the content), then writes the version into
`playbook/CURRENT`, last: a function never sees half an upload. Each function checks CURRENT at
most once a minute (PLAYBOOK_REFRESH_SECONDS) and copies a new version to /tmp once. With no
CURRENT in the bucket, the packaged (or PLAYBOOK) playbook applies.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path

from touchpoint import aws, settings

PREFIX = "playbook/"
CURRENT = PREFIX + "CURRENT"
PLAYBOOK_FILE = "playbook.yaml"
LOCAL_ROOT = Path(tempfile.gettempdir()) / "touchpoint-playbook"

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_seen: dict[str, tuple[float, Path | None]] = {}  # bucket -> (checked at, local playbook file)


class UnsafeFile(ValueError):
    """A file a push must not upload: a symbolic link (it would upload what it points at, e.g.
    /etc/hostname), or a key a download must not write (outside its folder)."""


def _files(playbook: Path) -> dict[str, bytes]:
    """The playbook as playbook.yaml, and every file of templates/ beside it; UnsafeFile for a
    symbolic link among them."""
    templates = playbook.parent / "templates"
    paths = [playbook, *(sorted(templates.rglob("*")) if templates.is_dir() else ())]
    if templates.is_symlink():
        paths.append(templates)
    linked = [path for path in paths if path.is_symlink()]
    if linked:
        raise UnsafeFile(f"{linked[0]} is a symbolic link: copy the file itself into place")
    found = {PLAYBOOK_FILE: playbook.read_bytes()}
    for path in (p for p in paths[1:] if p.is_file()):
        found[path.relative_to(playbook.parent).as_posix()] = path.read_bytes()
    return found


def _inside(staging: Path, relative: str) -> Path:
    """Where a downloaded key is written: inside `staging`, or UnsafeFile."""
    destination = (staging / relative).resolve()
    if not relative or Path(relative).is_absolute() or not destination.is_relative_to(staging.resolve()):
        raise UnsafeFile(f"the key {relative!r} leaves the playbook's folder")
    return destination


def publish(bucket: str, playbook: Path) -> tuple[str, int]:
    """Upload a playbook that has just passed every check, with the record that says so
    (playbook/record.py: functions of the same version skip the template check at cold start);
    returns its version and how many files went up."""
    from touchpoint.playbook.record import SUFFIX, record_text

    files = _files(playbook)
    files[PLAYBOOK_FILE + SUFFIX] = record_text(playbook).encode()
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    version = digest.hexdigest()[:16]
    s3 = aws.client("s3")
    for name, data in files.items():
        s3.put_object(Bucket=bucket, Key=f"{PREFIX}{version}/{name}", Body=data)
    s3.put_object(Bucket=bucket, Key=CURRENT, Body=version.encode())
    return version, len(files)


def _current(bucket: str) -> str | None:
    s3 = aws.client("s3")
    try:
        return str(s3.get_object(Bucket=bucket, Key=CURRENT)["Body"].read().decode().strip()) or None
    except s3.exceptions.NoSuchKey:
        return None


def _download(bucket: str, version: str) -> Path:
    """playbook/<version>/ into /tmp, once; renamed into place so a half copy is never used."""
    target = LOCAL_ROOT / version
    if (target / PLAYBOOK_FILE).is_file():
        return target / PLAYBOOK_FILE
    s3 = aws.client("s3")
    staging = Path(tempfile.mkdtemp(prefix=f"{version}-", dir=LOCAL_ROOT.parent))
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{PREFIX}{version}/"):
        for entry in page.get("Contents", []):
            relative = entry["Key"].removeprefix(f"{PREFIX}{version}/")
            try:
                destination = _inside(staging, relative)
            except UnsafeFile as exc:
                logger.error("not downloaded: %s", exc)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())
    LOCAL_ROOT.mkdir(parents=True, exist_ok=True)
    try:
        staging.rename(target)
    except OSError:  # another invocation put the same version in place first
        shutil.rmtree(staging, ignore_errors=True)
    return target / PLAYBOOK_FILE


def pushed_playbook(bucket: str) -> Path | None:
    """The local copy of the bucket's current playbook, or None when none was pushed. Checked at
    most every PLAYBOOK_REFRESH_SECONDS; if S3 cannot be read, the copy in use stays in use."""
    refresh = float(settings.get("PLAYBOOK_REFRESH_SECONDS"))
    with _lock:
        checked, path = _seen.get(bucket, (float("-inf"), None))
        if time.monotonic() - checked < refresh:
            return path
        try:
            version = _current(bucket)
            path = _download(bucket, version) if version else None
        except Exception:
            if bucket not in _seen:
                raise  # nothing to fall back on: a 5xx, and the platform retries
            logger.exception("cannot read the pushed playbook; keeping the one in use")
        _seen[bucket] = (time.monotonic(), path)
        return path
