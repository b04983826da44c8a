"""DeliveryEvents: SendGrid event webhook; unsubscribes and bounces update consent."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint.http import webhook_app
from touchpoint.sources import sendgrid_events

logger = Logger()
metrics = Metrics()
app = webhook_app(
    {
        "/webhooks/sendgrid/events": (sendgrid_events.verify, sendgrid_events.normalize, "events"),
    },
    metrics,
)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
