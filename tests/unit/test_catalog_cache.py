"""The Sender's catalog cache on its own clock: fetches only what it lacks, forgets at expiry."""

from __future__ import annotations

import pytest

from touchpoint.catalog.cache import Expiring


def test_it_fetches_what_it_lacks_remembers_absence_and_forgets_at_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "60")
    clock = [1000.0]
    fetched: list[list[str]] = []

    def fetch(keys: list[str]) -> dict[str, int]:
        fetched.append(keys)
        return {k: len(k) for k in keys if k != "gone"}

    cache: Expiring[int] = Expiring(clock=lambda: clock[0])
    assert cache.get_many(["a", "bb", "gone"], fetch) == {"a": 1, "bb": 2}
    assert cache.get_many(["bb", "gone", "ccc"], fetch) == {"bb": 2, "ccc": 3}
    assert fetched == [["a", "bb", "gone"], ["ccc"]]  # "gone" is known absent, not asked again
    clock[0] += 61
    cache.get_many(["a"], fetch)
    assert fetched[-1] == ["a"]
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "0")  # off: takes effect for what is held, too
    cache.get_many(["a"], fetch)
    assert fetched[-1] == ["a"] and len(fetched) == 4


def test_fresh_keys_are_fetched_though_held_in_the_same_call_as_the_misses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "60")
    fetched: list[list[str]] = []
    values = {"a": 1, "b": 2, "c": 3}

    def fetch(keys: list[str]) -> dict[str, int]:
        fetched.append(keys)
        return {k: values[k] for k in keys}

    cache: Expiring[int] = Expiring(clock=lambda: 1000.0)
    cache.get_many(["a", "b"], fetch)
    values["a"] = 10  # changed since it was read
    assert cache.get_many(["b", "c"], fetch, fresh=["a"]) == {"a": 10, "b": 2, "c": 3}
    assert fetched == [["a", "b"], ["c", "a"]]  # b held, c missing, a fresh: one call
    assert cache.get_many(["a"], fetch) == {"a": 10}  # what was read fresh is held anew
    assert len(fetched) == 2
