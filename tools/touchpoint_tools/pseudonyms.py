"""`touchpoint archive export --pseudonymise`: the archive for analysis, without who is who.

Every identifier is replaced by a keyed hash (HMAC-SHA256 under a key made for this one export
and never stored), so the same shopper keeps the same pseudonym throughout the export (a backtest
still stitches and replays them) while no export can be joined to another or reversed by hashing
guessed addresses. Names, phone numbers and checkout links are dropped. A plain export holds raw
addresses that `touchpoint forget` cannot reach once they leave the archive.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

IDENTIFIERS = ("user_id", "anonymous_id", "previous_id", "platform_id", "order_ref", "customer_id")
DROPPED = ("phone", "first_name", "last_name", "url")
KEYED = ("event_id", "token", "order_id", "checkout_token", "cart_token", "ticket_id")


class Pseudonyms:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or os.urandom(32)

    def _hash(self, kind: str, value: str, size: int = 24) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:size]

    def line(self, line: bytes) -> str:
        """One archived JSON line, pseudonymised."""
        record: dict[str, Any] = json.loads(line)
        record["customer_id"] = self._customer(str(record.get("customer_id") or ""))
        record["event_id"] = self._hash("event", str(record.get("event_id") or ""))
        record["event"] = self._walk(record.get("event") or {})
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"))

    def _customer(self, value: str) -> str:
        return "c_" + self._hash("customer", value) if value else value

    def _walk(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        if not isinstance(value, dict):
            return value
        return {k: self._field(k, v) for k, v in value.items() if k not in DROPPED}

    def _field(self, key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return self._walk(value)
        if key == "email":
            return f"p{self._hash('email', value.strip().lower(), 20)}@pseudonym.invalid"
        if key == "customer_id":
            return self._customer(value)
        if key in IDENTIFIERS:
            prefix = value.split(":", 1)[0] + ":" if ":" in value else ""
            return prefix + self._hash(key, value)
        if key in KEYED:
            return self._hash(key, value)
        return value
