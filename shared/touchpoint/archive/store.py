"""Writing to and reading from the archive.

Writes go to a Kinesis Data Firehose stream (ARCHIVE_STREAM), which batches them into S3 objects
(ARCHIVE_BUCKET, `events/dt=YYYY-MM-DD/`, gzip JSON lines; template.yaml). One PutRecord per
event is the only cost on the event's path. Reads and erasure list and read those objects.
The archive is at least once: a platform's retry after a fault can archive an event twice, so
readers keep the first record of each (source, event id).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from touchpoint import aws, config
from touchpoint.archive.record import Archived, Landed

if TYPE_CHECKING:
    from touchpoint.events import TouchpointEvent

__all__ = ["Archived", "Landed", "enabled", "erase", "of_customers", "put", "read", "records_in", "rewrite"]

PREFIX = "events/"
LOCAL_BUCKET = "touchpoint-archivebucket"  # what `touchpoint serve` names the template's ArchiveBucket


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


def _keys() -> Iterator[str]:
    """Every archive object; none when the bucket does not exist (a deployment without an archive)."""
    s3 = aws.client("s3")
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket(), Prefix=PREFIX):
            for entry in page.get("Contents", []):
                yield entry["Key"]
    except s3.exceptions.NoSuchBucket:
        return


def _lines(key: str) -> list[bytes]:
    body = aws.client("s3").get_object(Bucket=bucket(), Key=key)["Body"].read()
    if body[:2] == b"\x1f\x8b":  # Firehose's GZIP compression
        body = gzip.decompress(body)
    return [line for line in body.splitlines() if line.strip()]


def records_in(key: str) -> list[Landed]:
    """The events of one archive object (what an S3 notification names), as written; none when
    an erasure deleted the object since."""
    try:
        return [Landed.parse(line) for line in _lines(key)]
    except aws.client("s3").exceptions.NoSuchKey:
        return []


def read(since: datetime | None = None, until: datetime | None = None) -> list[Archived]:
    """Every archived event received in [since, until), first copy of each, in received order."""
    seen: set[tuple[str, str]] = set()
    found = []
    for key in sorted(_keys()):
        for line in _lines(key):
            record = Archived.parse(line)
            identity = (record.event.source, record.event.event_id)
            if (
                identity in seen
                or (since and record.received_at < since)
                or (until and record.received_at >= until)
            ):
                continue
            seen.add(identity)
            found.append(record)
    return sorted(found, key=lambda r: (r.received_at, r.event.dedup_key))


def of_customers(customer_ids: Iterable[str]) -> list[Archived]:
    wanted = set(customer_ids)
    return [r for r in read() if r.customer_id in wanted]


def erase(customer_ids: Iterable[str]) -> list[Landed]:
    """Rewrite every object holding these customers' events without them; returns the events
    removed, as read. Cost: one GET per archive object, one PUT (or DELETE) per object that changed."""
    wanted = set(customer_ids)
    removed: list[Landed] = []
    for key in list(_keys()) if wanted else []:
        records = [Landed.parse(line) for line in _lines(key)]
        kept = [r for r in records if r.customer_id not in wanted]
        if len(kept) < len(records):
            removed.extend(r for r in records if r.customer_id in wanted)
            rewrite(key, kept)
    return removed


def rewrite(key: str, records: list[Landed]) -> None:
    """Replace an object's events with these (the rest erased), each as it was read; an object
    left empty goes."""
    s3 = aws.client("s3")
    if records:
        body = b"\n".join(record.line.rstrip(b"\n") for record in records) + b"\n"
        s3.put_object(Bucket=bucket(), Key=key, Body=gzip.compress(body, mtime=0))
    else:
        s3.delete_object(Bucket=bucket(), Key=key)
