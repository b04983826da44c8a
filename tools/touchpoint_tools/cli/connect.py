"""`touchpoint connect shopify|woocommerce`: register the webhooks a deployed stack needs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from touchpoint.errors import UserError
from touchpoint_tools.cli.context import Context
from touchpoint_tools.cli.options import add, group
from touchpoint_tools.connect import Outcome, api_url


def _api(ctx: Context, args: argparse.Namespace) -> str:
    """--url, else the ApiUrl output of --stack NAME."""
    if args.url:
        return api_url(args.url)
    if not ctx.stack:
        raise UserError("--url: the deployed API's URL is required (or --stack NAME --aws to read it)")
    ctx.connect()
    found = os.environ.get("PUBLIC_URL")
    if not found:
        raise UserError(f"--stack {ctx.stack}: no ApiUrl output")
    return api_url(found)


def _print(ctx: Context, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        ctx.say(json.dumps(row))


def _finish(ctx: Context, outcomes: list[Outcome]) -> int:
    _print(ctx, [o.as_dict() for o in outcomes])
    failed = [o for o in outcomes if o.state == "failed"]
    created = sum(1 for o in outcomes if o.state in ("created", "reactivated"))
    print(
        f"{created} created, {len(outcomes) - created - len(failed)} already there, {len(failed)} failed",
        file=sys.stderr,
    )
    return 1 if failed else 0


def cmd_shopify(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint_tools.connect import shopify

    admin = shopify.Admin(
        args.shop, args.token or os.environ.get("SHOPIFY_ADMIN_TOKEN", ""), args.api_version
    )
    if args.list:
        _print(ctx, shopify.listing(admin))
        return 0
    status = _finish(ctx, shopify.connect(admin, _api(ctx, args), args.dry_run))
    print(
        "the privacy topics (customers/data_request, customers/redact, shop/redact) are set in the "
        "app's configuration, not through the API: see docs/deploy.md",
        file=sys.stderr,
    )
    return status


def cmd_woocommerce(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint_tools.connect import woocommerce

    store = woocommerce.Store(
        args.site,
        args.key or os.environ.get("WOOCOMMERCE_CONSUMER_KEY", ""),
        args.secret or os.environ.get("WOOCOMMERCE_CONSUMER_SECRET", ""),
    )
    if args.list:
        _print(ctx, woocommerce.listing(store))
        return 0
    signing = args.webhook_secret or os.environ.get("WOOCOMMERCE_WEBHOOK_SECRET", "")
    return _finish(ctx, woocommerce.connect(store, _api(ctx, args), signing, args.dry_run))


def _shared(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--url",
        default=None,
        help="the deployed API's URL (else the ApiUrl output of --stack)",
    )
    command.add_argument("--list", action="store_true", help="only list the webhooks that exist")
    command.add_argument("--dry-run", action="store_true", help="say what would be created, create nothing")


def add_commands(sub: Any) -> None:
    from touchpoint_tools.connect.shopify import API_VERSION

    connect = group(sub, "connect", "register the webhooks with a shop platform", dest="platform")
    s = add(
        connect,
        "shopify",
        cmd_shopify,
        "subscribe the stack to a Shopify store's webhook topics",
        ("SHOPIFY_ADMIN_TOKEN",),
    )
    s.add_argument("--shop", required=True, help="the store's domain, e.g. my-shop.myshopify.com")
    s.add_argument("--token", default=None, help="Admin API access token (else SHOPIFY_ADMIN_TOKEN)")
    s.add_argument("--api-version", default=API_VERSION, help="Shopify Admin API version")
    _shared(s)
    w = add(
        connect,
        "woocommerce",
        cmd_woocommerce,
        "create the stack's webhooks in a WooCommerce store",
        ("WOOCOMMERCE_CONSUMER_KEY", "WOOCOMMERCE_CONSUMER_SECRET", "WOOCOMMERCE_WEBHOOK_SECRET"),
    )
    w.add_argument("--site", required=True, help="the store's address, e.g. shop.example.com")
    w.add_argument("--key", default=None, help="REST API consumer key (else WOOCOMMERCE_CONSUMER_KEY)")
    w.add_argument(
        "--secret", default=None, help="REST API consumer secret (else WOOCOMMERCE_CONSUMER_SECRET)"
    )
    w.add_argument(
        "--webhook-secret",
        default=None,
        help="the secret deliveries are signed with, as deployed (else WOOCOMMERCE_WEBHOOK_SECRET)",
    )
    _shared(w)
