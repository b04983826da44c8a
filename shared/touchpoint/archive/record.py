"""One archived event as one JSON line: when it arrived, whose it is, and the canonical event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from touchpoint.events import TouchpointEvent


@dataclass(frozen=True)
class Archived:
    received_at: datetime
    customer_id: str
    event: TouchpointEvent

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
        return Landed.parse(line).archived()


@dataclass(frozen=True)
class Landed:
    """An archived line as read, the event left in its JSON form: what the Watches function and
    erasure need, without building the event model (pydantic stays off that function's start)."""

    received_at: datetime
    customer_id: str
    kind: str
    event: dict[str, Any]  # the canonical event, as Archived.line wrote it
    line: bytes

    @classmethod
    def parse(cls, line: str | bytes) -> Landed:
        data: dict[str, Any] = json.loads(line)
        return cls(
            received_at=datetime.fromisoformat(data["received_at"]),
            customer_id=str(data.get("customer_id") or ""),
            kind=str(data.get("kind") or ""),
            event=data["event"],
            line=line.encode() if isinstance(line, str) else line,
        )

    def archived(self) -> Archived:
        from touchpoint.events import TouchpointEvent

        return Archived(self.received_at, self.customer_id, TouchpointEvent.model_validate(self.event))
