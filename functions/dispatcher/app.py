"""Dispatcher: every minute, puts what is due on the outbound queue (the Sender claims and re-checks)."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import settings
from touchpoint.sending import dispatch

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    # the schedule's own time, not the clock: `touchpoint dispatch --at` replays any instant
    report = dispatch.run(event.time)
    metrics.add_metric(name="Enqueued", unit=MetricUnit.Count, value=report.enqueued)
    metrics.add_metric(name="NotEnqueued", unit=MetricUnit.Count, value=report.not_enqueued)
    metrics.add_metric(name="LagSeconds", unit=MetricUnit.Seconds, value=report.lag_seconds)
    return report.as_dict()


settings.validate(settings.DISPATCHER)  # a mistyped variable stops the start, named
coldstart.loaded()
