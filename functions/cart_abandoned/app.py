"""CartAbandoned: checkout created/updated; plans the abandonment sequence, cancelled by an order."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint.http import webhook_app
from touchpoint.sources import generic, shopify

logger = Logger()
metrics = Metrics()
app = webhook_app(
    {
        "/webhooks/shopify/checkouts": (shopify.verify, shopify.normalize, "checkouts"),
        "/webhooks/generic/checkouts": (generic.verify, generic.normalize, "checkouts"),
    },
    metrics,
)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
