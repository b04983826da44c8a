"""Platform adapters: verify the sender, then map its payload to TouchpointEvents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class Request:
    """What an adapter needs of an HTTP request: headers (lower-case) and the raw body."""

    headers: dict[str, str]
    body: bytes
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")
