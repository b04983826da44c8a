"""Purchase: orders, cancellations and refunds from every platform."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint.http import webhook_app
from touchpoint.sources import generic, shopify, woocommerce

logger = Logger()
metrics = Metrics()
app = webhook_app(
    {
        "/webhooks/shopify/orders": (shopify.verify, shopify.normalize, "orders"),
        "/webhooks/woocommerce/orders": (woocommerce.verify, woocommerce.normalize, "orders"),
        "/webhooks/generic/orders": (generic.verify, generic.normalize, "orders"),
    },
    metrics,
)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
