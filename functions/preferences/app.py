"""Preferences: one-click unsubscribe and the preference center, behind the token in each e-mail."""

from __future__ import annotations

from touchpoint.preferences.http import handler

lambda_handler = handler()
