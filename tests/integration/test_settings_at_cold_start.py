"""A function whose configuration holds a value it cannot use refuses to start, naming the
variable, as Lambda would show it for a deployment with a mistyped parameter."""

from __future__ import annotations

import logging

import pytest

from touchpoint.settings import SettingsError

from ..conftest import cold_start


@pytest.mark.parametrize(
    ("function", "name", "value"),
    [
        ("purchase", "SIGNATURE_TOLERANCE_SECONDS", "one day"),
        ("web_event", "ALLOWED_ORIGINS", "https://*.shop.example"),
        ("sender", "SENDGRID_TIMEOUT_SECONDS", "soon"),
        ("dispatcher", "SEND_MODE", "loud"),
        ("preferences", "PUBLIC_URL", "shop.example/links"),
    ],
)
def test_a_mistyped_variable_stops_the_start_and_is_named(
    secrets: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    function: str,
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(name, value)
    with caplog.at_level(logging.ERROR), pytest.raises(SettingsError) as caught:
        cold_start(function)
    assert str(caught.value).startswith(f"invalid configuration: {name}: ")


def test_the_same_function_starts_with_the_value_corrected(
    secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENDGRID_TIMEOUT_SECONDS", "2.5")
    cold_start("sender")
