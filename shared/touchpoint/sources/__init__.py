"""Platform adapters: verify the sender, then map its payload to TouchpointEvents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from touchpoint.errors import Ignored, PayloadError, SignatureError, SourceError, TooLarge

__all__ = ["Ignored", "PayloadError", "Request", "SignatureError", "SourceError", "TooLarge"]


@dataclass(frozen=True)
class Request:
    """What an adapter needs of an HTTP request: headers (lower-case) and the raw body."""

    headers: dict[str, str]
    body: bytes
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")
