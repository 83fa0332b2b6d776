"""The device clock, read from a recording: each answer's ``Date`` against the browser's own time.

``startedDateTime`` is the browser's clock when it sent a request; the
server wrote ``Date`` (1-second resolution, truncated) somewhere between that
moment and the end of the answer. So each answer gives one estimate of the
offset (device minus server)::

    offset = started + time/2 − (Date + 0.5)      within ± (time/2 + 0.5) s

Answers from a cache (``_fromCache``, Safari's cache fetch types, 304s, an
``Age`` header) carry an old ``Date`` and are left out. The estimate is the
median over all answers; its spread (half the interquartile range) and the
typical half-duration widen the uncertainty. :class:`RecordedClock` is the
typed fact (:mod:`diagnose.facts`); :func:`checks.clock.judge` turns it into the TOTP band
exactly as for the live ``clock`` check. One site whose own clock disagrees
with the others by more than a minute is named (``clock.server_clock_off``)
and left out of the estimate.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from checks._har.navigation import host_of
from checks.redirects import registrable_domain
from diagnose.facts import RecordedClock
from diagnose.har.model import Recording

MAX_SAMPLE_SECONDS = 30.0
"""An answer that took longer than this says too little about when its Date was written."""
SITE_OFF_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Sample:
    site: str
    offset: float
    half_width: float
    entry: int


def samples(recording: Recording) -> list[Sample]:
    out = []
    for e in recording.entries:
        if e.date is None or e.started is None or e.status == 0 or e.from_cache:
            continue
        if e.age is not None and e.age.strip() not in ("", "0"):
            continue
        duration = max(e.time_ms or 0.0, 0.0) / 1000
        if duration > MAX_SAMPLE_SECONDS:
            continue
        try:
            server = parsedate_to_datetime(e.date).timestamp()
        except (TypeError, ValueError, OverflowError, IndexError):
            continue
        out.append(Sample(registrable_domain(host_of(e.url)), e.started + duration / 2 - (server + 0.5),
                          duration / 2 + 0.5, e.index))
    return out


def estimate(recording: Recording) -> RecordedClock | None:
    found = samples(recording)
    if not found:
        return None
    by_site: dict[str, list[float]] = defaultdict(list)
    for s in found:
        by_site[s.site].append(s.offset)
    site_medians = {site: statistics.median(v) for site, v in by_site.items()}
    overall = statistics.median(site_medians.values())
    odd = tuple(sorted((site, m) for site, m in site_medians.items()
                       if abs(m - overall) > SITE_OFF_SECONDS and len(site_medians) >= 3))
    kept = [s for s in found if s.site not in dict(odd)]
    offsets = sorted(s.offset for s in kept)
    median = statistics.median(offsets)
    if len(offsets) >= 4:
        q = statistics.quantiles(offsets, n=4)
        spread = (q[2] - q[0]) / 2
    else:
        spread = (offsets[-1] - offsets[0]) / 2
    half = statistics.median(s.half_width for s in kept)
    return RecordedClock(
        offset_s=median,
        uncertainty_s=max(half, spread),
        spread_s=spread,
        samples=len(kept),
        sites=len({s.site for s in kept}),
        at=min(e.started for e in recording.entries if e.started is not None),
        odd_sites=odd,
    )
