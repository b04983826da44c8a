"""The local runtime as a user runs it: `touchpoint serve` in a subprocess, the CLI in others."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from touchpoint_tools.local.sendgrid_stub import SendGridStub

from ..conftest import ROOT, SECRETS, Shop

CLI = [sys.executable, "-m", "touchpoint_tools.cli"]
SHOTS = ROOT / "reports" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    env: dict[str, str]
    stub: SendGridStub
    process: subprocess.Popen[bytes]
    log: Path | None = None  # serve's stderr: its banner and the functions' JSON log lines

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=60, cwd=ROOT
        )


def start_serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    """`touchpoint serve` on free ports, its log in a file (an unread pipe would fill and stall it)."""
    api, aws_port = free_port(), free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(api), "--aws-port", str(aws_port)],
            env={**env, "PUBLIC_URL": env.get("PUBLIC_URL") or f"http://127.0.0.1:{api}"},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    deadline = time.monotonic() + 30
    ready = f"touchpoint serve: http://127.0.0.1:{api} "
    while time.monotonic() < deadline:
        # its own banner, not just an open port: a port another process took meanwhile would
        # answer too, and the test would then talk to, or signal, the wrong server
        assert process.poll() is None, log.read_text(errors="replace")
        if ready in log.read_text(errors="replace"):
            socket.create_connection(("127.0.0.1", api), timeout=5).close()
            return process, api, aws_port
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"touchpoint serve did not listen within 30 s:\n{log.read_text(errors='replace')}")


def stop_serve(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a person would; killed if it does not stop within 10 s."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def serve_of_its_own(log: Path, **settings: str) -> Iterator[Served]:
    """A serve for one test, with its own SendGrid stand-in and these settings: what it changes
    (a pushed playbook, a merchant's own) never reaches what other tests see."""
    with SendGridStub() as stub:
        env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
        env.update(SECRETS, SENDGRID_API_HOST=stub.url, **settings)
        process, api, aws_port = start_serve(env, log)
        try:
            yield Served(
                f"http://127.0.0.1:{api}",
                {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}"},
                stub,
                process,
            )
        finally:
            stop_serve(process)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with SendGridStub() as stub:
        env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
        public_key = (ROOT / "events" / "sendgrid-sample-public-key.txt").read_text().strip()
        env.update(SECRETS, SENDGRID_API_HOST=stub.url, SENDGRID_WEBHOOK_PUBLIC_KEY=public_key)
        log = tmp_path_factory.mktemp("serve") / "serve.log"
        process, api, aws_port = start_serve(env, log)
        # the CLI's sends render links to this serve, as serve's own do
        client_env = {
            **env,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}",
            "PUBLIC_URL": f"http://127.0.0.1:{api}",
        }
        yield Served(f"http://127.0.0.1:{api}", client_env, stub, process, log)
        stop_serve(process)


def post_shopify(
    served: Served, resource: str, topic: str, payload: dict, webhook_id: str | None = None
) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    return served.post(f"/webhooks/shopify/{resource}", body, Shop.headers(topic, body, webhook_id))


def messages(served: Served, key: str) -> dict[str, dict]:
    """`touchpoint messages KEY`, by step; the latest run's message wins for a repeated step."""
    result = served.cli("messages", key)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return {m["step"]: m for m in lines}


def message_lines(served: Served, key: str) -> list[dict]:
    result = served.cli("messages", key)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, driven by Selenium. Tests never install it (that needs root): without it
    the browser tests are skipped with one line saying how to get it (`.ci/run` installs it)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("no Chromium here: run `sudo make browser` (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=800,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
