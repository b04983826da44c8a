"""Keys of the sparse, sharded due index (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from touchpoint.identity import sha256
from touchpoint.profiles.models import DUE_SHARDS

LEASE = timedelta(minutes=15)  # how long a claim holds a message: then the next Sender records it failed


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def due_pk(message_id: str, customer_id: str) -> str:
    return f"DUE#{int(sha256(customer_id + message_id)[:8], 16) % DUE_SHARDS}"


def due_sk(at: datetime, message_id: str) -> str:
    return f"{iso(at)}#{message_id}"


def due_at_of(due_sk: str) -> datetime:
    """The instant (to the second) a due-index key is due."""
    return datetime.fromisoformat(due_sk[:19]).replace(tzinfo=UTC)


def due_upper_bound(now: datetime) -> str:
    """Sorts after every due_sk of this second ('~' > '#')."""
    return f"{iso(now)}~"


def shards() -> list[str]:
    return [f"DUE#{n}" for n in range(DUE_SHARDS)]
