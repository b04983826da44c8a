"""CORS on `POST /events`, through the routes the template declares: the shop's own pages are
granted (preflight and answer), a page of any other site is refused before anything is stored,
and server-side callers, which send no Origin, are unaffected."""

from __future__ import annotations

import json

import pytest

from touchpoint.cors import OriginError, parse_origins
from touchpoint.profiles import store
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.sim import payloads

from ..conftest import WRITE_KEY

SHOP = "https://shop.example"


@pytest.fixture(autouse=True)
def _origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", f"{SHOP}, https://www.shop.example")


def preflight(runtime: LocalRuntime, origin: str, method: str = "POST") -> tuple[int, dict[str, str]]:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    answer = runtime.http(
        "OPTIONS", "/events", {**asked, "Access-Control-Request-Headers": "authorization"}, b""
    )
    return answer.status, answer.headers


def view(anonymous_id: str, origin: str | None) -> tuple[dict[str, str], bytes]:
    call = {"type": "page", "messageId": f"m-{anonymous_id}", "anonymousId": anonymous_id}
    headers, body = payloads.segment([call], WRITE_KEY)
    return ({**headers, "Origin": origin} if origin else headers), body


def test_the_shops_page_is_granted_preflight_and_answer(runtime: LocalRuntime) -> None:
    status, headers = preflight(runtime, SHOP)
    assert status == 204
    assert headers["access-control-allow-origin"] == SHOP
    assert "POST" in headers["access-control-allow-methods"]
    assert "authorization" in headers["access-control-allow-headers"].lower()
    assert "x-touchpoint-user-hash" in headers["access-control-allow-headers"].lower()
    answer = runtime.http("POST", "/events", *view("shop-visitor", SHOP))
    assert answer.status == 200 and answer.headers["access-control-allow-origin"] == SHOP
    assert json.loads(answer.body)["recommendations"] == []


@pytest.mark.parametrize("origin", ["https://evil.example", "https://shop.example.evil.example", "null"])
def test_another_sites_page_is_refused_and_nothing_is_stored(runtime: LocalRuntime, origin: str) -> None:
    status, headers = preflight(runtime, origin)
    assert status == 403 and "access-control-allow-origin" not in headers
    answer = runtime.http("POST", "/events", *view("elsewhere", origin))
    assert answer.status == 403 and "ALLOWED_ORIGINS" in json.loads(answer.body)["error"]
    assert "access-control-allow-origin" not in answer.headers
    assert store.find_customer("elsewhere") is None


def test_a_preflight_for_another_method_is_refused(runtime: LocalRuntime) -> None:
    assert preflight(runtime, SHOP, "DELETE")[0] == 403


def test_without_allowed_origins_every_browser_origin_is_refused(
    runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALLOWED_ORIGINS")
    assert preflight(runtime, SHOP)[0] == 403
    assert runtime.http("POST", "/events", *view("no-cors", SHOP)).status == 403


def test_server_side_callers_send_no_origin_and_are_answered(runtime: LocalRuntime) -> None:
    answer = runtime.http("POST", "/events", *view("server-side", None))
    assert answer.status == 200 and "access-control-allow-origin" not in answer.headers
    assert store.find_customer("server-side") is not None  # what the refused page's call would have made


@pytest.mark.parametrize(
    "raw", ["*", "https://*.shop.example", "shop.example", "https://shop.example/path", "ftp://shop.example"]
)
def test_an_allowed_origins_value_that_is_not_an_origin_is_refused(raw: str) -> None:
    with pytest.raises(OriginError, match="ALLOWED_ORIGINS"):
        parse_origins(raw)


def test_origins_are_compared_as_origins() -> None:
    assert parse_origins("HTTPS://Shop.Example/ http://127.0.0.1:8080") == {
        "https://shop.example",
        "http://127.0.0.1:8080",
    }


def test_a_sandboxed_pixel_frame_is_granted_only_when_null_is_listed(
    runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shopify's custom pixels run in a sandboxed frame: their Origin is `null`."""
    monkeypatch.setenv("ALLOWED_ORIGINS", f"{SHOP},null")
    status, headers = preflight(runtime, "null")
    assert status == 204 and headers["access-control-allow-origin"] == "null"
    assert runtime.http("POST", "/events", *view("pixel", "null")).status == 200
