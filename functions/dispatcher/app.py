"""Dispatcher: every minute, claims what is due, re-checks guardrails, enqueues sends."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint.pipeline import current_playbook
from touchpoint.plan import dispatch

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    # the schedule's own time, not the clock: `touchpoint dispatch --at` replays any instant
    report = dispatch.run(event.time, current_playbook())
    metrics.add_metric(name="Claimed", unit=MetricUnit.Count, value=report.claimed)
    metrics.add_metric(name="LagSeconds", unit=MetricUnit.Seconds, value=report.lag_seconds)
    for outcome, count in sorted(report.outcomes.items()):
        metrics.add_metric(name=f"Dispatch_{outcome}", unit=MetricUnit.Count, value=count)
    return report.as_dict()


current_playbook()  # loaded now, not on the first record
coldstart.loaded()
