"""Writing to and reading from the archive.

Writes go to a Kinesis Data Firehose stream (ARCHIVE_STREAM), which batches them into S3 objects
(ARCHIVE_BUCKET, `events/dt=YYYY-MM-DD/`, gzip JSON lines; template.yaml). One PutRecord per
event is the only cost on the event's path. Reads and erasure list and read those objects.
The archive is at least once: a platform's retry after a fault can archive an event twice, so
readers keep the first record of each (source, event id).
"""

from __future__ import annotations

import gzip
import io
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from touchpoint import aws, config
from touchpoint.archive.record import Archived, Landed

if TYPE_CHECKING:
    from touchpoint.events import TouchpointEvent

__all__ = [
    "Archived",
    "Landed",
    "Sweep",
    "enabled",
    "erase",
    "of_customers",
    "put",
    "read",
    "records_in",
    "rewrite_without",
]

PREFIX = "events/"
LOCAL_BUCKET = "touchpoint-archivebucket"  # what `touchpoint serve` names the template's ArchiveBucket
STREAM_CHUNK = 1 << 20  # bytes read from S3 at a time
SPOOLED_IN_MEMORY = 8 << 20  # a rewritten object's compressed bytes kept in memory before /tmp


def bucket() -> str:
    return config.env("ARCHIVE_BUCKET", LOCAL_BUCKET)


def enabled() -> bool:
    return bool(config.env("ARCHIVE_STREAM"))


def put(event: TouchpointEvent, customer_id: str, received_at: datetime) -> None:
    """Raises when Firehose refuses: the caller answers 5xx and the platform's retry archives it."""
    if not enabled():
        return
    record = Archived(received_at, customer_id, event)
    aws.client("firehose").put_record(
        DeliveryStreamName=config.env("ARCHIVE_STREAM"), Record={"Data": record.line()}
    )


def _keys(after: str = "") -> Iterator[str]:
    """Every archive object (those sorting after `after`, when given), in key order; none when
    the bucket does not exist (a deployment without an archive)."""
    s3 = aws.client("s3")
    listing = {"Bucket": bucket(), "Prefix": PREFIX, **({"StartAfter": after} if after else {})}
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(**listing):
            for entry in page.get("Contents", []):
                yield entry["Key"]
    except s3.exceptions.NoSuchBucket:
        return


class _Peeked(io.RawIOBase):
    """A stream with its first bytes read already (to tell gzip from plain) put back in front."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _lines(key: str) -> Iterator[bytes]:
    """An object's lines, streamed: Firehose's objects hold up to 64 MB of events, more than a
    reader's memory should, so none is read whole."""
    body = aws.client("s3").get_object(Bucket=bucket(), Key=key)["Body"]
    head = body.read(2)
    stream: io.BufferedIOBase = io.BufferedReader(_Peeked(head, body), STREAM_CHUNK)
    if head == b"\x1f\x8b":  # Firehose's GZIP compression
        stream = gzip.GzipFile(fileobj=stream)
    with stream:
        for line in stream:
            if line.strip():
                yield line.rstrip(b"\r\n")


def records_in(key: str) -> Iterator[Landed]:
    """The events of one archive object (what an S3 notification names), as written, one at a
    time; none when an erasure deleted the object since."""
    try:
        for line in _lines(key):
            yield Landed.parse(line)
    except aws.client("s3").exceptions.NoSuchKey:
        return


def read(since: datetime | None = None, until: datetime | None = None) -> list[Archived]:
    """Every archived event received in [since, until), first copy of each, in received order."""
    found, _ = _first_copies(
        lambda r: (since is None or r.received_at >= since) and (until is None or r.received_at < until)
    )
    return found


def of_customers(customer_ids: Iterable[str], deadline: float | None = None) -> tuple[list[Archived], bool]:
    """These customers' archived events (the others are passed over as they stream by), and
    whether every object was read before `time.monotonic()` passed `deadline`."""
    wanted = set(customer_ids)
    return _first_copies(lambda r: r.customer_id in wanted, deadline)


def _first_copies(
    keep: Callable[[Landed], bool], deadline: float | None = None
) -> tuple[list[Archived], bool]:
    """The events `keep` picks, first copy of each (source, event id), in received order; only
    those are held and built as event models. False with them when the deadline cut it short."""
    seen: set[tuple[str, str]] = set()
    found = []
    complete = True
    for key in sorted(_keys()):
        if deadline is not None and time.monotonic() >= deadline:
            complete = False
            break
        for landed in records_in(key):
            identity = (str(landed.event.get("source")), str(landed.event.get("event_id")))
            if identity in seen or not keep(landed):
                continue
            seen.add(identity)
            found.append(landed.archived())
    return sorted(found, key=lambda r: (r.received_at, r.event.dedup_key)), complete


@dataclass
class Sweep:
    """What one pass of an erasure over the archive removed, and where it stopped: the key to
    resume after, or None when it reached the end."""

    removed: list[Landed] = field(default_factory=list)
    resume_after: str | None = None


def erase(customer_ids: Iterable[str], after: str = "", deadline: float | None = None) -> Sweep:
    """Rewrite every object holding these customers' events (those after `after`) without them,
    until `time.monotonic()` passes `deadline` (at least one object per call, so a sweep always
    moves on). Cost: one GET per archive object, and a second GET and one PUT (or DELETE) per
    object that changed; memory holds the removed events, never a whole object."""
    wanted = set(customer_ids)
    sweep = Sweep()
    for key in _keys(after) if wanted else ():
        if deadline is not None and time.monotonic() >= deadline and sweep.resume_after is not None:
            return sweep
        found = [record for record in records_in(key) if record.customer_id in wanted]
        if found:
            sweep.removed.extend(found)
            rewrite_without(key, lambda record: record.customer_id in wanted)
        sweep.resume_after = key
    sweep.resume_after = None
    return sweep


def rewrite_without(key: str, drop: Callable[[Landed], bool]) -> int:
    """Replace the object with its events less those `drop` picks (each kept line as it was
    read), streamed through a temporary file; an object left empty goes. Returns how many went."""
    from tempfile import SpooledTemporaryFile  # the rare path: off the Watches function's start

    dropped = kept = 0
    with SpooledTemporaryFile(max_size=SPOOLED_IN_MEMORY) as spool:
        with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0) as packed:
            for record in records_in(key):
                if drop(record):
                    dropped += 1
                else:
                    packed.write(record.line.rstrip(b"\n") + b"\n")
                    kept += 1
        spool.seek(0)
        s3 = aws.client("s3")
        if kept:
            s3.put_object(Bucket=bucket(), Key=key, Body=spool)
        elif dropped:
            s3.delete_object(Bucket=bucket(), Key=key)
    return dropped
