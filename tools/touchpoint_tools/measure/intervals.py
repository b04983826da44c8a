"""95% confidence intervals for the report, from statsmodels and scipy (the laptop side only:
nothing here reaches the Lambda layer).

Proportions use Wilson's score interval; the difference of two proportions (treated minus
holdout) uses Newcombe's hybrid score interval (statsmodels' `newcomb`), which behaves at small
counts and at rates near zero, where the usual Wald interval does not. Money per recipient uses a
bootstrap over recipients (scipy), seeded, so the same data give the same interval and the
report stays byte-identical. Any interval needs enough of each group to mean something:
`readable` says in words when a cell is too small, and the report prints that instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054
MIN_EXPECTED_ORDERS = 5  # per group: fewer expected orders than this and no interval means much
BOOTSTRAP_RESAMPLES = 2000


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    unreadable: str = ""  # why no interval is shown, in words

    @property
    def excludes_zero(self) -> bool:
        return not self.unreadable and (self.low > 0 or self.high < 0)

    def but(self, why: str) -> Estimate:
        return Estimate(self.value, self.low, self.high, why)


def wilson(k: int, n: int) -> Estimate:
    if n == 0:
        return Estimate(0.0, 0.0, 1.0)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return Estimate(k / n, float(low), float(high))


def difference(k1: int, n1: int, k2: int, n2: int) -> Estimate:
    """k1/n1 - k2/n2 with Newcombe's hybrid score interval."""
    if n1 == 0 or n2 == 0:
        return Estimate((k1 / n1 if n1 else 0.0) - (k2 / n2 if n2 else 0.0), -1.0, 1.0)
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    return Estimate(k1 / n1 - k2 / n2, float(low), float(high))


def mean_difference(x: Sequence[float], y: Sequence[float]) -> Estimate:
    """mean(x) - mean(y) with a percentile bootstrap over recipients (seeded)."""
    if not x or not y:
        return Estimate(0.0, -math.inf, math.inf)
    import numpy as np
    from scipy.stats import bootstrap

    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    value = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return Estimate(value, -math.inf, math.inf)

    def gap(s: np.ndarray, t: np.ndarray, axis: int) -> np.ndarray:
        return np.asarray(s.mean(axis=axis) - t.mean(axis=axis))

    result = bootstrap(
        (a, b),
        gap,
        vectorized=True,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(0),
    )
    low, high = result.confidence_interval
    return Estimate(value, float(low), float(high))


def readable(
    orders: int, sent: int, held_orders: int, held_out: int, control: str = "held-out shoppers"
) -> str:
    """What is missing, in words, when a group is too small to expect MIN_EXPECTED_ORDERS orders
    at the rate seen so far; empty when both are large enough. `control` names the group compared
    against (the holdout, or an experiment's first variant)."""
    if held_out == 0:
        return f"no {control}"
    rate = max(orders / sent if sent else 0.0, held_orders / held_out)
    if rate == 0:
        return "no orders in either group yet"
    needed = math.ceil(MIN_EXPECTED_ORDERS / rate)
    if held_out < needed:
        return f"not enough {control}: about {needed - held_out:,} more needed"
    if sent < needed:
        return f"not enough messages sent: about {needed - sent:,} more needed"
    return ""


def held_out_needed(rate: float, lift: float, ratio: float, power: float = 0.8) -> int | None:
    """Held-out shoppers needed for a two-sided test at 5% to find a relative `lift` in a
    conversion `rate` with the given power, when there are `ratio` held-out per sent (statsmodels'
    normal power for two proportions, Cohen's h); None when there is nothing to detect."""
    if rate <= 0 or ratio <= 0 or rate * (1 + lift) >= 1:
        return None
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    effect = abs(float(proportion_effectsize(rate * (1 + lift), rate)))
    sent = NormalIndPower().solve_power(effect_size=effect, alpha=0.05, power=power, ratio=ratio)
    return math.ceil(float(sent) * ratio)
