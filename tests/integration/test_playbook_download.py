"""A function takes a pushed playbook into /tmp: a key that names a path outside that folder
(an absolute one, or one that climbs out) is never written."""

from __future__ import annotations

from pathlib import Path

import pytest

from touchpoint import aws
from touchpoint.playbook import store as playbook_store
from touchpoint.playbook.loading import DEFAULT as DEFAULT_PLAYBOOK
from touchpoint_tools.local.runtime import LocalRuntime


def test_keys_that_leave_the_download_folder_are_not_written(
    runtime: LocalRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(playbook_store, "LOCAL_ROOT", tmp_path / "playbooks")
    monkeypatch.setenv("PLAYBOOK_REFRESH_SECONDS", "0")
    bucket = runtime.resources.archive_names["PlaybookBucket"]
    s3 = aws.client("s3")
    version = "v-hostile"
    escaped, climbed = tmp_path / "escaped.txt", tmp_path / "climbed.txt"
    for key, body in {
        "playbook.yaml": DEFAULT_PLAYBOOK.read_bytes(),
        str(escaped): b"absolute",  # playbook/v-hostile//tmp/.../escaped.txt
        "templates/../../../climbed.txt": b"climbed",
    }.items():
        s3.put_object(Bucket=bucket, Key=f"playbook/{version}/{key}", Body=body)
    s3.put_object(Bucket=bucket, Key="playbook/CURRENT", Body=version.encode())
    path = playbook_store.pushed_playbook(bucket)
    assert path is not None and path.read_bytes() == DEFAULT_PLAYBOOK.read_bytes()
    assert not escaped.exists() and not climbed.exists()
    assert not (tmp_path / "playbooks" / "climbed.txt").exists()
