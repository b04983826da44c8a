"""The bench's profile charges each standard-library call to the library it worked for
(benchmarks/warm_profile.py): a wrong charge would print a wrong share in `make bench`."""

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "warm_profile", Path(__file__).resolve().parents[2] / "benchmarks" / "warm_profile.py"
)
assert SPEC is not None and SPEC.loader is not None
warm_profile = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(warm_profile)

BOTOCORE = ("/v/site-packages/botocore/serialize.py", 1, "serialize")
OURS = ("/repo/shared/touchpoint/pipeline.py", 1, "handle")
BENCH = ("/repo/benchmarks/run.py", 1, "counting")
DUMPS = ("/py/json/__init__.py", 1, "dumps")
ENCODE = ("/py/json/encoder.py", 1, "iterencode")
LOOP_A = ("/py/a.py", 1, "a")
LOOP_B = ("/py/b.py", 1, "b")


def entry(own: float, callers: dict[tuple[str, int, str], float]) -> tuple[int, int, float, float, dict]:
    """pstats' row: calls, primitive calls, own time, cumulative time, and per caller the same four."""
    return (1, 1, own, own, {caller: (1, 1, 0.0, cumulative) for caller, cumulative in callers.items()})


def test_a_standard_library_chain_is_charged_to_the_libraries_at_its_top_by_their_share() -> None:
    stats = {
        BOTOCORE: entry(2.0, {}),
        OURS: entry(1.0, {}),
        DUMPS: entry(0.0, {BOTOCORE: 3.0, OURS: 1.0}),  # json.dumps: 3/4 for botocore, 1/4 for us
        ENCODE: entry(4.0, {DUMPS: 4.0}),  # the encoder is called by json.dumps only
    }
    assert warm_profile.owners(stats, ENCODE) == {"botocore": 0.75, "touchpoint": 0.25}
    found = warm_profile.shares(type("Stats", (), {"stats": stats})())
    assert found == pytest.approx({"botocore": 5.0 / 7, "touchpoint": 2.0 / 7})
    assert list(found) == ["botocore", "touchpoint"]


def test_the_local_runtime_and_the_bench_are_not_counted_as_ours() -> None:
    assert warm_profile.library(BENCH[0]) == warm_profile.BENCH
    assert warm_profile.library("/repo/tools/touchpoint_tools/local/runtime.py") == warm_profile.BENCH
    assert warm_profile.library(OURS[0]) == "touchpoint"
    assert warm_profile.library("/v/site-packages/jmespath/parser.py") == "botocore"
    assert warm_profile.library(DUMPS[0]) is None


def test_a_cycle_of_standard_library_calls_ends_uncharged_instead_of_recursing_for_ever() -> None:
    stats = {LOOP_A: entry(1.0, {LOOP_B: 1.0}), LOOP_B: entry(0.0, {LOOP_A: 1.0})}
    assert warm_profile.owners(stats, LOOP_A) == {warm_profile.UNCHARGED: 1.0}
