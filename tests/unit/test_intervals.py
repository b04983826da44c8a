"""The report's interval methods against published values."""

from __future__ import annotations

import pytest

from touchpoint_tools.measure.intervals import difference, mean_difference, wilson


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((5, 56, 0, 29), -0.0381, 0.1926),
    ],
)
def test_newcombe_hybrid_score_interval_matches_the_paper(
    counts: tuple[int, int, int, int], low: float, high: float
) -> None:
    estimate = difference(*counts)
    assert estimate.low == pytest.approx(low, abs=5e-5)
    assert estimate.high == pytest.approx(high, abs=5e-5)


def test_wilson_interval_matches_the_textbook_case() -> None:
    # Newcombe (1998, single proportion paper) 81/263: 0.2553 to 0.3662
    estimate = wilson(81, 263)
    assert (round(estimate.low, 4), round(estimate.high, 4)) == (0.2553, 0.3662)


def test_no_observations_claim_nothing() -> None:
    assert (wilson(0, 0).low, wilson(0, 0).high) == (0.0, 1.0)
    assert mean_difference([], [1.0]).low == float("-inf")


def test_welch_interval_of_equal_samples_is_centred_on_zero() -> None:
    estimate = mean_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert estimate.value == 0 and estimate.low == -estimate.high and estimate.high > 0
