"""The report's interval methods against published values."""

from __future__ import annotations

import pytest

from touchpoint_tools.measure.intervals import difference, mean_difference, readable, wilson


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


def test_the_bootstrap_interval_of_equal_samples_is_centred_on_zero() -> None:
    estimate = mean_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert estimate.value == 0 and estimate.low == -estimate.high and estimate.high > 0


def test_a_holdout_without_buyers_is_called_too_small_not_given_an_interval() -> None:
    """12 held-out shoppers and no orders, against 5 orders in 100 sends: about 100 held-out
    shoppers are needed to expect 5 orders at that rate, so 88 more."""
    assert readable(5, 100, 0, 12) == "not enough held-out shoppers: about 88 more needed"
    assert readable(0, 100, 0, 50) == "no orders in either group yet"
    assert readable(50, 1000, 10, 200) == ""


def test_the_report_prints_the_words_instead_of_an_interval() -> None:
    from touchpoint_tools.measure.summary import Row
    from touchpoint_tools.report.build import money_interval, pct_interval

    row = Row("cart_abandonment", "email_24h", sent=100, orders=5, held_out=12, holdout_orders=0)
    row.sent_revenue, row.holdout_revenue = [30.0] * 5 + [0.0] * 95, [0.0] * 12
    assert pct_interval(row.incremental) == "not enough held-out shoppers: about 88 more needed"
    assert money_interval(row.incremental_revenue) == "not enough held-out shoppers: about 88 more needed"


def test_money_per_recipient_is_bootstrapped_reproducibly() -> None:
    spend = [0.0] * 90 + [50.0] * 10
    first, again = (
        mean_difference(spend, [0.0] * 95 + [50.0] * 5),
        mean_difference(spend, [0.0] * 95 + [50.0] * 5),
    )
    assert first == again and first.value == pytest.approx(2.5) and first.low < 2.5 < first.high


def test_a_variant_is_ahead_behind_or_cannot_be_told_apart() -> None:
    from datetime import UTC, datetime

    from touchpoint_tools.measure import experiments
    from touchpoint_tools.measure.summary import Outcome

    at = datetime(2026, 12, 1, tzinfo=UTC)

    def sends(variant: str, n: int, orders: int) -> list[Outcome]:
        return [
            Outcome(
                f"m{variant}{i}",
                f"c{variant}{i}",
                "cart",
                "first",
                "email",
                "sent",
                (f"variant:{variant}",),
                True,
                at,
                at,
                at if i < orders else None,
                3000 if i < orders else 0,
            )
            for i in range(n)
        ]

    arms = experiments.arms(
        [*sends("plain", 1000, 50), *sends("urgency", 1000, 100), *sends("bold", 1000, 48)]
    )
    first, plain, urgency = arms[("cart", "first")]  # in name order: bold is compared against
    assert [first.variant, plain.variant, urgency.variant] == ["bold", "plain", "urgency"]
    assert experiments.verdict(urgency.against(first)) == "ahead"
    assert experiments.verdict(plain.against(first)) == "cannot tell yet"
    assert experiments.verdict(first.against(urgency)) == "behind"
    assert urgency.revenue_per_recipient == 3.0 and len(urgency.shoppers) == 1000


def test_a_holdout_needs_thousands_of_shoppers_to_tell_a_small_lift() -> None:
    from touchpoint_tools.measure.intervals import held_out_needed

    # 1.8% conversion, one held out per 49 sent (a 2% holdout), a 20% relative lift: about 12,000
    assert 11_500 < (held_out_needed(0.018, 0.2, 1 / 49) or 0) < 12_500
    # an even split needs far fewer held out for the same lift
    assert (held_out_needed(0.018, 0.2, 1.0) or 0) < 25_000 and held_out_needed(0.0, 0.2, 1.0) is None


def test_customers_neither_playbook_reached_are_not_listed_as_differing() -> None:
    from datetime import UTC, datetime, timedelta

    from touchpoint_tools.measure.summary import Outcome, differing_customers

    at = datetime(2026, 12, 1, tzinfo=UTC)

    def one(customer: str, step: str, status: str, hours: int) -> Outcome:
        due = at + timedelta(hours=hours)
        return Outcome(
            f"{customer}-{step}", customer, "cart", step, "email", status, (), True, due, None, None, 0
        )

    a = [one("quiet", "email_1h", "suppressed", 1), one("moved", "email_1h", "sent", 1)]
    b = [one("quiet", "email_4h", "suppressed", 4), one("moved", "email_4h", "sent", 4)]
    assert [customer for customer, _, _ in differing_customers(a, b)] == ["moved"]
