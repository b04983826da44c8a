"""Watches: writes product watches from the event archive's new objects (S3 notifications on a
queue), off the events' request path, and removes from each new object the events of customers
erased since they arrived (archive/erasures.py); failed records are reported for retry."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
import json
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

from touchpoint.archive import erasures
from touchpoint.archive import store as archive
from touchpoint.catalog import watchers

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> int:
    """One S3 notification: the watches of each archive object it names. S3's own test message,
    sent when the notification is configured, names none."""
    notice = S3Event(json.loads(record.body))
    objects = list(notice.records) if notice.raw_event.get("Records") else []
    written, now = 0, datetime.now(UTC)
    for entry in objects:
        key = unquote_plus(entry.s3.get_object.key)  # S3 URL-encodes keys in notifications
        interest = watchers.Interest.read(archive.records_in(key), now)  # one pass, streamed
        written += interest.write(erased=erasures.settle(key, interest.customers))
    metrics.add_metric(name="WatchesWritten", unit=MetricUnit.Count, value=written)
    return written


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


coldstart.loaded()
