"""Errors every layer may raise and the HTTP front maps to answers (4xx, 202).

They live here, not in sources/, so the pipeline and the profile code can say "the
client's input is wrong" or "nothing to do" without depending on an adapter package.
"""

from __future__ import annotations

from dataclasses import dataclass


class SourceError(Exception):
    """A problem with the caller's request; mapped to a 4xx, never a 5xx."""

    status = 400


class SignatureError(SourceError):
    status = 401


class PayloadError(SourceError):
    status = 400


class TooLarge(SourceError):
    status = 413


@dataclass(frozen=True)
class Ignored(Exception):
    """Accepted but not acted on (test ping, unknown topic): answered 202."""

    reason: str


class UserError(Exception):
    """A mistake the user of the CLI can fix: printed as one line, exit 2, no traceback."""
