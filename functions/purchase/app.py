"""Purchase: orders, cancellations and refunds from every platform."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from touchpoint.http import webhook_handler
from touchpoint.sources import generic, shopify, woocommerce

lambda_handler = webhook_handler(
    {
        "/webhooks/shopify/orders": (shopify.verify, shopify.normalize, "orders"),
        "/webhooks/woocommerce/orders": (woocommerce.verify, woocommerce.normalize, "orders"),
        "/webhooks/generic/orders": (generic.verify, generic.normalize, "orders"),
    }
)

coldstart.loaded()
