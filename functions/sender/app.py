"""Sender: drains the outbound queue (FIFO, one group per customer); failed records are
reported for retry, never lost, and a customer's later messages wait behind a failed one."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
import json
from datetime import datetime
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import settings
from touchpoint.playbook.loading import current_playbook
from touchpoint.sending import delivery, modes

logger = Logger()
metrics = Metrics()
# a failure skips the rest of that customer's records in the batch, not other customers'
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord, mode: modes.Mode | None = None) -> str:
    body = json.loads(record.body)
    at = datetime.fromisoformat(body["at"]) if body.get("at") else None
    status = delivery.deliver(body["pk"], body["sk"], current_playbook(), at, mode)
    metrics.add_metric(name=f"Message_{status}", unit=MetricUnit.Count, value=1)
    if status.startswith("held_"):  # the deployment is not ready to send it: alarmed
        metrics.add_metric(name="MessagesHeldNotReady", unit=MetricUnit.Count, value=1)
    return status


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    metrics.add_metric(name="RecordsReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    mode = modes.current()  # once per batch: shadow, live or paused (sending/modes.py)
    return process_partial_response(
        event=event, record_handler=partial(record_handler, mode=mode), processor=processor, context=context
    )


current_playbook()  # loaded now, not on the first record
settings.validate(settings.SENDER)  # a mistyped variable stops the start, named
coldstart.loaded()
