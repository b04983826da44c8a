"""CartAbandoned: checkout created/updated; plans the abandonment sequence, cancelled by an order."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from touchpoint.http import webhook_handler
from touchpoint.sources import generic, shopify

lambda_handler = webhook_handler(
    {
        "/webhooks/shopify/checkouts": (shopify.verify, shopify.normalize, "checkouts"),
        "/webhooks/generic/checkouts": (generic.verify, generic.normalize, "checkouts"),
    }
)

coldstart.loaded()
