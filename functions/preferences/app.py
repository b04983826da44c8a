"""Preferences: one-click unsubscribe and the preference center, behind the token in each e-mail."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from touchpoint import settings
from touchpoint.preferences.http import handler

lambda_handler = handler()

settings.validate(settings.PREFERENCES)  # a mistyped variable stops the start, named
coldstart.loaded()
