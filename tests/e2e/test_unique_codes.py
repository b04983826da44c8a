"""Unique, single-use discount codes, as a merchant uses them: codes exported from the shop are
imported into an offer's pool, each cart offer carries a code of its own, and an empty pool
never duplicates or blocks a send."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from ..conftest import ROOT, Shop
from .conftest import Served, message_lines, post_shopify, serve_of_its_own

PACKAGED = ROOT / "shared" / "touchpoint" / "playbook" / "default_playbook.yaml"


def _playbook(folder: Path, when_no_code: str) -> Path:
    """The default playbook with the cart offer unique (valid 14 days)."""
    text = PACKAGED.read_text()
    fixed = "comeback_10: {kind: percent, value: 10, code: COMEBACK10, max_discount_share: 0.15}"
    unique = "comeback_10: {kind: percent, value: 10, unique: true, valid_for: 14d, max_discount_share: 0.15}"
    step = "        offer: comeback_10\n"
    assert fixed in text and text.count(step) == 1
    path = folder / "shop.yaml"
    path.write_text(
        text.replace(fixed, unique).replace(step, f"{step}        when_no_code: {when_no_code}\n")
    )
    return path


@pytest.fixture(params=["wait"])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    with serve_of_its_own(tmp_path / "serve.log", PLAYBOOK=str(_playbook(tmp_path, request.param))) as served:
        yield served


def _offer_mails(served: Served) -> dict[str, str]:
    """Recipient -> the text part of each cart offer the SendGrid stand-in received."""
    found = {}
    for request in served.stub.requests:
        body = request["body"]
        text = next(c["value"] for c in body["content"] if c["type"] == "text/plain")
        if "Your code:" in text:
            found[body["personalizations"][0]["to"][0]["email"]] = text
    return found


def test_each_cart_offer_carries_a_code_of_its_own_and_an_empty_pool_waits(
    shop: Served, tmp_path: Path
) -> None:
    export = tmp_path / "shopify-codes.csv"  # Shopify's bulk code export: a Code column
    export.write_text("Code,Usage Count\nHAT-7Q2K,0\nHAT-M3XD,0\n\nhat-7q2k,0\n")
    imported = shop.cli("codes", "import", "--offer", "comeback_10", str(export))
    assert imported.returncode == 1, imported.stderr  # one line refused
    assert json.loads(imported.stdout)["imported"] == 2 and json.loads(imported.stdout)["refused"] == 1
    assert f"{export}:5: hat-7q2k: repeated in the file" in imported.stderr
    again = shop.cli("codes", "import", "--offer", "comeback_10", str(export))
    assert json.loads(again.stdout)["imported"] == 0 and "already in a pool" in again.stderr

    now = datetime.now(UTC)
    for n in (31, 32, 33):
        assert post_shopify(shop, "checkouts", "checkouts/create", Shop.checkout(n, at=now))[0] == 200
    for hours in (2, 25):  # the 1 h reminder, then the 24 h offer
        assert shop.cli("dispatch", "--at", (now + timedelta(hours=hours)).isoformat()).returncode == 0

    mails = _offer_mails(shop)
    assert len(mails) == 2  # two codes, two offers; the third shopper's waits
    codes = {}
    for n in (31, 32, 33):
        offer = next(m for m in message_lines(shop, f"shopper{n}@example.com") if m["step"] == "email_24h")
        codes[n] = offer
    sent = [n for n in codes if codes[n]["status"] == "sent"]
    waiting = [n for n in codes if codes[n]["status"] == "planned"]
    assert len(sent) == 2 and len(waiting) == 1
    assert {codes[n]["code"] for n in sent} == {"HAT-7Q2K", "HAT-M3XD"}
    for n in sent:
        expires = datetime.fromisoformat(codes[n]["code_expires_at"])
        assert timedelta(days=13) < expires - now < timedelta(days=16)
        assert f"Your code: {codes[n]['code']} (10% off, valid until" in mails[f"shopper{n}@example.com"]
    assert "no_code_available" in codes[waiting[0]]["reasons"] and "code" not in codes[waiting[0]]
    status = [json.loads(line) for line in shop.cli("codes", "status").stdout.splitlines()]
    assert {"offer": "comeback_10", "left": 0, "added": 2} in status

    # new codes arrive: the waiting offer goes out with one of them at the next run
    export.write_text("HAT-Z9P4\n")
    assert shop.cli("codes", "import", "--offer", "comeback_10", str(export)).returncode == 0
    later = (now + timedelta(hours=27)).isoformat()
    assert shop.cli("dispatch", "--at", later).returncode == 0
    resent = next(
        m for m in message_lines(shop, f"shopper{waiting[0]}@example.com") if m["step"] == "email_24h"
    )
    assert resent["status"] == "sent" and resent["code"] == "HAT-Z9P4"
    assert len(_offer_mails(shop)) == 3

    # forgetting a shopper forgets who had the code; the code stays spent
    customer = json.loads(shop.cli("profile", f"shopper{sent[0]}@example.com").stdout)["customer_id"]
    assert shop.cli("forget", f"shopper{sent[0]}@example.com").returncode == 0
    table = boto3.resource("dynamodb", endpoint_url=shop.env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    items = table.Table("touchpoint").scan()["Items"]
    left_behind = [
        i for i in items if customer in json.dumps(i, default=str) and i["pk"] != f"ERASED#{customer}"
    ]
    assert not left_behind  # the erasure marker itself expires in two days (docs/architecture.md)
    assert {"offer": "comeback_10", "left": 0, "added": 3} in [
        json.loads(line) for line in shop.cli("codes", "status").stdout.splitlines()
    ]


def test_an_offer_that_is_not_unique_takes_no_import(shop: Served, tmp_path: Path) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text("WB-1\n")
    answer = shop.cli("codes", "import", "--offer", "winback_15", str(codes))
    assert answer.returncode == 2
    assert answer.stderr.strip() == (
        "touchpoint: --offer winback_15: not a unique offer of the playbook (unique offers: comeback_10)"
    )


@pytest.mark.parametrize("shop", ["send_without_offer"], indirect=True)
def test_a_step_that_sends_without_the_offer_goes_when_the_pool_is_empty(shop: Served) -> None:
    now = datetime.now(UTC)
    assert post_shopify(shop, "checkouts", "checkouts/create", Shop.checkout(34, at=now))[0] == 200
    for hours in (2, 25):
        assert shop.cli("dispatch", "--at", (now + timedelta(hours=hours)).isoformat()).returncode == 0
    offer = next(m for m in message_lines(shop, "shopper34@example.com") if m["step"] == "email_24h")
    assert offer["status"] == "sent" and "code" not in offer
    assert "offer_dropped:no_code_available" in offer["reasons"]
    last = shop.stub.requests[-1]["body"]
    assert last["subject"] == "Hi Zoë, your cart is still waiting"
    text = next(c["value"] for c in last["content"] if c["type"] == "text/plain")
    assert "Your code" not in text and "COMEBACK10" not in text
