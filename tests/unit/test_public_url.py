"""Where links point: never a localhost address outside the local runtime."""

from __future__ import annotations

import pytest

from touchpoint import config


def test_the_local_runtime_links_to_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUCHPOINT_LOCAL", "1")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("API_URL", "https://abc.execute-api.eu-west-1.amazonaws.com")
    assert config.public_url() == "http://127.0.0.1:3000"


def test_a_deployment_without_a_domain_links_to_its_own_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOUCHPOINT_LOCAL")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("API_URL", "https://abc.execute-api.eu-west-1.amazonaws.com/")
    assert config.public_url() == "https://abc.execute-api.eu-west-1.amazonaws.com"


def test_a_deployment_with_its_own_domain_links_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOUCHPOINT_LOCAL")
    monkeypatch.setenv("PUBLIC_URL", "https://touch.shop.example")
    monkeypatch.setenv("API_URL", "https://abc.execute-api.eu-west-1.amazonaws.com")
    assert config.public_url() == "https://touch.shop.example"


def test_a_deployment_that_knows_no_address_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOUCHPOINT_LOCAL")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("API_URL", raising=False)
    assert config.public_url() == ""
