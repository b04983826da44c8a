"""What the Sender reads from the catalog for recommendations, kept for a minute in a warm
container: best sellers, co-purchase counts and the recommended products change slowly, and
most messages of a run recommend from the same few. The products a message is about (the cart,
the product back in stock or cheaper) are always read fresh, so a price in a mail is never a
minute old, in the same BatchGetItem as the recommendations the cache lacks.
`CATALOG_CACHE_SECONDS` sets the time (0 turns the cache off).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from touchpoint import settings

Value = TypeVar("Value")
MAX_ENTRIES = 5000  # a bound on memory: the cache starts over when it is full


_caches: list[Expiring[Any]] = []


def forget() -> None:
    """Empty every cache (a process that switches to another table, as the tests do)."""
    for cache in _caches:
        cache.forget()


def seconds() -> float:
    return float(settings.get("CATALOG_CACHE_SECONDS"))


class Expiring(Generic[Value]):
    """Keys to values (None: known to be absent) for `seconds()` after they were read (as it
    reads at lookup: lowering it, or 0, takes effect at once)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, tuple[float, Value | None]] = {}  # key -> (read at, value)
        self._clock = clock
        _caches.append(self)

    def forget(self) -> None:
        self._entries.clear()

    def get_many(
        self, keys: Iterable[str], fetch: Callable[[list[str]], dict[str, Value]], fresh: Iterable[str] = ()
    ) -> dict[str, Value]:
        """The values of `keys` and of `fresh`, fetching in one call those of `keys` not held or
        expired and every one of `fresh`, whatever is held (what is fetched is held anew)."""
        now, valid = self._clock(), seconds()
        renew = list(dict.fromkeys(fresh))
        wanted = [k for k in dict.fromkeys(keys) if k not in renew]
        held = {
            k: self._entries[k] for k in wanted if k in self._entries and now - self._entries[k][0] < valid
        }
        missing = [k for k in wanted if k not in held] + renew
        if missing:
            fetched = fetch(missing)
            if len(self._entries) + len(missing) > MAX_ENTRIES:
                self._entries.clear()
            for key in missing:
                held[key] = (now, fetched.get(key))
                self._entries[key] = held[key]
        return {k: value for k, (_, value) in held.items() if value is not None}
