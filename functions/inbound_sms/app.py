"""InboundSms: replies to our texts, from the SNS topic two-way SMS publishes to; STOP and its
kin withdraw SMS consent at once."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import pipeline, settings
from touchpoint.errors import Ignored
from touchpoint.sources import sms_inbound

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    applied = 0
    for opt_out in sms_inbound.events(event):
        try:
            applied += 0 if pipeline.handle(opt_out).duplicate else 1
        except Ignored:
            logger.info("opt-out from a number we do not know")
    metrics.add_metric(name="SmsOptOuts", unit=MetricUnit.Count, value=applied)
    return {"opt_outs": applied}


settings.validate(settings.PREFERENCES)  # a mistyped variable stops the start, named
coldstart.loaded()
