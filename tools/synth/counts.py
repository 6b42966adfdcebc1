"""Random counts: a count around a mean, and a count split over weighted slots whose parts
sum to it exactly (what makes every generated table add up).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from functools import cache
from itertools import accumulate


def draw_count(rnd: Callable[[], float], mean: float) -> int:
    """A non-negative count around `mean`: geometric for small means, spread for large ones."""
    if mean <= 0:
        return 0
    if mean < 4:
        p = mean / (1 + mean)
        x = 0
        while rnd() < p and x < 60:
            x += 1
        return x
    return int(mean * (0.5 + rnd()))


@cache
def _cumulative(weights: tuple[float, ...]) -> tuple[tuple[float, ...], float, int]:
    cumulative = tuple(accumulate(weights))
    return cumulative, cumulative[-1], len(weights) - 1


def split_count(rnd: Callable[[], float], n: int, weights: tuple[float, ...]) -> list[int]:
    """`n` split over slots by weight (parts sum to n exactly)."""
    out = [0] * len(weights)
    if n <= 0:
        return out
    if n <= 24:  # one draw per unit: small counts keep their lumpiness
        cumulative, top, last = _cumulative(weights)
        for _ in range(n):
            out[min(bisect_right(cumulative, rnd() * top), last)] += 1
        return out
    total_weight = sum(weights)
    anchor = max(range(len(weights)), key=weights.__getitem__)
    given = 0
    for i, w in enumerate(weights):
        if i != anchor:
            out[i] = int(n * w / total_weight * (0.6 + 0.8 * rnd()))
            given += out[i]
    while given > n:  # rare: take the excess back from the largest slot
        j = max(range(len(out)), key=out.__getitem__)
        take = min(out[j], given - n)
        out[j] -= take
        given -= take
    out[anchor] += n - given
    return out
