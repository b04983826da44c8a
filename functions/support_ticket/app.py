"""SupportTicket: tickets opened, solved and rated; promotions pause while one is open."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint.http import webhook_app
from touchpoint.sources import generic, zendesk

logger = Logger()
metrics = Metrics()
app = webhook_app(
    {
        "/webhooks/zendesk/tickets": (zendesk.verify, zendesk.normalize, "tickets"),
        "/webhooks/generic/tickets": (generic.verify, generic.normalize, "tickets"),
    },
    metrics,
)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
