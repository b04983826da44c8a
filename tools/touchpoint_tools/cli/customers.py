"""The commands about one customer: profile, messages, export, forget, preview."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from touchpoint.errors import UserError
from touchpoint_tools.cli import options
from touchpoint_tools.cli.context import Context
from touchpoint_tools.cli.options import AWS, SENDING, add, jsonable

KEY_HELP = "customer id, e-mail address or E.164 phone number"


def _customer(ctx: Context, key: str) -> str:
    from touchpoint.profiles.store import find_customer

    ctx.connect()
    customer_id = find_customer(key)
    if customer_id is None:
        raise UserError(f"no customer found for '{key}'")
    return customer_id


def cmd_profile(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.decide import lifecycle
    from touchpoint.profiles import changes, store

    customer_id = _customer(ctx, args.key)
    profile, _ = store.load(customer_id)
    shown = {k: v for k, v in profile.items() if k not in ("pk", "sk")}
    view = changes.as_profile(profile, customer_id)
    now = datetime.now(UTC)
    derived = {
        "lifecycle": lifecycle.stage(view, now),
        "rfm": lifecycle.rfm(view, now),
        "average_order_value": str(lifecycle.average_order_value(view)),
        "orders_count": view.orders_count,
        "revenue": str(view.revenue),
        "open_tickets": view.open_tickets,
        "time_zones": [zone.key for zone in view.zones],
        "consent": {ch: {"state": c.state, "at": c.at, "source": c.source} for ch, c in view.consent.items()},
    }
    ctx.say(json.dumps(jsonable({"customer_id": customer_id, **shown, **derived}), sort_keys=True))
    return 0


def _message_line(m: Any) -> dict[str, Any]:
    return {
        "message_id": m.message_id,
        "status": m.status,
        "channel": m.channel,
        "template": m.template,
        "due_at": m.due_at.isoformat() if m.due_at else None,
        "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        "reasons": list(m.reasons or []),
        "error": m.error,  # what the provider or renderer said, for a failed message
        "flow": m.flow,
        "step": m.step,
        **({"code": m.code, "code_expires_at": m.code_expires_at} if m.code else {}),
    }


def cmd_messages(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.profiles import store

    _, messages = store.load(_customer(ctx, args.key))
    epoch = datetime.min.replace(tzinfo=UTC)
    messages.sort(key=lambda m: (m.created_at or epoch, m.due_at or epoch, m.message_id))
    for m in messages:
        ctx.say(json.dumps(jsonable(_message_line(m))))
    return 0


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.profiles import privacy

    customer_id = _customer(ctx, args.key)
    ctx.say(json.dumps({"customer_id": customer_id, **privacy.export(customer_id)}, sort_keys=True))
    return 0


def cmd_forget(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.profiles import privacy

    customer_id = _customer(ctx, args.key)
    deleted = privacy.forget(customer_id)
    ctx.say(json.dumps({"customer_id": customer_id, "deleted_items": deleted, "acted_on": ctx.where()}))
    return 0


def cmd_preview(ctx: Context, args: argparse.Namespace) -> int:
    from touchpoint.playbook.loading import current_playbook
    from touchpoint.profiles import changes, store
    from touchpoint_tools.preview import preview

    playbook = current_playbook()
    if args.template_name not in playbook.templates:
        known = ", ".join(sorted(playbook.templates))
        raise UserError(f"no template '{args.template_name}' (known: {known})")
    customer_id = _customer(ctx, args.customer)
    raw, _ = store.load(customer_id)
    profile = changes.as_profile(raw, customer_id)
    shown = preview(
        args.template_name,
        profile,
        playbook,
        args.at or datetime.now(UTC),
        Path(args.out) if args.out else None,
    )
    ctx.say(json.dumps(jsonable(shown), indent=2, ensure_ascii=False))
    return 0


def add_commands(sub: Any) -> None:
    for name, func, text, reads in (
        ("profile", cmd_profile, "print one customer's profile as JSON", AWS),
        ("messages", cmd_messages, "print one customer's messages as JSON lines, oldest first", AWS),
        (
            "export",
            cmd_export,
            "everything stored about one customer (right of access)",
            (*AWS, "ARCHIVE_BUCKET"),
        ),
        (
            "forget",
            cmd_forget,
            "erase profile, aliases and messages of one customer",
            (*AWS, "ARCHIVE_BUCKET"),
        ),
    ):
        add(sub, name, func, text, reads).add_argument("key", help=KEY_HELP)
    pv = add(
        sub,
        "preview",
        cmd_preview,
        "render a template exactly as the Sender would, without sending",
        (*AWS, *SENDING),
    )
    pv.add_argument(
        "template_name", metavar="TEMPLATE", help="template name in the playbook, e.g. cart_reminder"
    )
    pv.add_argument("--customer", required=True, help="customer id, e-mail address or phone number")
    pv.add_argument(
        "--at", type=options.parse_time, default=None, help="render as of this instant (default: now)"
    )
    pv.add_argument("--out", default=None, help="folder to write <template>.html and .txt into")
