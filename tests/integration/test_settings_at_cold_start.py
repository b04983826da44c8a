"""A function whose configuration holds a value it cannot use refuses to start, naming the
variable, as Lambda would show it for a deployment with a mistyped parameter."""

from __future__ import annotations

import gc
import importlib.util
import logging

import pytest

from touchpoint.settings import SettingsError

from ..conftest import ROOT


def _cold_start(function: str) -> None:
    spec = importlib.util.spec_from_file_location(
        f"cold_{function}", ROOT / "functions" / function / "app.py"
    )
    assert spec is not None and spec.loader is not None
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    finally:
        gc.enable()  # Lambda discards a process whose start failed (touchpoint/coldstart.py); ours goes on


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
        _cold_start(function)
    assert str(caught.value).startswith(f"invalid configuration: {name}: ")


def test_the_same_function_starts_with_the_value_corrected(
    secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENDGRID_TIMEOUT_SECONDS", "2.5")
    _cold_start("sender")
