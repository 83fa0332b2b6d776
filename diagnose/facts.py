"""Facts one check hands another: typed, frozen values on a result, not paths into ``details``.

A check puts them on its :class:`~diagnose.check.Outcome` (``facts=``, or
:meth:`~diagnose.check.CheckRun.hand_on`); the runner copies them onto the
:class:`~diagnose.model.CheckResult`, where a dependant check reads one with
:meth:`~diagnose.check.CheckContext.fact` and a front end with
:meth:`~diagnose.model.CheckResult.fact`. The report's JSON is unchanged:
``details`` still carries the same values for people and scripts.

These types sit at the bottom layer (they import nothing of the project), so
any check, renderer or front end may use them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reached:
    """How the ``connectivity`` check reached the sign-in service."""

    host: str
    port: int
    address: str | None
    """The address a direct connection reached (the one a browser would use); None through a proxy,
    which resolves the name and connects itself."""
    proxy: str | None = None
    """The proxy the traffic goes through (redacted URL); None for a direct connection."""


@dataclass(frozen=True, slots=True)
class ClockOffset:
    """This device's clock as the ``clock`` check measured it."""

    offset_s: float
    """This device's time minus the true time, in seconds: positive means the device is ahead."""
    uncertainty_s: float
    """Half-width of the interval the true offset lies in (seconds, never negative)."""
    source: str
    """``ntp`` (time servers), ``http_date`` (web servers' ``Date`` headers), ``ntp+http_date`` (both
    agreed) or ``har`` (the answers' ``Date`` in a browser's recording against the browser's own clock:
    see :class:`RecordedClock`)."""
    sources: int = 1
    """How many independent time sources agreed on it."""
    confirmed: bool = True
    """False while one source alone says the clock is hours off (never enough for a verdict by itself);
    the clock check confirms it at the end of the run when the sign-in site's certificate dates agree."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.offset_s) and math.isfinite(self.uncertainty_s)) or self.uncertainty_s < 0:
            raise ValueError(f"not a measured clock offset: {self.offset_s!r} ± {self.uncertainty_s!r}")


@dataclass(frozen=True, slots=True)
class CertificateDates:
    """When the certificates the sign-in site sent are valid, as the ``certificate`` check read them.

    A witness for the time: a site's certificate is normally valid now, so a moment outside
    ``[valid_from, valid_until]`` by this device's clock but inside it by a measured offset tells the
    same story twice (the ``clock`` check reads it when reconciling).
    """

    host: str
    valid_from: float
    """Epoch seconds: the latest start of validity among the site's certificate and its intermediates."""
    valid_until: float
    """Epoch seconds: the earliest end of validity among them."""
    judged_at: float
    """Epoch seconds, by this device's clock, when the certificate check judged them."""

    def holds(self, moment: float, margin: float = 0.0) -> bool:
        """Whether every certificate is valid at ``moment`` (epoch seconds), ``margin`` seconds inside."""
        return self.valid_from + margin <= moment <= self.valid_until - margin


@dataclass(frozen=True, slots=True)
class RecordedClock:
    """The recording browser's clock, read from a HAR: each answer's ``Date`` against the browser's
    own ``startedDateTime`` (``login-doctor har``; positive offset: the device was ahead)."""

    offset_s: float
    uncertainty_s: float
    spread_s: float
    """Half the interquartile range of the per-answer offsets (how much the answers disagree)."""
    samples: int
    """Answers the estimate rests on (cached and slow answers are left out)."""
    sites: int
    at: float
    """When (epoch seconds, by the browser's clock) the recording was made."""
    odd_sites: tuple[tuple[str, float], ...] = ()
    """Sites whose own clock disagreed with the rest, (site, its offset): left out of the estimate."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.offset_s) and math.isfinite(self.uncertainty_s)) or self.uncertainty_s < 0:
            raise ValueError(f"not a measured clock offset: {self.offset_s!r} ± {self.uncertainty_s!r}")

    def offset(self) -> ClockOffset:
        """The same measurement as the live ``clock`` check's fact (``source`` ``har``)."""
        return ClockOffset(self.offset_s, self.uncertainty_s, "har")

    def as_json(self) -> dict[str, object]:
        return {"offset_s": round(self.offset_s, 3), "uncertainty_s": round(self.uncertainty_s, 3),
                "spread_s": round(self.spread_s, 3), "samples": self.samples, "sites": self.sites,
                "odd_sites": [{"site": s, "offset_s": round(o, 1)} for s, o in self.odd_sites]}


@dataclass(frozen=True, slots=True)
class Intercepted:
    """The ``certificate`` check found the connection to the sign-in site intercepted (HTTPS inspection)."""

    issuer: str
    """Who issued the certificate the device was shown."""
    product: str
    """The inspection product, in plain words (or what is known about an unknown one)."""
    root: str | None = None
    """The subject of the root certificate the device trusts the connection through, if any."""
    root_store: str | None = None
    """Where that root is installed: ``operating_system`` (any browser using the system's roots trusts it),
    ``ca_file`` (``--ca-file``), or None."""

    @property
    def installed_in_os(self) -> bool:
        """Whether the interception works because its root is installed in the operating system's store."""
        return self.root_store == "operating_system"


@dataclass(frozen=True, slots=True)
class OutOfTime:
    """A check stopped at a step because the run's deadline left no time to finish it."""

    step: str
    """The step's id, e.g. ``tls_handshake`` (stable: scripts may read it)."""
    title: str
    """The step in plain words, a noun phrase: "the TLS handshake with 192.0.2.1:443"."""
    seen: str
    """What the check had seen by then, in plain words."""
