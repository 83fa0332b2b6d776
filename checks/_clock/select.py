"""Which sources tell the truth: RFC 5905 §11.2.1 interval intersection (Marzullo's algorithm).

Each source gives a correctness interval that contains the true offset if
the source is honest: ``[θ − λ, θ + λ]`` for NTP (λ = root distance), the
bounds of the bisection for HTTP ``Date``. Allowing ``f`` falsetickers, the
algorithm looks for the lowest and highest points covered by at least
``n − f`` intervals, trying f = 0, 1, … while ``n − f`` is still a strict
majority. Sources whose interval meets that region are truechimers, the
others falsetickers. When no majority region exists, the sources disagree
and the answer is "inconclusive", never a guess.

The estimate is the midpoint of the region, and the uncertainty its half
width: every offset in the region is consistent with every truechimer, so
reporting less would be claiming knowledge we do not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Selection:
    """The agreed region and who agreed to it."""

    low: float
    high: float
    truechimers: tuple[int, ...]
    """Indexes (into the input) of the sources whose interval meets the region."""
    falsetickers: tuple[int, ...]
    agreeing: int
    """How many intervals cover the region (``n − f``)."""

    @property
    def offset(self) -> float:
        return (self.low + self.high) / 2

    @property
    def uncertainty(self) -> float:
        return (self.high - self.low) / 2


def _region(intervals: Sequence[tuple[float, float]], k: int) -> tuple[float, float] | None:
    """The lowest and highest points covered by at least ``k`` of the closed intervals."""
    # At equal values a start (0) sorts before an end (1): touching intervals overlap.
    points = sorted([(lo, 0) for lo, _ in intervals] + [(hi, 1) for _, hi in intervals])
    low = None
    count = 0
    for value, kind in points:
        if kind == 0:
            count += 1
            if count >= k:
                low = value
                break
        else:
            count -= 1
    high = None
    count = 0
    for value, kind in reversed(points):
        if kind == 1:
            count += 1
            if count >= k:
                high = value
                break
        else:
            count -= 1
    if low is None or high is None or low > high:
        return None
    return low, high


def select(intervals: Sequence[tuple[float, float]]) -> Selection | None:
    """Intersect the intervals; None when no strict majority agrees on any offset."""
    n = len(intervals)
    if n == 0:
        return None
    f = 0
    while 2 * f < n:
        region = _region(intervals, n - f)
        if region is not None:
            low, high = region
            true = tuple(i for i, (lo, hi) in enumerate(intervals) if lo <= high and hi >= low)
            false = tuple(i for i in range(n) if i not in true)
            return Selection(low, high, true, false, n - f)
        f += 1
    return None
