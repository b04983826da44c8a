"""`touchpoint demo`: a synthetic shop's customers through every touchpoint, on embedded AWS.

Everything goes through the real functions as the local runtime wires them from
template.yaml: signed webhooks in, the Dispatcher on a replayed clock, the Sender
calling the real SendGrid client (against a loopback stub) and SNS (moto).
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from touchpoint.playbook import loading
from touchpoint_tools.local import emulation
from touchpoint_tools.sim import payloads

SECRET = "demo-secret"
WRITE_KEY = "demo-write-key"
IDENTITY_SECRET = "demo-identity-secret"  # the demo shop vouches for its signed-in shoppers


@dataclass
class Shopper:
    name: str
    n: int
    story: str
    customer_id: str = ""
    touchpoints: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(report: Path, template: str | None = None) -> str:
    """Runs the scenario; returns the report's text (also written to `report`)."""
    from touchpoint_tools.local.runtime import LocalRuntime, find_template
    from touchpoint_tools.local.sendgrid_stub import SendGridStub
    from touchpoint_tools.local.template import load

    os.environ.update(
        SHOPIFY_WEBHOOK_SECRET=SECRET,
        ZENDESK_WEBHOOK_SECRET=SECRET,
        WEB_WRITE_KEY=WRITE_KEY,
        IDENTITY_SECRET=IDENTITY_SECRET,
        POWERTOOLS_LOG_LEVEL="WARNING",
        POWERTOOLS_METRICS_DISABLED="true",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    server = emulation.start_moto("127.0.0.1", _free_port())
    try:
        with SendGridStub() as sendgrid:
            os.environ["SENDGRID_API_HOST"] = sendgrid.url
            runtime = LocalRuntime(load(find_template(template)))
            runtime.bootstrap()
            return _scenario(runtime, sendgrid, report)
    finally:
        server.stop()


DEMO_CATALOG = [
    ("101", "Wollmütze", "34.50", "Hats"),
    ("201", "Merino scarf", "59.00", "Scarves"),
    ("202", "Alpaca socks", "19.00", "Socks"),
    ("301", "Cashmere gloves", "45.00", "Gloves"),
    ("302", "Wool blanket", "120.00", "Home"),
]


def _stock_the_catalog(now: datetime) -> None:
    from decimal import Decimal

    from touchpoint.catalog import store
    from touchpoint.catalog.model import Product

    for pid, title, price, category in DEMO_CATALOG:
        slug = title.lower().replace(" ", "-").replace("ü", "ue")
        store.save(
            Product(
                product_id=pid,
                title=title,
                price=Decimal(price),
                currency="EUR",
                category=category,
                url=f"https://shop.example/products/{slug}",
                updated_at=now,
            )
        )


def _emails(shop: DemoShop, folder: Path) -> list[str]:
    """One e-mail per flow for the report: the first one the SendGrid stub received, else (for
    flows the story does not reach) what the Sender would send Ava, rendered by `preview`."""
    from touchpoint.playbook.loading import current_playbook
    from touchpoint.profiles import changes, store
    from touchpoint_tools.preview import render_html

    playbook = current_playbook()
    ava = shop.shoppers["Ava"]
    raw, _ = store.load(ava.customer_id)
    profile = changes.as_profile(raw, ava.customer_id)
    sent: dict[str, dict[str, Any]] = {}
    for request in shop.sendgrid.requests:
        sent.setdefault(request["body"]["categories"][0], request["body"])
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, flow in playbook.flows.items():
        step = next((st for st in flow.steps if st.channel == "email"), None)
        if step is None:
            continue
        if name in sent:
            subject, source, html = (
                sent[name]["subject"],
                "sent in the story",
                sent[name]["content"][1]["value"],
            )
        else:
            subject, html = render_html(step.template, profile, playbook, shop.t0)
            source = "preview for Ava"
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
        _screenshot(folder / f"{name}.html")
        rows.append(f"| {name} | {subject} | {source} | [html](emails/{name}.html) |")
    return rows


def _screenshot(page: Path) -> None:
    """A PNG beside the HTML when a headless Chromium is installed (`make browser`)."""
    import shutil
    import subprocess

    chromium = shutil.which("chromium")
    page = page.resolve()
    if chromium:
        subprocess.run(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=680,1100",
                f"--screenshot={page.with_suffix('.png')}",
                page.as_uri(),
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )


DEMO_CODES = [f"WOOL-{n:03d}{chr(65 + n % 26)}" for n in range(1, 21)]


def _unique_cart_offer(folder: Path) -> None:
    """The demo's playbook: the packaged one, with the cart offer's code unique per message, from
    20 codes a shop would have exported (`touchpoint codes import`)."""
    from touchpoint import codes
    from touchpoint.playbook.loading import DEFAULT

    fixed = "comeback_10: {kind: percent, value: 10, code: COMEBACK10, max_discount_share: 0.15}"
    unique = "comeback_10: {kind: percent, value: 10, unique: true, valid_for: 14d, max_discount_share: 0.15}"
    text = DEFAULT.read_text(encoding="utf-8")
    assert fixed in text, "the packaged cart offer changed: update the demo"
    folder.mkdir(parents=True, exist_ok=True)
    playbook = folder / "demo_playbook.yaml"
    playbook.write_text(text.replace(fixed, unique), encoding="utf-8")
    os.environ["PLAYBOOK"] = str(playbook)
    now = datetime.now(UTC)
    for code in DEMO_CODES:
        codes.add("comeback_10", code, now)
    codes.count_added("comeback_10", len(DEMO_CODES))


def _scenario(runtime: Any, sendgrid: Any, report: Path) -> str:
    from touchpoint.measure.attribution import lift_by_flow

    _unique_cart_offer(report.parent / "playbook")
    shop = DemoShop(runtime, sendgrid)
    _stock_the_catalog(shop.t0)
    shop.abandoned_checkouts()
    onsite = shop.storefront_visit()
    sends_at = shop.replay_the_clock()
    rows, every = shop.outcomes()
    text = _render(
        shop.t0, shop.decisions, shop.called, rows, sends_at, sendgrid, onsite, lift_by_flow(every)
    )
    text += "\n\n" + _highlights(shop)
    emails = _emails(shop, report.parent / "emails")
    text += "\n\n## One e-mail per flow\n\n| flow | subject | from | file |\n|---|---|---|---|\n"
    text += "\n".join(emails)
    text += "\n\n" + backtest_showcase(report.parent / "backtest")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text + "\n", encoding="utf-8")
    return text


def _highlights(shop: DemoShop) -> str:
    """What the stories show beyond counts: codes of their own, a German mail, collisions decided
    by priority."""
    from touchpoint.profiles import store

    out = [
        "## Unique codes, languages and collisions",
        "",
        "| shopper | message | what happened |",
        "|---|---|---|",
    ]
    for who in shop.shoppers.values():
        _, items = store.load(who.customer_id) if who.customer_id else ({}, [])
        for m in sorted(items, key=lambda m: m.message_id):
            reasons = list(m.reasons or ())
            picked = [r for r in reasons if r.startswith(("priority_over:", "lost_to:"))]
            if m.code:
                out.append(
                    f"| {who.name} | {m.step} | its own code {m.code}, valid until {m.code_expires_at:%Y-%m-%d} |"
                )
            if picked:
                out.append(f"| {who.name} | {m.step} | {m.status}: {', '.join(picked)} |")
    hana = f"shopper{shop.shoppers['Hana'].n}@example.com"
    german = [
        r["body"]["subject"]
        for r in shop.sendgrid.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == hana
    ]
    out += [f'| Hana | first mail | in German: "{german[0]}" |' if german else "| Hana | - | no mail sent |"]
    return "\n".join(out)


SHOWCASE_SHOPPERS = 10_000
SHOWCASE_HOLDOUT = 0.1


def backtest_showcase(out: Path) -> str:
    """The default playbook against a variant whose first cart reminder waits 4 hours, replayed over
    a synthetic month, both with a 10% holdout so that lift is readable at this size; returns the
    headline table (the full report is in `out`)."""
    import yaml

    from touchpoint_tools.backtest.run import Options
    from touchpoint_tools.backtest.run import run as backtest

    out.mkdir(parents=True, exist_ok=True)
    playbook = yaml.safe_load(loading.DEFAULT.read_text(encoding="utf-8"))
    playbook["holdout"]["share"] = SHOWCASE_HOLDOUT
    default = out / "default_holdout_10.yaml"
    default.write_text(yaml.safe_dump(playbook, sort_keys=False, allow_unicode=True), encoding="utf-8")
    playbook["flows"]["cart_abandonment"]["steps"][0].update(id="email_4h", after="4h")
    variant = out / "first_reminder_4h.yaml"
    variant.write_text(yaml.safe_dump(playbook, sort_keys=False, allow_unicode=True), encoding="utf-8")
    backtest(Options(playbook=default, vs=variant, synthetic=SHOWCASE_SHOPPERS, out=out))
    report = (out / "report.md").read_text(encoding="utf-8")
    headline = report.split("### ")[1]
    satisfaction = next(
        s for s in report.split("### ") if s.startswith("Satisfaction per week (default_holdout_10;")
    )
    return (
        f"## Backtest: {SHOWCASE_SHOPPERS:,} synthetic shoppers over 30 days, the default playbook vs a "
        f"first cart reminder at 4 h (both with a {SHOWCASE_HOLDOUT:.0%} holdout)\n\n"
        f"### {headline.strip()}\n\n### {satisfaction.strip()}\n\nFull report with plots: {out / 'report.html'}"
    )


def _held_out_shopper() -> int:
    """A shopper number whose customer id (made from their e-mail, which their first checkout
    names) hashes into the holdout group."""
    from touchpoint.decide.engine import in_holdout
    from touchpoint.identity import alias_key, minted_id
    from touchpoint.playbook.loading import current_playbook

    playbook = current_playbook()
    return next(
        n
        for n in range(100, 1000)
        if in_holdout(minted_id([alias_key("email", f"shopper{n}@example.com")]), playbook)
    )


FAY_VISIT: list[dict[str, Any]] = [
    {"type": "page", "messageId": "f1", "anonymousId": "anon-fay", "name": "Home"},
    {
        "type": "track",
        "event": "Product Viewed",
        "messageId": "f2",
        "anonymousId": "anon-fay",
        "properties": {"product_id": "201", "name": "Merino scarf", "price": 59},
    },
    {
        "type": "identify",
        "messageId": "f3",
        "anonymousId": "anon-fay",
        "userId": "fay-1",
        "traits": {"email": "shopper16@example.com", "firstName": "Fay"},
    },
    {
        "type": "track",
        "event": "Product Viewed",
        "messageId": "f4",
        "anonymousId": "anon-fay",
        "userId": "fay-1",
        "properties": {"product_id": "202", "name": "Alpaca socks", "price": 19},
    },
]


class DemoShop:
    """Eight shoppers, each a story, posted through the real functions over HTTP."""

    def __init__(self, runtime: Any, sendgrid: Any) -> None:
        self.runtime, self.sendgrid = runtime, sendgrid
        self.shoppers = {
            s.name: s
            for s in (
                Shopper("Ava", 11, "abandons a checkout, e-mail consent"),
                Shopper("Ben", 12, "abandons, then orders 20 minutes later"),
                Shopper("Cleo", 13, "abandons without marketing consent"),
                Shopper("Dan", 14, "abandons, e-mail and SMS consent, New York"),
                Shopper("Eve", 15, "abandons while a support ticket is open; ticket solved next day"),
                Shopper("Fay", 16, "browses the storefront anonymously, then identifies"),
                Shopper("Gus", _held_out_shopper(), "abandons, but belongs to the holdout group"),
                Shopper("Hana", 17, "abandons; her shop account is in German"),
            )
        }
        self.t0 = datetime.now(UTC).replace(microsecond=0)
        self.decisions: Counter[tuple[str, str]] = Counter()
        self.called: list[str] = []

    def post(
        self, touchpoint: str, path: str, headers: dict[str, str], body: bytes, who: Shopper
    ) -> dict[str, Any]:
        response = self.runtime.http("POST", path, headers, body)
        answer: dict[str, Any] = json.loads(response.body or b"{}")
        if response.status != 200:
            raise RuntimeError(f"{touchpoint} for {who.name} answered {response.status}: {answer}")
        results = answer.get("results") or [answer]
        who.customer_id = who.customer_id or str(results[-1].get("customer_id") or "")
        for result in results:
            self._count(touchpoint, result)
        who.touchpoints.append(touchpoint)
        if touchpoint not in self.called:
            self.called.append(touchpoint)
        return answer

    def _count(self, touchpoint: str, result: dict[str, Any]) -> None:
        for d in result.get("decisions", []):
            self.decisions[(touchpoint, d["action"])] += 1
        if result.get("duplicate"):
            self.decisions[(touchpoint, "duplicate")] += 1

    def shopify(
        self, resource: str, topic: str, payload: dict[str, Any], who: Shopper, touchpoint: str
    ) -> None:
        body = json.dumps(payload).encode()
        headers = payloads.shopify_headers(
            topic, body, SECRET, f"{topic}-{who.n}-{payload.get('updated_at', '')}"
        )
        self.post(touchpoint, f"/webhooks/shopify/{resource}", headers, body, who)

    def checkout(self, who: Shopper, **kw: Any) -> None:
        payload = payloads.checkout(who.n, at=self.t0, first_name=who.name, **kw)
        self.shopify("checkouts", "checkouts/create", payload, who, "CartAbandoned")

    def ticket(self, who: Shopper, status: str, at: datetime) -> None:
        headers, body = payloads.zendesk("T-1", f"shopper{who.n}@example.com", status, at, SECRET)
        self.post("SupportTicket", "/webhooks/zendesk/tickets", headers, body, who)

    def abandoned_checkouts(self) -> None:
        ava, ben, cleo, dan, eve = (self.shoppers[n] for n in ("Ava", "Ben", "Cleo", "Dan", "Eve"))
        for who in (ava, ben, self.shoppers["Gus"]):
            self.checkout(who)
        self.checkout(ava)  # a redelivery
        order = payloads.order(ben.n, at=self.t0 + timedelta(minutes=20), first_name=ben.name)
        self.shopify("orders", "orders/create", order, ben, "Purchase")
        self.checkout(cleo, email_consent="not_subscribed")
        self.checkout(dan, country="US", province="NY", phone="+12125550147", sms_consent="subscribed")
        self.ticket(eve, "open", self.t0 - timedelta(minutes=5))
        self.checkout(eve)
        self.checkout(self.shoppers["Hana"], locale="de")

    def storefront_visit(self) -> dict[str, Any]:
        ava = self.shoppers["Ava"]
        looks = [
            {
                "type": "identify",
                "messageId": "a1",
                "userId": "ava-1",
                "traits": {"email": f"shopper{ava.n}@example.com"},
            },
            *(
                {
                    "type": "track",
                    "event": "Product Viewed",
                    "messageId": f"a{p}",
                    "userId": "ava-1",
                    "properties": {"product_id": p},
                }
                for p in ("201", "301", "302")
            ),
        ]
        headers, body = payloads.segment(looks, WRITE_KEY, IDENTITY_SECRET)
        self.post("WebEvent", "/events", headers, body, ava)
        headers, body = payloads.segment(FAY_VISIT, WRITE_KEY, IDENTITY_SECRET)
        return self.post("WebEvent", "/events", headers, body, self.shoppers["Fay"])

    def replay_the_clock(self) -> dict[str, int]:
        """The Dispatcher at +2h, +25h, +49h and +60h (past any night), with the stories' later events."""
        sends_at: dict[str, int] = {}
        for hours in (2, 25, 49, 60):
            if hours == 25:
                # the ticket is solved (posted now, wall clock): the survey follows a day later
                self.ticket(self.shoppers["Eve"], "solved", datetime.now(UTC))
            if hours == 49:
                # Ava comes back after her reminders; Gus, held out, buys anyway: attribution and lift
                for who in (self.shoppers["Ava"], self.shoppers["Gus"]):
                    order = payloads.order(who.n, at=self.t0 + timedelta(hours=26), first_name=who.name)
                    self.shopify("orders", "orders/create", order, who, "Purchase")
            before = len(self.sendgrid.requests) + len(emulation.sms_published())
            self.runtime.dispatch(self.t0 + timedelta(hours=hours))
            sends_at[f"+{hours}h"] = len(self.sendgrid.requests) + len(emulation.sms_published()) - before
        return sends_at

    def outcomes(self) -> tuple[list[Any], list[Any]]:
        from touchpoint.profiles import messages, store

        rows: list[Any] = []
        every: list[Any] = []
        for who in self.shoppers.values():
            _, items = store.load(who.customer_id)
            every.extend(messages.to_view(m) for m in items)
            sent = [
                f"{m.channel}:{m.template}"
                for m in sorted(items, key=lambda m: m.sent_at or self.t0)
                if m.status == "sent"
            ]
            rows.append((who.name, who.story, dict(Counter(m.status for m in items)), sent))
        return rows, every


def _render(
    t0: datetime,
    decisions: Counter[tuple[str, str]],
    called: list[str],
    rows: list[Any],
    sends_at: dict[str, int],
    sendgrid: Any,
    onsite: dict[str, Any],
    lifts: list[Any],
) -> str:
    out = [f"# Touchpoint demo ({t0.isoformat()})", "", "## Decisions per touchpoint", ""]
    actions = ["schedule", "suppress", "cancel", "duplicate"]  # holdout is decided at send time
    out.append("| touchpoint | " + " | ".join(actions) + " |")
    out.append("|---|" + "---|" * len(actions))
    for touchpoint in called:
        out.append(f"| {touchpoint} | " + " | ".join(str(decisions[(touchpoint, a)]) for a in actions) + " |")
    out += [
        "",
        "## Sends by the Dispatcher, clock replayed from now",
        "",
        "| at | messages sent |",
        "|---|---|",
    ]
    out += [f"| {label} | {count} |" for label, count in sends_at.items()]
    out += ["", "## Shoppers", "", "| shopper | story | message statuses | sent |", "|---|---|---|---|"]
    for name, story, statuses, sent in rows:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(statuses.items())) or "-"
        out.append(f"| {name} | {story} | {shown} | {', '.join(sent) or '-'} |")
    out += [
        "",
        "## On-site personalization returned to Fay's storefront",
        "",
        "```json",
        json.dumps({k: onsite.get(k) for k in ("recommendations", "content", "offer", "reasons")}, indent=2),
        "```",
    ]
    out += [
        "",
        "## Orders credited to the last touch (7 days), sent against held out",
        "",
        "Eight shoppers show the mechanics, not a result: lift needs hundreds per group.",
        "",
        "| flow | sent | converted | held out | converted | lift |",
        "|---|---|---|---|---|---|",
    ]
    for row in lifts:
        lift = f"{row.lift:+.0%}" if row.lift is not None else "n/a (no holdout conversions yet)"
        out.append(
            f"| {row.flow} | {row.sent} | {row.sent_converted} | {row.held_out} | {row.held_out_converted} | {lift} |"
        )
    out += [
        "",
        f"SendGrid requests: {len(sendgrid.requests)}; SMS published: {len(emulation.sms_published())}",
    ]
    return "\n".join(out)
