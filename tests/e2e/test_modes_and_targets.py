"""`touchpoint mode` against a running serve, and where commands act: every command that changes
data says where it acted, and an explicit `--aws` is never answered by the local serve."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ..conftest import Shop
from .conftest import Served, message_lines, post_shopify

pytestmark = pytest.mark.e2e


def test_mode_switches_what_the_sender_does_and_says_where(served: Served) -> None:
    shown = served.cli("mode")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["mode"] == "live"
    try:
        paused = served.cli("mode", "paused")
        assert paused.returncode == 0, paused.stderr
        answer = json.loads(paused.stdout)
        assert answer["mode"] == "paused" and answer["acted_on"]["endpoint"].startswith("http://127.0.0.1:")
        assert answer["set_by"].startswith("touchpoint mode")
        n = 71
        assert (
            post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(n, at=datetime.now(UTC)))[0]
            == 200
        )
        assert served.cli("dispatch", "--at", "+2h").returncode == 0
        first = next(m for m in message_lines(served, f"shopper{n}@example.com") if m["step"] == "email_1h")
        assert first["status"] == "planned" and first["reasons"][-1] == "paused"
        assert f"shopper{n}@example.com" not in served.stub.recipients()
    finally:
        assert served.cli("mode", "live").returncode == 0
    refused = served.cli("mode", "loud")
    assert refused.returncode == 2 and "invalid choice: 'loud'" in refused.stderr


def test_an_explicit_aws_is_never_answered_by_the_local_serve(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI looks for a local serve on its default port: this serve's, here. With --aws and no
    credentials, `forget` must fail and leave the local customer alone, not erase her locally."""
    from urllib.parse import urlsplit

    from touchpoint_tools import cli
    from touchpoint_tools.cli import context

    n = 72
    assert post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(n))[0] == 200
    monkeypatch.setattr(context, "DEFAULT_AWS_PORT", urlsplit(served.env["AWS_ENDPOINT_URL"]).port)
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "TOUCHPOINT_LOCAL",
    ):
        monkeypatch.setenv(name, "restored-after")  # whatever the command sets is undone
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["forget", f"shopper{n}@example.com", "--aws"])
    assert exit_.value.code == 2
    assert served.cli("profile", f"shopper{n}@example.com").returncode == 0  # the local copy is untouched
    local = served.cli("forget", f"shopper{n}@example.com")
    assert local.returncode == 0
    assert json.loads(local.stdout)["acted_on"] == {"endpoint": served.env["AWS_ENDPOINT_URL"]}
