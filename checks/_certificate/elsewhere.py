"""The vendor's other official sites' certificates: a witness for the device clock when nothing measured it.

A certificate that looks expired by many days on one site may really be
expired. When the certificates of the vendor's *other* official sites (the
profile's sign-in addresses and support site, other hosts than this one, with
other certificates) look out of date by this device's clock too, in the same
direction, and one moment makes every one of them valid, the likely cause is
this device's clock, not several sites forgetting to renew at once. The
moment they agree on bounds the clock's error: a device whose clock makes a
certificate valid until 1 March look expired on 10 April is at least 40 days
ahead.

The sites are read only when a certificate of the sign-in site is out of
date by more than :data:`SUSPECT_DAYS` by this device's clock (a rare case),
concurrently, one handshake each that verifies and sends nothing else, within
:data:`BUDGET` seconds of the check's time. The re-judging itself happens at
the end of the run (:func:`checks._certificate.dating.rejudge`), and only when
the ``clock`` check measured no offset: a measured offset always wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from checks._certificate.describe import Cert, iso, load_der
from checks._certificate.state import CertificateRun

SUSPECT_DAYS = 3
"""A certificate out of date by more than this many days (by this device's clock) is worth a second look:
renewal slips of a day or two happen; a clock error shows as many days at once."""

BUDGET = 3.0
"""Seconds for reading the other sites' certificates, all at once (less when the check's deadline is nearer)."""

MAX_SITES = 3


@dataclass(frozen=True)
class OtherSite:
    """One other official site and the dates of the certificate it sent (or why there are none)."""

    host: str
    port: int
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    fingerprint: str = ""
    error: str = ""

    @property
    def read(self) -> bool:
        return self.not_before is not None and self.not_after is not None

    def out_of_date(self, device_now: dt.datetime, *, ahead: bool) -> bool:
        """Whether this device's clock makes the certificate look expired (``ahead``) or not yet valid."""
        if self.not_before is None or self.not_after is None:
            return False
        return device_now > self.not_after if ahead else device_now < self.not_before

    def describe(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "not_before": iso(self.not_before) if self.not_before else None,
            "not_after": iso(self.not_after) if self.not_after else None,
            "fingerprint_sha256": self.fingerprint or None,
            "error": self.error or None,
        }


def common_window(windows: Iterable[tuple[dt.datetime, dt.datetime]]) -> tuple[dt.datetime, dt.datetime] | None:
    """The moments at which every window holds, or None when there is none."""
    spans = list(windows)
    if not spans:
        return None
    low = max(w[0] for w in spans)
    high = min(w[1] for w in spans)
    return (low, high) if low <= high else None


def implied_offset(device_now: dt.datetime, window: tuple[dt.datetime, dt.datetime]) -> tuple[float, float]:
    """The range of this device's clock error (seconds, positive: ahead) that makes the true time fall in
    ``window``."""
    low, high = window
    return (device_now - high).total_seconds(), (device_now - low).total_seconds()


def official_sites(run: CertificateRun) -> list[tuple[str, int]]:
    """(host, port) of the profile's sign-in addresses and support site, other than the one checked."""
    profile = run.ctx.profile
    seen = {(run.host, run.port)}
    out: list[tuple[str, int]] = []
    for url in (*profile.signin_urls, profile.default_url, profile.support_url):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            continue
        try:
            port = parts.port or 443
        except ValueError:
            continue
        site = (parts.hostname.lower().rstrip("."), port)
        if site not in seen:
            seen.add(site)
            out.append(site)
    return out[:MAX_SITES]


async def look_elsewhere(run: CertificateRun, days_off: int) -> tuple[OtherSite, ...]:
    """The other official sites' certificates, when the sign-in site's look out of date by more than
    :data:`SUSPECT_DAYS` (else nothing is read). Recorded in ``details["other_official_sites"]``."""
    sites = official_sites(run)
    if days_off <= SUSPECT_DAYS or not sites:
        return ()
    budget = run.budget(BUDGET)
    if budget.exhausted:
        return ()
    read: dict[tuple[str, int], OtherSite] = {}
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(budget.seconds):
            await asyncio.gather(*(_read(run, host, port, read) for host, port in sites))
    found = tuple(read.get((h, p), OtherSite(h, p, error="no answer in time")) for h, p in sites)
    run.details["other_official_sites"] = {
        "why": f"a certificate of {run.host} is out of date by {days_off} days by this device's clock",
        "sites": [o.describe() for o in found],
    }
    return found


async def _read(run: CertificateRun, host: str, port: int, into: dict[tuple[str, int], OtherSite]) -> None:
    net = run.ctx.net
    lookup = await net.lookup(host, port)
    if not lookup.ok or not lookup.addresses:
        into[(host, port)] = OtherSite(host, port, error=f"the name could not be looked up ({lookup.error})")
        return
    fetched = await net.fetch_chain(str(lookup.addresses[0]), port, host)
    if not fetched.ok or not fetched.certificates:
        into[(host, port)] = OtherSite(host, port, error=fetched.detail or fetched.error or "no certificate sent")
        return
    try:
        leaf = Cert(load_der(fetched.certificates[0]), "sent", 0)
    except ValueError as exc:
        into[(host, port)] = OtherSite(host, port, error=f"unreadable certificate ({exc})")
        return
    into[(host, port)] = OtherSite(host, port, leaf.not_before, leaf.not_after, leaf.fingerprint)
