"""One archived event as one JSON line: when it arrived, whose it is, and the canonical event."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from touchpoint.events import TouchpointEvent


@dataclass(frozen=True)
class Archived:
    received_at: datetime
    customer_id: str
    event: TouchpointEvent
    read_as: bytes | None = field(default=None, compare=False, repr=False)  # the line it was parsed from

    def line(self) -> bytes:
        body = {
            "received_at": self.received_at.isoformat(),
            "source": self.event.source,
            "event_id": self.event.event_id,
            "kind": self.event.kind.value,
            "customer_id": self.customer_id,
            "event": self.event.model_dump(mode="json", exclude_defaults=True),
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"

    @classmethod
    def parse(cls, line: str | bytes) -> Archived:
        data: dict[str, Any] = json.loads(line)
        return cls(
            received_at=datetime.fromisoformat(data["received_at"]),
            customer_id=str(data.get("customer_id") or ""),
            event=TouchpointEvent.model_validate(data["event"]),
            read_as=line.encode() if isinstance(line, str) else line,
        )
