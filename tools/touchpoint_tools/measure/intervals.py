"""95% confidence intervals for the report: pure arithmetic, no statistics library needed.

Proportions use Wilson's score interval; the difference of two proportions (treated minus
holdout) uses Newcombe's hybrid score interval (method 10 of Newcombe, Statistics in Medicine
17:873-890, 1998), which behaves at small counts and at rates near zero, where the usual
Wald interval does not. Money per recipient uses Welch's normal interval on the means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def wilson(k: int, n: int, z: float = Z95) -> Estimate:
    if n == 0:
        return Estimate(0.0, 0.0, 1.0)
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half))


def difference(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> Estimate:
    """k1/n1 - k2/n2 with Newcombe's hybrid score interval."""
    a, b = wilson(k1, n1, z), wilson(k2, n2, z)
    d = a.value - b.value
    low = d - math.sqrt((a.value - a.low) ** 2 + (b.high - b.value) ** 2)
    high = d + math.sqrt((a.high - a.value) ** 2 + (b.value - b.low) ** 2)
    return Estimate(d, low, high)


def mean_difference(x: Sequence[float], y: Sequence[float], z: float = Z95) -> Estimate:
    """mean(x) - mean(y) with Welch's normal interval (large samples of per-recipient money)."""
    if not x or not y:
        return Estimate(0.0, -math.inf, math.inf)
    mx, my = sum(x) / len(x), sum(y) / len(y)
    vx = sum((v - mx) ** 2 for v in x) / max(1, len(x) - 1)
    vy = sum((v - my) ** 2 for v in y) / max(1, len(y) - 1)
    half = z * math.sqrt(vx / len(x) + vy / len(y))
    return Estimate(mx - my, mx - my - half, mx - my + half)
