"""Retargeting through the Meta Conversions API against a loopback stand-in for the Graph API."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.sim import payloads

from ..conftest import Shop


class GraphStub:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                stub.calls.append((self.command, self.path, body))
                answer = json.dumps(
                    {"events_received": len(body.get("data", [])), "fbtrace_id": "trace-1"}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_DELETE = _record

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[GraphStub]:
    stub = GraphStub()
    monkeypatch.setenv("META_GRAPH_API_URL", stub.url)
    monkeypatch.setenv("META_PIXEL_ID", "px1")
    monkeypatch.setenv("META_ACCESS_TOKEN", "token")
    monkeypatch.setenv("META_AUDIENCE_ID", "aud1")
    yield stub
    stub.server.shutdown()


def test_abandoned_checkout_is_sent_hashed_and_opt_out_leaves_the_audience(
    shop: Shop, runtime: LocalRuntime, graph: GraphStub
) -> None:
    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(95, at=now))
    runtime.dispatch(now + timedelta(minutes=40))
    [(method, path, body)] = graph.calls
    assert (method, path) == ("POST", "/v21.0/px1/events") and body["access_token"] == "token"
    [event] = body["data"]
    assert event["event_name"] == "InitiateCheckout" and event["event_id"].startswith(
        "cart_abandonment.retarget_30m"
    )
    assert event["user_data"]["em"] == [hashlib.sha256(b"shopper95@example.com").hexdigest()]
    assert event["custom_data"]["content_ids"] == ["101", "2022"] and event["custom_data"]["value"] == 84.5
    assert "shopper95@example.com" not in json.dumps(body)

    opt_out = {**payloads.customer(95, email_consent="unsubscribed"), "updated_at": now.isoformat()}
    opt_out["email_marketing_consent"]["consent_updated_at"] = (now + timedelta(minutes=1)).isoformat()
    shop.post("customers", "customers/update", opt_out)
    runtime.dispatch(now + timedelta(minutes=41))
    method, path, body = graph.calls[-1]
    assert (method, path) == ("DELETE", "/v21.0/aud1/users")
    assert body["payload"]["data"][0][0] == hashlib.sha256(b"shopper95@example.com").hexdigest()
    runtime.dispatch(now + timedelta(hours=30))
    assert len(graph.calls) == 2  # nothing more for someone who opted out


def test_no_pixel_means_no_retargeting_planned(shop: Shop, runtime: LocalRuntime) -> None:
    shop.post("checkouts", "checkouts/create", shop.checkout(96))
    _, items = store.load(store.find_customer("shopper96@example.com") or "")
    assert "retargeting" not in {m.channel for m in items}


def test_the_unsubscribe_link_also_removes_the_shopper_from_the_audience(
    shop: Shop, runtime: LocalRuntime, graph: GraphStub, sendgrid
) -> None:
    import re

    now = datetime.now(UTC)
    shop.post("checkouts", "checkouts/create", shop.checkout(95, at=now))
    runtime.dispatch(now + timedelta(hours=2))
    [mail] = [
        r["body"]
        for r in sendgrid.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == "shopper95@example.com"
    ]
    url = re.fullmatch(r"<(.+)>", mail["headers"]["List-Unsubscribe"])
    assert url is not None
    path = "/unsubscribe/" + url.group(1).rsplit("/unsubscribe/", 1)[1]
    assert runtime.http("POST", path, {}, b"List-Unsubscribe=One-Click").status == 200
    runtime.dispatch(datetime.now(UTC) + timedelta(minutes=1))
    deletes = [(path, body) for method, path, body in graph.calls if method == "DELETE"]
    assert len(deletes) == 1 and deletes[0][0].startswith("/v21.0/aud1/users")
    email_hash = hashlib.sha256(b"shopper95@example.com").hexdigest()
    assert email_hash in json.dumps(deletes[0][1])
