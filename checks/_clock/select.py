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

Agreement has a floor (:func:`agreeing`): loopback and LAN exchanges give
intervals of a few milliseconds, so two honest servers 10 ms apart would not
intersect and would be called disagreeing, although for 30-second codes they
say the same thing. Sources are therefore *selected* with each interval
widened by :data:`AGREE_WITHIN` / 2 on each side (two sources agree when they
come within that of each other), and the estimate is then taken from the
truechimers' own, unwidened intervals: their intersection, or, when even the
truechimers do not quite meet, the hull of them (every offset any of them
allows, so the uncertainty stays honest). Falsetickers are still named: a
source that is further than that from the majority is one.
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


AGREE_WITHIN = 0.5
"""Seconds within which two sources' intervals count as agreeing when selecting. Irrelevant to TOTP
(a step is 30 s) and to every tolerance the check reports (Kerberos 5 min, SAML 3 min); htpdate drops
sources more than 0.5 s from the median. A source further than this from the majority is a falseticker."""


def agreeing(intervals: Sequence[tuple[float, float]], within: float = AGREE_WITHIN) -> Selection | None:
    """:func:`select` on the intervals widened by ``within`` / 2 each side, with the region taken from the
    truechimers' own intervals (their intersection, else their hull); None when no majority agrees."""
    pad = within / 2
    chosen = select([(lo - pad, hi + pad) for lo, hi in intervals])
    if chosen is None:
        return None
    own = [intervals[i] for i in chosen.truechimers]
    low, high = max(lo for lo, _ in own), min(hi for _, hi in own)
    if low > high:
        low, high = min(lo for lo, _ in own), max(hi for _, hi in own)
    return Selection(low, high, chosen.truechimers, chosen.falsetickers, chosen.agreeing)


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
