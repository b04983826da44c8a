"""Preferences: one-click unsubscribe and the preference center, behind the token in each e-mail."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from touchpoint.preferences.http import handler

lambda_handler = handler()

coldstart.loaded()
