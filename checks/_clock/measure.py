"""One clock run: its configuration, and measuring against NTP, then HTTP ``Date`` as fallback.

Every step is cut at the run's internal deadline (the run's deadline, or the
check's own timeout, minus a margin to conclude), and what was measured by
then is what is reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit

from checks._clock import ntp
from checks._clock.httpdate import HttpDateSource
from checks._clock.select import agreeing, select
from checks._clock.sources import NTP_PORT, NTP_TIMEOUT, Candidate, Measure, NtpSource, origin
from checks._clock.timebase import Timebase
from checks._clock.verdict import DEFAULT_WINDOW
from diagnose.check import Check, CheckContext, CheckRun
from diagnose.inputs.addresses import parse_endpoint
from diagnose.net import is_ip_literal
from diagnose.settings import Endpoint, UsageError

DNS_TIMEOUT = 2.5
"""Seconds to wait for a time server's name to resolve."""
MAX_NTP_SERVERS = 8
HTTP_MAX_REQUESTS = 8
"""Requests per HTTP Date source in the fallback: the interval halves with each one."""
SETTLED = 0.1
"""Seconds of combined uncertainty at which the HTTP Date fallback stops asking."""
SETTLE_POLL = 0.1
LONE_SOURCE_LIMIT = 3600.0
"""Seconds. One time source alone may put the clock minutes off, never an hour or more: a server that
is years off (an unset clock, an NTP era error: "1903") is far likelier than a device that is. Beyond
this, a verdict needs a second source that agrees (another time server, a web server's Date, or the
sign-in site's certificate dates at the end of the run)."""
DEADLINE_MARGIN = 1.0
"""Seconds kept free before the check's timeout for concluding and closing connections."""


class ClockRun(CheckRun):
    """State of one clock run: its configuration, its sources, its notes."""

    def __init__(self, check: Check, ctx: CheckContext) -> None:
        super().__init__(check, ctx, host=ctx.target.host)
        self.net = ctx.net
        self.tb = Timebase(ctx.clock)
        # The check's own deadline comes before the runner's: its timeout, or the whole run's
        # when that is shorter (the clock check starts with the run: it needs no other check).
        limit = min(self.deadline.remaining(), ctx.settings.timeout)
        self.until = self.tb.mono() + max(0.5, limit - min(DEADLINE_MARGIN, 0.2 * limit))
        """The monotonic instant by which measuring stops."""
        self.section = ctx.profile.section("clock")
        self.notes: list[str] = []
        self.window = self._window()
        self.ntp_sources: list[NtpSource] = []
        self.http_sources: list[HttpDateSource] = []
        self.target: HttpDateSource | None = None
        self.servers_from = ""

    # -- configuration ------------------------------------------------------------------

    def _window(self) -> int:
        value = self.section.get("totp_window_steps", DEFAULT_WINDOW)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10:
            return value
        self.notes.append(
            f"the profile's totp_window_steps {value!r} is not a whole number from 0 to 10; "
            f"{DEFAULT_WINDOW} was used"
        )
        return DEFAULT_WINDOW

    def _list(self, key: str) -> list[str]:
        value = self.section.get(key, [])
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        self.notes.append(f"the profile's [clock] {key} is not a list of strings; it was ignored")
        return []

    def ntp_endpoints(self) -> list[Endpoint]:
        if self.ctx.settings.ntp_servers:
            self.servers_from = "--ntp-server"
            endpoints = list(self.ctx.settings.ntp_servers)
        else:
            self.servers_from = "profile"
            endpoints = []
            for text in self._list("ntp_servers"):
                try:
                    endpoints.append(parse_endpoint(str(text), default_port=NTP_PORT, option="ntp_servers"))
                except UsageError as exc:
                    self.notes.append(f"ignored profile time server: {exc}")
        unique = list(dict.fromkeys(endpoints))
        if len(unique) > MAX_NTP_SERVERS:
            self.notes.append(f"only the first {MAX_NTP_SERVERS} time servers were asked")
        return unique[:MAX_NTP_SERVERS]

    def http_source(self, url: str, role: str) -> HttpDateSource | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.notes.append(f"ignored HTTP Date source {self.ctx.redact.url(url)!r}: not an http(s) address")
            return None
        return HttpDateSource(url, role, self.net, self.tb, self.ctx.redact)

    def fallback_sources(self) -> list[HttpDateSource]:
        seen = {origin(self.target.url)} if self.target is not None else set()
        out = []
        for url in self._list("http_date_sources"):
            source = self.http_source(str(url), "fallback")
            if source is not None and origin(source.url) not in seen:
                seen.add(origin(source.url))
                out.append(source)
        return out

    def nothing_configured(self) -> bool:
        """No time server and no web time source configured: only the site's own Date was there."""
        return not self.ntp_sources and not self.section.get("http_date_sources")

    def offline(self) -> bool:
        """Every time server is a name and none resolved: nothing resolves, so ask no one else."""
        return bool(self.ntp_sources) and all(
            s.address is None and not is_ip_literal(s.endpoint.host) for s in self.ntp_sources
        )

    # -- measuring ----------------------------------------------------------------------

    async def measure(self) -> Measure:
        """NTP first; the sign-in site's ``Date`` alongside; other ``Date`` sources if NTP gives nothing."""
        # The sign-in site's Date is read from the start, alongside NTP: its first answer gives
        # the site's own clock; if NTP then fails, it has already been refined for a while.
        self.target = self.http_source(self.ctx.target.url, "target")
        tasks: list[asyncio.Task[None]] = []
        if self.target is not None:
            self.http_sources.append(self.target)
            tasks.append(asyncio.create_task(self.target.refine(HTTP_MAX_REQUESTS, self.until)))
        measure = Measure()
        try:
            await self.query_ntp(self.ntp_endpoints())
            await self._choose(measure, tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for source in self.http_sources:
                await source.aclose()
        return measure

    async def _choose(self, measure: Measure, tasks: list[asyncio.Task[None]]) -> None:
        """The time servers' answers when they settle it; else (none answered, no majority, or one
        server alone says the clock is hours off) the web servers' ``Date`` headers too."""
        ntp_candidates = [Candidate(s.name, s.interval, s) for s in self.ntp_sources if s.interval]
        if ntp_candidates and settled(ntp_candidates):
            measure.method = "ntp"
            measure.candidates = ntp_candidates
            if self.target is not None:
                await self.target.first_done.wait()  # bounded: the request ends at the deadline
            return
        if ntp_candidates:
            self.notes.append(
                "the time servers alone did not settle the time (no majority, or a single server saying the "
                "clock is hours off), so web servers' Date headers were read too"
            )
        await self.fallback(tasks)
        web = [Candidate(self.ctx.redact.url(s.url), s.interval, s) for s in self.http_sources if s.interval]
        measure.candidates = ntp_candidates + web
        if measure.candidates:
            measure.method = "ntp+http_date" if ntp_candidates and web else "ntp" if ntp_candidates else "http_date"

    async def query_ntp(self, endpoints: Sequence[Endpoint]) -> None:
        self.ntp_sources = [NtpSource(e) for e in endpoints]
        await asyncio.gather(*(self.query_one(s) for s in self.ntp_sources))

    async def query_one(self, source: NtpSource) -> None:
        host, port = source.endpoint.host, source.endpoint.port
        if is_ip_literal(host):
            source.address, source.resolver = host, "address given"
        elif not await self._resolve(source):
            return
        assert source.address is not None
        remaining = self.until - self.tb.mono()
        if remaining <= 0.05:
            source.result = ntp.NoReply.TIMEOUT
            return
        source.result = await ntp.exchange(self.net, source.address, port, self.tb.now, min(NTP_TIMEOUT, remaining))

    async def _resolve(self, source: NtpSource) -> bool:
        host, port = source.endpoint.host, source.endpoint.port
        resolver = self.net.resolver_for(host, port)
        source.resolver = resolver.label
        try:
            async with asyncio.timeout(max(0.05, min(DNS_TIMEOUT, self.until - self.tb.mono()))):
                lookup = await resolver.lookup(host)
        except TimeoutError:
            source.lookup_error = f"the name did not resolve within {DNS_TIMEOUT:g} s"
            return False
        if not lookup.ok:
            source.lookup_error = f"the name could not be looked up ({lookup.detail or lookup.error})"
            return False
        v4 = [a for a in lookup.addresses if ":" not in a]
        source.address = (v4 or list(lookup.addresses))[0]
        return True

    async def fallback(self, tasks: list[asyncio.Task[None]]) -> None:
        """No usable time server: keep refining the sign-in site's Date, and ask the profile's
        HTTP Date sources too (unless nothing resolves: then no one else is asked)."""
        if self.offline():
            self.notes.append("no time server's name resolved, so no other time source was asked")
            others: list[HttpDateSource] = []
        else:
            others = self.fallback_sources()
        self.http_sources.extend(others)
        tasks.extend(asyncio.create_task(s.refine(HTTP_MAX_REQUESTS, self.until)) for s in others)
        jobs = dict(zip(self.http_sources, tasks, strict=True))
        pending = set(tasks)
        while pending:
            _done, pending = await asyncio.wait(pending, timeout=SETTLE_POLL)
            for task in _done:
                task.result()  # a bug in refining is not swallowed
            if pending and self.settled(jobs):
                return  # the tasks still running are cancelled by the caller

    def settled(self, jobs: dict[HttpDateSource, asyncio.Task[None]]) -> bool:
        """Enough to conclude: every source has answered twice (or is done), and a majority
        agrees to within :data:`SETTLED`. Each source need not be narrow itself: the
        intersection is what the offset comes from."""
        if any(not task.done() and len(source.fresh) < 2 for source, task in jobs.items()):
            return False
        chosen = select([s.interval for s in jobs if s.interval is not None])
        return chosen is not None and chosen.uncertainty <= SETTLED


def settled(candidates: Sequence[Candidate]) -> bool:
    """Whether time servers alone settle the time: a majority of two or more agrees, or a single source
    puts the clock less than :data:`LONE_SOURCE_LIMIT` off."""
    chosen = agreeing([c.interval for c in candidates])
    if chosen is None:
        return False
    return len(chosen.truechimers) >= 2 or abs(chosen.offset) - chosen.uncertainty < LONE_SOURCE_LIMIT
