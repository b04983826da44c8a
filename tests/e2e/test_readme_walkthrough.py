"""The README's local walkthrough, run as written (taken from the README, so the two cannot
drift): a checkout webhook, a dispatch, and the reminder in the outbox. Only its ports change:
the README's 3000 and 4566 become free ones, so the test never races another serve or worker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from ..conftest import ROOT
from .conftest import free_port

pytestmark = pytest.mark.e2e


def walkthrough() -> str:
    """The first fenced block of "Using it locally" that starts `serve` in the background."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Using it locally", 1)[1]
    blocks = section.split("```")[1::2]
    return next(block for block in blocks if "touchpoint serve --outbox" in block)


def documents(text: str) -> list[dict]:
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        found.append(value)
    return found


def on_free_ports(script: str) -> str:
    """The walkthrough with serve's default ports swapped for free ones; the CLI finds that serve
    through AWS_ENDPOINT_URL instead of the default port."""
    api, aws = free_port(), free_port()
    serve = "touchpoint serve --outbox outbox"
    assert serve in script and "localhost:3000" in script
    script = script.replace(serve, f"touchpoint serve --port {api} --aws-port {aws} --outbox outbox")
    script = script.replace("localhost:3000", f"localhost:{api}")
    lines = script.splitlines()
    listening = next(i for i, line in enumerate(lines) if line.startswith("until curl"))
    lines.insert(listening + 1, f"export AWS_ENDPOINT_URL=http://127.0.0.1:{aws}")  # serve started its own
    return "\n".join(lines)


def test_the_readme_walkthrough_runs_as_written() -> None:
    for tool in ("curl", "openssl", "bash"):
        assert shutil.which(tool), f"the walkthrough needs {tool}"
    outbox = ROOT / "outbox"
    shutil.rmtree(outbox, ignore_errors=True)
    script = "set -e\n" + on_free_ports(walkthrough()) + "\nwait\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SENDGRID", "PUBLIC_URL"))}
    try:
        done = subprocess.run(
            ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        said = documents(done.stdout)  # curl's answer ends without a newline: split by JSON value
        answer = said[0]
        assert answer["customer_id"] and answer["duplicate"] is False
        messages = [d for d in said if "message_id" in d and "status" in d]
        assert {m["step"]: m["status"] for m in messages}["email_1h"] == "sent"
        listed = [d for d in said if "kind" in d]
        assert [(e["kind"], e["to"]) for e in listed] == [("email", "ann@example.com")]
        assert listed[0]["html"].endswith("outbox/0001-email-ann@example.com.html")  # as the README says
        html = (ROOT / listed[0]["html"]).read_text(encoding="utf-8")
        assert "Hat" in html and "unsubscribe" in html.lower()
    finally:
        shutil.rmtree(outbox, ignore_errors=True)
