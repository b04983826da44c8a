"""The storefront snippet of docs/storefront.md in a real browser: a shop page on its own origin
sends the signed-in shopper's events with the write key and the user hash its server computed,
and reads the on-site answer; a page of another site, with the same key, is refused by CORS and
stores nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ..conftest import IDENTITY_SECRET, ROOT, SECRETS, WRITE_KEY
from .conftest import CLI, SHOTS, start_serve, stop_serve

pytestmark = pytest.mark.e2e
SNIPPET = (ROOT / "docs" / "storefront.js").read_text(encoding="utf-8")


def shop_page(api: str, user_id: str) -> bytes:
    """What the shop's server renders for a signed-in shopper: the hash is made server-side."""
    user_hash = hmac.new(IDENTITY_SECRET.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    settings = {"api": api, "writeKey": WRITE_KEY, "userId": user_id, "userHash": user_hash}
    return f"""<!doctype html><html><head><title>Shop</title></head><body>
<h1>A shop page</h1><pre id="answer" style="white-space: pre-wrap">waiting</pre>
<script>window.TOUCHPOINT = {json.dumps(settings)};</script>
<script>{SNIPPET}</script>
<script>
touchpoint.identify({{}})
  .then(() => touchpoint.track("Product Viewed", {{product_id: "p-9", category: "Hats"}}))
  .then(answer => {{ document.getElementById("answer").textContent = JSON.stringify(answer); }})
  .catch(error => {{ document.getElementById("answer").textContent = "blocked: " + error; }});
</script></body></html>""".encode()


class Shop:
    """A shop's web server on a free port of its own (its own origin); the page it renders names
    the API once serve is up."""

    def __init__(self, user_id: str) -> None:
        self.api = ""
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(shop_page(shop.api, user_id))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Stack:
    shop: Shop
    elsewhere: Shop
    env: dict[str, str]

    def profile(self, key: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, "profile", key], env=self.env, capture_output=True, text=True, timeout=60
        )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A serve that allows the shop's origin only; the shop; another site serving the same page."""
    shop, elsewhere = Shop("user-501"), Shop("user-502")
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env.update(SECRETS, ALLOWED_ORIGINS=shop.origin)
    process, api, aws_port = start_serve(env, tmp_path / "serve.log")
    shop.api = elsewhere.api = f"http://127.0.0.1:{api}"
    try:
        yield Stack(shop, elsewhere, {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}"})
    finally:
        shop.close()
        elsewhere.close()
        stop_serve(process)


def answer_on(browser: Any, url: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    element = browser.find_element(By.ID, "answer")
    WebDriverWait(browser, 20).until(lambda _: element.text != "waiting")
    return str(element.text)


def test_the_shops_page_sends_verified_events_and_another_site_is_refused(stack: Stack, browser: Any) -> None:
    answer = json.loads(answer_on(browser, stack.shop.origin + "/product"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "storefront.png"))
    assert answer["customer_id"]  # verified by the hash: the shopper may see her own profile
    assert [r["product_id"] for r in answer["recommendations"]] == ["p-9"]
    mine = stack.profile("user-501")
    assert mine.returncode == 0 and "p-9" in mine.stdout
    refused = answer_on(browser, stack.elsewhere.origin + "/product")
    assert refused.startswith("blocked"), refused
    assert stack.profile("user-502").returncode != 0  # nothing stored for the other site's call
