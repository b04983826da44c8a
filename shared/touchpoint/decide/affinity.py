"""Time-decayed affinity that can be maintained with DynamoDB's atomic ADD.

A signal of weight w at time t is stored as w * 2^((t - EPOCH) / HALF_LIFE). Adding is
then plain addition, and the score now is the stored sum * 2^(-(now - EPOCH) / HALF_LIFE):
older signals count half as much every HALF_LIFE, with no rewrite of what is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
HALF_LIFE = timedelta(days=30)
WEIGHTS = {"viewed": 1.0, "carted": 3.0, "checkout": 2.0, "purchased": 5.0}
# 2^(t / 30 days) must stay inside DynamoDB's number range (about 1e125, 2^415): signals are
# dated no later than this; move EPOCH forward (and rescale stored values) before it is reached
LATEST = EPOCH + HALF_LIFE * 400
EARLIEST = EPOCH - HALF_LIFE * 400


def stored_weight(weight: float, at: datetime) -> float:
    at = min(max(at, EARLIEST), LATEST)  # an event dated far out (2115) cannot overflow the sum
    # four significant digits rank as well as seventeen, and keep each stored number 3 bytes, not 10
    return float(f"{weight * 2 ** ((at - EPOCH) / HALF_LIFE):.4g}")


def current(stored: float, now: datetime) -> float:
    return stored * 2 ** (-((now - EPOCH) / HALF_LIFE))


def top(affinity: dict[str, float], prefix: str, now: datetime, limit: int = 5) -> list[tuple[str, float]]:
    """The strongest keys with a prefix ("p:" products, "c:" categories), scored as of now."""
    scored = [
        (key[len(prefix) :], current(value, now)) for key, value in affinity.items() if key.startswith(prefix)
    ]
    return sorted(scored, key=lambda kv: (-kv[1], kv[0]))[:limit]


def best_hour(engagement: dict[int, int], minimum: int = 3) -> int | None:
    """The UTC hour the customer opens and clicks most, once there is enough to go on."""
    if sum(engagement.values()) < minimum:
        return None
    return max(sorted(engagement), key=lambda hour: engagement[hour])
