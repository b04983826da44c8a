"""Watches: writes product watches from the event archive's new objects (S3 notifications on a
queue), off the events' request path, and removes from each new object the events of customers
erased since they arrived; it also carries on erasure sweeps of the archive that a request began
(archive/erasures.py). Failed records are reported for retry."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import settings
from touchpoint.archive import erasures
from touchpoint.archive import store as archive
from touchpoint.catalog import watchers

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
SWEEP_MARGIN = 20.0  # seconds left for the object in hand and queueing the rest


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> int:
    """One S3 notification: the watches of each archive object it names. S3's own test message,
    sent when the notification is configured, names none. Or the rest of an erasure's sweep."""
    body = json.loads(record.body)
    if "erase" in body:
        return _sweep(body["erase"], lambda_context)
    notice = S3Event(body)
    objects = list(notice.records) if notice.raw_event.get("Records") else []
    written, now = 0, datetime.now(UTC)
    for entry in objects:
        key = unquote_plus(entry.s3.get_object.key)  # S3 URL-encodes keys in notifications
        interest = watchers.Interest.read(archive.records_in(key), now)  # one pass, streamed
        written += interest.write(erased=erasures.settle(key, interest.customers))
    metrics.add_metric(name="WatchesWritten", unit=MetricUnit.Count, value=written)
    return written


def _sweep(request: dict[str, Any], context: LambdaContext | None) -> int:
    """Sweeps until SWEEP_MARGIN before the timeout (an object may take seconds), then queues the
    rest again."""
    from touchpoint.profiles import privacy  # an erasure is rare: off the function's start

    seconds = context.get_remaining_time_in_millis() / 1000 - SWEEP_MARGIN if context else 0.0
    removed = privacy.sweep(request["customers"], request["after"], time.monotonic() + max(seconds, 0.0))
    metrics.add_metric(name="ErasedFromArchive", unit=MetricUnit.Count, value=removed)
    return removed


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


settings.validate(settings.WATCHES)  # a mistyped variable stops the start, named
coldstart.loaded()
