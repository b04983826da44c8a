"""Customer: consent, contact data and privacy requests."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from touchpoint.http import webhook_handler
from touchpoint.sources import generic, shopify

lambda_handler = webhook_handler(
    {
        "/webhooks/shopify/customers": (shopify.verify, shopify.normalize, "customers"),
        "/webhooks/generic/customers": (generic.verify, generic.normalize, "customers"),
    }
)

coldstart.loaded()
