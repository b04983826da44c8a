"""Catalog: products and stock from Shopify, WooCommerce and the generic webhook."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from touchpoint.catalog import notify, sources
from touchpoint.http import webhook_handler
from touchpoint.sources import generic, shopify, woocommerce

lambda_handler = webhook_handler(
    {
        "/webhooks/shopify/products": (shopify.verify, sources.shopify, "products"),
        "/webhooks/woocommerce/products": (woocommerce.verify, sources.woocommerce, "products"),
        "/webhooks/generic/products": (generic.verify, sources.generic, "products"),
    },
    handle=notify.apply,
)

coldstart.loaded()
