"""Where a warm request's time outside the emulator goes, by library.

`make bench` prints the time outside the emulator per event against one raw UpdateItem (target
3x). This says why it is not met: cProfile runs over warm requests with the profiler switched
off while moto answers, and each function's own time is charged to the library it belongs to.
A standard-library or built-in function (json, hmac, `isinstance`...) is charged to the
libraries that called it, up through standard-library callers, so botocore's JSON encoding is
botocore's. The profiler costs a little per Python call, so the shares lean somewhat towards
code that makes many small calls; the absolute times are inflated more, and are not printed.
"""

from __future__ import annotations

import cProfile
import pstats
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

# libraries that work for botocore on every call are botocore's share
ALIASES = {"jmespath": "botocore", "urllib3": "botocore", "dateutil": "botocore", "boto3": "botocore"}
LABELS = {"aws_lambda_powertools": "Powertools", "touchpoint": "ours"}
BENCH = "local runtime and bench"  # what Lambda would not run: the local dispatch, this bench's sizing
OURS_BUT_BENCH = ("/tools/touchpoint_tools/", "/benchmarks/")
UNCHARGED = "stdlib called by stdlib"


def library(path: str) -> str | None:
    """The library a source file belongs to; None for the standard library and built-ins."""
    if "site-packages/" in path:
        name = path.split("site-packages/")[1].split("/")[0]
        return ALIASES.get(name, name)
    if any(part in path for part in OURS_BUT_BENCH):
        return BENCH
    if "/shared/touchpoint/" in path or "/functions/" in path:
        return "touchpoint"
    return None


Function = tuple[str, int, str]


def owners(stats: dict[Function, Any], function: Function, depth: int = 12) -> dict[str, float]:
    """Which libraries a standard-library function works for, and in what proportion: its callers,
    weighted by the time spent in it on their behalf, followed up through standard-library callers
    (json.dumps calling the encoder) to the first library. Cycles and deep chains stay UNCHARGED."""
    callers = stats[function][4] if function in stats else {}
    weights = {caller: by_caller[3] for caller, by_caller in callers.items()}
    total = sum(weights.values())
    if depth == 0 or not total:
        return {UNCHARGED: 1.0}
    found: dict[str, float] = defaultdict(float)
    for caller, weight in weights.items():
        owner = library(caller[0])
        parts = {owner: 1.0} if owner else owners(stats, caller, depth - 1)
        for name, part in parts.items():
            found[name] += part * weight / total
    return found


def shares(profiled: pstats.Stats) -> dict[str, float]:
    """Each library's share of the profiled time, largest first."""
    stats: dict[Function, Any] = profiled.stats  # type: ignore[attr-defined]
    spent: dict[str, float] = defaultdict(float)
    for function, (_, _, own, _, _) in stats.items():
        owner = library(function[0])
        for name, part in ({owner: 1.0} if owner else owners(stats, function)).items():
            spent[name] += own * part
    total = sum(spent.values()) or 1.0
    return dict(sorted(((name, s / total) for name, s in spent.items()), key=lambda kv: -kv[1]))


@contextmanager
def emulator_unprofiled(profiler: cProfile.Profile) -> Iterator[None]:
    """moto's answers are what DynamoDB would spend: the profiler pauses while moto answers."""
    from moto.core.botocore_stubber import BotocoreStubber

    answer = BotocoreStubber.__call__

    def paused(stubber: Any, *args: Any, **kwargs: Any) -> Any:
        profiler.disable()
        try:
            return answer(stubber, *args, **kwargs)
        finally:
            profiler.enable()

    setattr(BotocoreStubber, "__call__", paused)  # noqa: B010
    try:
        yield
    finally:
        setattr(BotocoreStubber, "__call__", answer)  # noqa: B010


def profile(send: Callable[[Any], object], requests: Iterable[Any]) -> dict[str, float]:
    """The libraries' shares of the time `send` spends outside the emulator on `requests`."""
    profiler = cProfile.Profile()
    with emulator_unprofiled(profiler):
        profiler.enable()
        try:
            for request in requests:
                send(request)
        finally:
            profiler.disable()
    return shares(pstats.Stats(profiler))


def line(found: dict[str, float]) -> str:
    return ", ".join(
        f"{LABELS.get(name, name)} {share:.0%}" for name, share in found.items() if share >= 0.005
    )
