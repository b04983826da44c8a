"""`touchpoint playbook push`: a merchant's own playbook and templates reach a running deployment
without a deploy (here `serve`, whose functions check the bucket at every event)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ..conftest import ROOT, Shop
from .conftest import Served, messages, post_shopify, serve_of_its_own

PACKAGED = ROOT / "shared" / "touchpoint" / "playbook"


@pytest.fixture
def served_fresh(tmp_path: Path) -> Iterator[Served]:
    """A serve of its own: the pushed playbook must not change what other tests see."""
    with serve_of_its_own(tmp_path / "serve.log", PLAYBOOK_REFRESH_SECONDS="0") as served:
        yield served


def _custom_playbook(folder: Path) -> Path:
    """The default playbook with the first cart reminder at 4 h, and its own reminder text."""
    playbook = folder / "shop.yaml"
    text = (PACKAGED / "default_playbook.yaml").read_text()
    assert text.count("after: 1h\n") == 1
    playbook.write_text(text.replace("after: 1h\n", "after: 4h\n"))
    (folder / "templates").mkdir()
    for suffix in ("html", "txt"):
        original = (PACKAGED / "templates" / f"cart_reminder.{suffix}").read_text()
        changed = original.replace("it is still waiting for you", "Ada's Hats kept it for you")
        assert changed != original
        (folder / "templates" / f"cart_reminder.{suffix}").write_text(changed)
    return playbook


def _due_after_checkout(served: Served, n: int, at: datetime) -> timedelta:
    email_1h = messages(served, f"shopper{n}@example.com")["email_1h"]
    return datetime.fromisoformat(email_1h["due_at"]) - at


def test_a_pushed_playbook_and_its_templates_apply_to_the_next_event(
    served_fresh: Served, tmp_path: Path
) -> None:
    served, now = served_fresh, datetime.now(UTC)
    post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(81, at=now), "push-81")
    assert _due_after_checkout(served, 81, now) == timedelta(hours=1)

    pushed = served.cli("playbook", "push", str(_custom_playbook(tmp_path)))
    assert pushed.returncode == 0, pushed.stderr
    answer = json.loads(pushed.stdout)
    assert answer["files"] == 4 and len(answer["version"]) == 16  # with the record of its check
    assert answer["acted_on"] == {"endpoint": served_fresh.env["AWS_ENDPOINT_URL"]}

    post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(82, at=now), "push-82")
    assert _due_after_checkout(served, 82, now) == timedelta(hours=4)
    assert served.cli("dispatch", "--at", (now + timedelta(hours=5)).isoformat()).returncode == 0
    mails = {
        r["body"]["personalizations"][0]["to"][0]["email"]: r["body"]["content"] for r in served.stub.requests
    }
    assert "Ada's Hats kept it for you" in mails["shopper82@example.com"][0]["value"]
    assert "Ada's Hats kept it for you" in mails["shopper82@example.com"][1]["value"]
    preview = served.cli("preview", "cart_reminder", "--customer", "shopper81@example.com")
    assert preview.returncode == 0 and "Ada's Hats kept it for you" in preview.stdout, preview.stderr


def test_an_invalid_playbook_is_not_pushed(served_fresh: Served, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (PACKAGED / "default_playbook.yaml")
        .read_text()
        .replace("template: cart_reminder\n", "template: no_such_template\n")
    )
    done = served_fresh.cli("playbook", "push", str(broken))
    assert done.returncode == 1 and "no_such_template" in done.stderr and "not pushed" in done.stderr
    now = datetime.now(UTC)
    post_shopify(served_fresh, "checkouts", "checkouts/create", Shop.checkout(83, at=now), "push-83")
    assert _due_after_checkout(served_fresh, 83, now) == timedelta(hours=1)  # the packaged one still runs


HOSTILE = {
    "a 42 MB repetition": "{{ 'x' * 100000000 }}",
    "a loop that never ends": "{% for a in range(100000) %}{% for b in range(100000) %}.{% endfor %}{% endfor %}",
    "a huge centring": "{{ shop.name | center(100000000) }}",
    "a division by zero": "{{ 1 / (items | length - items | length) }}",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_template_that_cannot_render_or_renders_too_much_is_not_pushed(
    served_fresh: Served, tmp_path: Path, case: str
) -> None:
    """Each of these passed the check before and was pushed: the first ended every due reminder
    `failed`, the others rendered for tens of seconds or tens of megabytes in the Sender."""
    playbook = tmp_path / "shop.yaml"
    playbook.write_text((PACKAGED / "default_playbook.yaml").read_text())
    (tmp_path / "templates").mkdir()
    original = (PACKAGED / "templates" / "cart_reminder.html").read_text()
    (tmp_path / "templates" / "cart_reminder.html").write_text(
        original.replace("{% block content %}", "{% block content %}" + HOSTILE[case], 1)
    )
    started = datetime.now(UTC)
    done = served_fresh.cli("playbook", "push", str(playbook))
    assert done.returncode == 1 and "not pushed" in done.stderr, done.stderr
    assert "cart_reminder" in done.stderr and "does not render" in done.stderr, done.stderr
    assert datetime.now(UTC) - started < timedelta(seconds=30)


def test_a_symlinked_template_is_not_pushed(served_fresh: Served, tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("a file the merchant never meant to upload")
    playbook = tmp_path / "shop" / "shop.yaml"
    (tmp_path / "shop" / "templates").mkdir(parents=True)
    playbook.write_text((PACKAGED / "default_playbook.yaml").read_text())
    (tmp_path / "shop" / "templates" / "cart_reminder.txt").symlink_to(secret)
    done = served_fresh.cli("playbook", "push", str(playbook))
    assert done.returncode == 2 and "symbolic link" in done.stderr and "not pushed" in done.stderr
