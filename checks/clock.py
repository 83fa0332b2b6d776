"""The ``clock`` check: will authenticator codes be accepted with this device's clock?

It measures how far the local clock is from real time, with an honest error
bound, and says what that does to sign-in:

1. **NTP**: the profile's time servers (or ``--ntp-server``), resolved through
   the run's resolvers (pins and the lab's DNS apply) and queried
   concurrently, one packet each. Every reply is validated here (server mode,
   our nonce echoed, no Kiss-o'-Death, synchronised, sane root distance; see
   :mod:`checks._clock.ntp`), then the good ones are intersected RFC 5905
   style (:mod:`checks._clock.select`): falsetickers are named, and when no
   majority agrees the answer is "inconclusive", not a guess.
2. **HTTP Date fallback**: when no time server gives a usable answer (UDP
   123 is often blocked), the ``Date`` headers of the sign-in site and the
   profile's ``http_date_sources`` are read and refined below one second
   around the second boundary (the htpdate method,
   :mod:`checks._clock.httpdate`); cached answers (``Age``) are discarded.
3. **Verdict**: the offset in 30-second TOTP steps against the profile's
   window ``w``: under ``30·w`` s pass, up to ``30·(w+1)`` s warn, beyond fail,
   judged on the worst case the uncertainty allows
   (:mod:`checks._clock.verdict`). Kerberos (5 min) and SAML (about 3 min)
   tolerances, and the sign-in site's own clock (from its ``Date``), are
   reported as information.

No source, no verdict: without at least one validated source the check
never passes; it ends with ``clock.no_time_source``, and the checklist item
never reads as passed. Its status is ``error`` ("could not decide") when
time sources were there but none gave a usable answer (silent, invalid,
cached), and ``skip`` when there was nothing to measure against: no time
server's name resolves (offline: the connectivity check reports that) or the
profile configures no time source, and the sign-in site gives no usable
``Date`` either. No time
server is ever contacted by a literal address unless the person typed one
with ``--ntp-server``: when names do not resolve (offline), the check ends
at once. The whole check stays inside its own timeout: every step is cut at
an internal deadline, and what was measured by then is what is reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from checks._clock import ntp
from checks._clock.httpdate import HttpDateSource
from checks._clock.select import Selection, select
from checks._clock.timebase import Timebase
from checks._clock.verdict import (
    DEFAULT_WINDOW,
    KERBEROS_TOLERANCE,
    SAML_EXAMPLES,
    SAML_TOLERANCE,
    TOTP_STEP,
    Band,
    Verdict,
    duration_text,
    judge,
    local_text,
    offset_text,
    uncertainty_text,
    utc_text,
)
from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.model import Finding, Severity, Status
from diagnose.net import is_ip_literal
from diagnose.settings import Endpoint, UsageError, parse_endpoint

NTP_PORT = 123
NTP_TIMEOUT = 2.0
"""Seconds to wait for one NTP reply; UDP 123 that is blocked simply never answers."""
DNS_TIMEOUT = 2.5
"""Seconds to wait for a time server's name to resolve."""
MAX_NTP_SERVERS = 8
HTTP_MAX_REQUESTS = 8
"""Requests per HTTP Date source in the fallback: the interval halves with each one."""
SETTLED = 0.1
"""Seconds of combined uncertainty at which the HTTP Date fallback stops asking."""
SETTLE_POLL = 0.1
DEADLINE_MARGIN = 1.0
"""Seconds kept free before the check's timeout for concluding and closing connections."""


class ClockCheck(Check):
    id = "clock"
    title = "Your device clock is in sync"
    failure_title = "Your device clock is not in sync"
    description = (
        "Measures how far this device's clock is from the correct time, against time servers (NTP) "
        "or, when NTP is blocked, web servers' Date headers, with an honest error bound; says whether "
        "authenticator (TOTP) codes made with this clock will be accepted, and checks the sign-in "
        "site's own clock."
    )
    timeout = 8.0
    findings = load_catalogue("clock")

    async def run(self, ctx: CheckContext) -> Outcome:
        return await _Run(self, ctx).go()

    @classmethod
    def result_title(cls, status: Status) -> str:
        if status in (Status.ERROR, Status.SKIP):
            return "Your device clock could not be checked"
        return super().result_title(status)


# ----------------------------------------------------------------------------- NTP sources


@dataclass
class NtpSource:
    """One configured time server: its lookup, its reply, and what became of it."""

    endpoint: Endpoint
    address: str | None = None
    resolver: str = ""
    lookup_error: str = ""
    result: ntp.Measurement | ntp.Rejected | ntp.NoReply | None = None
    role_in_selection: str = ""
    """After selection: ``truechimer``, ``falseticker`` or ``candidate`` (no majority)."""

    @property
    def name(self) -> str:
        return str(self.endpoint) if self.endpoint.port != NTP_PORT else self.endpoint.host

    @property
    def measurement(self) -> ntp.Measurement | None:
        return self.result if isinstance(self.result, ntp.Measurement) else None

    @property
    def interval(self) -> tuple[float, float] | None:
        m = self.measurement
        return m.interval if m else None

    @property
    def outcome(self) -> str:
        if self.address is None:
            return "unresolved"
        if isinstance(self.result, ntp.NoReply):
            return "no_reply"
        if isinstance(self.result, ntp.Rejected):
            return "rejected"
        return self.role_in_selection or "measured"

    @property
    def reason(self) -> str:
        if self.address is None:
            return self.lookup_error
        if isinstance(self.result, ntp.NoReply):
            return {
                ntp.NoReply.TIMEOUT: f"no reply within {NTP_TIMEOUT:g} s (UDP port 123 blocked or the server is down)",
                ntp.NoReply.REFUSED: "the port is closed (ICMP port unreachable)",
                ntp.NoReply.UNREACHABLE: "the address cannot be reached from this device",
            }[self.result]
        if isinstance(self.result, ntp.Rejected):
            return self.result.reason
        if self.role_in_selection == "falseticker":
            return "its time disagrees with the majority of the sources"
        return ""

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "ntp",
            "server": self.endpoint.host,
            "port": self.endpoint.port,
            "address": self.address,
            "resolver": self.resolver or None,
            "result": self.outcome,
            "validated": self.measurement is not None,
            "reason": self.reason or None,
        }
        m = self.measurement
        if m is not None:
            lo, hi = m.interval
            out.update(
                offset_s=round(m.offset, 6),
                delay_s=round(m.delay, 6),
                root_distance_s=round(m.root_distance, 6),
                interval_s=[round(lo, 6), round(hi, 6)],
            )
            out.update(ntp.packet_evidence(m.packet))
        elif isinstance(self.result, ntp.Rejected):
            out.update(ntp.packet_evidence(self.result.packet))
            if self.result.kiss_code:
                out["kiss_code"] = self.result.kiss_code
        return out


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A validated source taking part in the intersection."""

    label: str
    interval: tuple[float, float]
    source: NtpSource | HttpDateSource


@dataclass
class _Measure:
    """The combined result: offset (local − true) and uncertainty, or why there is none."""

    method: str | None = None
    candidates: list[_Candidate] = field(default_factory=list)
    selection: Selection | None = None
    offset: float | None = None
    uncertainty: float | None = None
    verdict: Verdict | None = None
    disagree: bool = False


# ----------------------------------------------------------------------------- the run


class _Run:
    """State of one clock run."""

    REJECTION_CODES: ClassVar[dict[ntp.Rejection, str]] = {
        ntp.Rejection.KISS_O_DEATH: "clock.ntp_kiss_of_death",
        ntp.Rejection.UNSYNCHRONISED: "clock.ntp_unsynchronised",
        ntp.Rejection.BAD_REPLY: "clock.ntp_bad_reply",
    }

    def __init__(self, check: ClockCheck, ctx: CheckContext) -> None:
        self.check = check
        self.ctx = ctx
        self.net = ctx.net
        self.tb = Timebase(ctx.clock)
        # The check's own deadline comes before the runner's: its timeout, or the whole run's
        # when that is shorter (the clock check starts with the run: it needs no other check).
        limit = min(check.timeout, ctx.settings.timeout)
        self.deadline = self.tb.mono() + max(0.5, limit - min(DEADLINE_MARGIN, 0.2 * limit))
        self.section = ctx.profile.section("clock")
        self.facts = {**ctx.profile.facts_for_messages(), "host": ctx.target.host}
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.window = self._window()
        self.ntp_sources: list[NtpSource] = []
        self.http_sources: list[HttpDateSource] = []
        self.target: HttpDateSource | None = None
        self.servers_from = ""

    def add(self, code: str, *, severity: Severity | None = None, message: str | None = None, **evidence: Any) -> None:
        self.findings.append(
            self.check.finding(code, evidence=evidence, facts=self.facts, severity=severity, message=message)
        )

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

    def _ntp_endpoints(self) -> list[Endpoint]:
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

    def _http_source(self, url: str, role: str) -> HttpDateSource | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.notes.append(f"ignored HTTP Date source {self.ctx.redact.url(url)!r}: not an http(s) address")
            return None
        return HttpDateSource(url, role, self.net, self.tb, self.ctx.redact)

    def _fallback_sources(self) -> list[HttpDateSource]:
        seen = set()
        if self.target is not None:
            seen.add(_origin(self.target.url))
        out = []
        for url in self._list("http_date_sources"):
            source = self._http_source(str(url), "fallback")
            if source is not None and _origin(source.url) not in seen:
                seen.add(_origin(source.url))
                out.append(source)
        return out

    # -- measuring ----------------------------------------------------------------------

    async def go(self) -> Outcome:
        # The sign-in site's Date is read from the start, alongside NTP: its first answer gives
        # the site's own clock; if NTP then fails, it has already been refined for a while.
        self.target = self._http_source(self.ctx.target.url, "target")
        tasks: list[asyncio.Task[None]] = []
        if self.target is not None:
            self.http_sources.append(self.target)
            tasks.append(asyncio.create_task(self.target.refine(HTTP_MAX_REQUESTS, self.deadline)))
        measure = _Measure()
        try:
            await self.query_ntp(self._ntp_endpoints())
            validated = [s for s in self.ntp_sources if s.measurement is not None]
            if validated:
                measure.method = "ntp"
                measure.candidates = [_Candidate(s.name, s.interval, s) for s in validated if s.interval]
                if self.target is not None:
                    await self.target.first_done.wait()  # bounded: the request ends at the deadline
            else:
                await self.fallback(tasks)
                usable = [s for s in self.http_sources if s.interval is not None]
                if usable:
                    measure.method = "http_date"
                    measure.candidates = [
                        _Candidate(self.ctx.redact.url(s.url), s.interval, s) for s in usable if s.interval
                    ]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for source in self.http_sources:
                await source.aclose()
        self.combine(measure)
        return self.conclude(measure)

    async def query_ntp(self, endpoints: Sequence[Endpoint]) -> None:
        self.ntp_sources = [NtpSource(e) for e in endpoints]
        await asyncio.gather(*(self.query_one(s) for s in self.ntp_sources))

    async def query_one(self, source: NtpSource) -> None:
        host, port = source.endpoint.host, source.endpoint.port
        if is_ip_literal(host):
            source.address, source.resolver = host, "address given"
        else:
            resolver = self.net.resolver_for(host, port)
            source.resolver = resolver.label
            try:
                async with asyncio.timeout(max(0.05, min(DNS_TIMEOUT, self.deadline - self.tb.mono()))):
                    lookup = await resolver.lookup(host)
            except TimeoutError:
                source.lookup_error = f"the name did not resolve within {DNS_TIMEOUT:g} s"
                return
            if not lookup.ok:
                source.lookup_error = f"the name could not be looked up ({lookup.detail or lookup.error})"
                return
            v4 = [a for a in lookup.addresses if ":" not in a]
            source.address = (v4 or list(lookup.addresses))[0]
        remaining = self.deadline - self.tb.mono()
        if remaining <= 0.05:
            source.result = ntp.NoReply.TIMEOUT
            return
        source.result = await ntp.exchange(self.net, source.address, port, self.tb.now, min(NTP_TIMEOUT, remaining))

    def offline(self) -> bool:
        """Every time server is a name and none resolved: nothing resolves, so ask no one else."""
        return bool(self.ntp_sources) and all(
            s.address is None and not is_ip_literal(s.endpoint.host) for s in self.ntp_sources
        )

    async def fallback(self, tasks: list[asyncio.Task[None]]) -> None:
        """No usable time server: keep refining the sign-in site's Date, and ask the profile's
        HTTP Date sources too (unless nothing resolves: then no one else is asked)."""
        if self.offline():
            self.notes.append("no time server's name resolved, so no other time source was asked")
            others: list[HttpDateSource] = []
        else:
            others = self._fallback_sources()
        self.http_sources.extend(others)
        tasks.extend(asyncio.create_task(s.refine(HTTP_MAX_REQUESTS, self.deadline)) for s in others)
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

    # -- combining ----------------------------------------------------------------------

    def combine(self, measure: _Measure) -> None:
        if not measure.candidates:
            return
        selection = select([c.interval for c in measure.candidates])
        measure.selection = selection
        if selection is not None:
            for i, candidate in enumerate(measure.candidates):
                _set_role(candidate.source, "truechimer" if i in selection.truechimers else "falseticker")
            measure.offset, measure.uncertainty = selection.offset, selection.uncertainty
            measure.verdict = judge(selection.offset, selection.uncertainty, self.window)
            return
        # No majority. If every source still puts the clock in the same band, that band is
        # no guess: say it, and say that the sources disagree. Otherwise: inconclusive.
        measure.disagree = True
        for candidate in measure.candidates:
            _set_role(candidate.source, "candidate")
        low = min(c.interval[0] for c in measure.candidates)
        high = max(c.interval[1] for c in measure.candidates)
        verdict = judge((low + high) / 2, (high - low) / 2, self.window)
        if verdict.certain:
            measure.offset, measure.uncertainty = (low + high) / 2, (high - low) / 2
            measure.verdict = verdict

    # -- concluding ---------------------------------------------------------------------

    def conclude(self, measure: _Measure) -> Outcome:
        self.report_rejections()
        self.report_ntp_blocked(measure)
        for source in self.http_sources:
            if source.cached:
                self.add(
                    "clock.http_date_cached",
                    source=self.ctx.redact.url(source.url),
                    age=source.cached[0].age,
                    date_header=source.cached[0].date_header,
                )
        if measure.selection is not None and measure.selection.falsetickers:
            names = [measure.candidates[i].label for i in measure.selection.falsetickers]
            self.add(
                "clock.falseticker",
                names=", ".join(names),
                falsetickers=[_candidate_evidence(measure.candidates[i]) for i in measure.selection.falsetickers],
            )

        now = self.tb.now()
        details = self.details(measure, now)
        status: Status | None = None
        if measure.disagree:
            self.report_disagreement(measure)
        if measure.verdict is None or measure.offset is None or measure.uncertainty is None:
            status = Status.ERROR
            if not measure.candidates:
                why = self.no_source_reason()
                self.add("clock.no_time_source", why=why)
                summary = f"The clock could not be checked: {why}"
                details["verdict"] = "no_time_source"
                if self.nothing_configured() or self.offline():
                    # Not a failure to measure: there was nothing to measure against (no source
                    # configured, or none reachable by name: offline, which connectivity reports).
                    status = Status.SKIP
                    summary = f"Skipped: {why}"
            else:
                summary = "The time sources disagree, so this device's clock offset cannot be told."
                details["verdict"] = "inconclusive"
            return self.check.outcome(summary, self.findings, details, status)

        summary = self.report_verdict(measure, now)
        self.report_kerberos(measure)
        server_note = self.report_server_clock(measure, details)
        return self.check.outcome(summary + server_note, self.findings, details, status)

    def report_rejections(self) -> None:
        for source in self.ntp_sources:
            if isinstance(source.result, ntp.Rejected):
                rejected = source.result
                self.add(
                    self.REJECTION_CODES[rejected.kind],
                    server=source.name,
                    reason=rejected.reason,
                    kiss_code=rejected.kiss_code or None,
                    kiss_meaning=ntp.KISS_CODES.get(rejected.kiss_code, "unknown") if rejected.kiss_code else None,
                    **ntp.packet_evidence(rejected.packet),
                )

    def report_ntp_blocked(self, measure: _Measure) -> None:
        asked = [s for s in self.ntp_sources if s.address is not None]
        if not asked or any(not isinstance(s.result, ntp.NoReply) for s in asked):
            return
        if measure.method == "http_date":
            fallback = "The time was measured from web servers' clocks instead (their HTTP Date headers)."
        else:
            fallback = "No web server's clock could be read instead."
        self.add(
            "clock.ntp_blocked",
            servers=", ".join(s.name for s in asked),
            fallback=fallback,
            replies={s.name: str(s.result) for s in asked},
        )

    def report_disagreement(self, measure: _Measure) -> None:
        candidates = "; ".join(
            f"by {c.label} this clock is {offset_text((c.interval[0] + c.interval[1]) / 2)}"
            for c in measure.candidates
        )
        evidence: dict[str, Any] = {"candidates": candidates, "sources": [_candidate_evidence(c) for c in measure.candidates]}
        if measure.verdict is not None:
            message = (
                f"The time sources disagree ({candidates}) and no majority of them agrees on the time; "
                "but all of them put this clock in the same range, so the verdict below holds."
            )
            self.add("clock.sources_disagree", severity=Severity.INFO, message=message, **evidence)
        else:
            self.add("clock.sources_disagree", **evidence)

    def report_verdict(self, measure: _Measure, now: float) -> str:
        assert measure.verdict is not None and measure.offset is not None and measure.uncertainty is not None
        offset, unc, verdict = measure.offset, measure.uncertainty, measure.verdict
        count = len(measure.selection.truechimers) if measure.selection else len(measure.candidates)
        kind = "time server" if measure.method == "ntp" else "web server's Date header"
        plural = "time servers" if measure.method == "ntp" else "web servers' Date headers"
        source_text = f"{count} {kind if count == 1 else plural}"
        evidence: dict[str, Any] = {
            "offset_s": round(offset, 6),
            "uncertainty_s": round(unc, 6),
            "offset_text": offset_text(offset),
            "uncertainty_text": uncertainty_text(unc),
            "totp_steps": round(offset / TOTP_STEP, 3),
            "window_steps": self.window,
            "window_s": f"{TOTP_STEP * self.window:g}",
            "limit_s": f"{TOTP_STEP * (self.window + 1):g}",
            "reference_utc": utc_text(now - offset),
            "reference_local": local_text(now - offset),
            "device_local": local_text(now),
            "source_text": source_text,
            "method": measure.method,
            "band_certain": verdict.certain,
        }
        self.add(f"clock.{verdict.band.value}", **evidence)
        about = f"{offset_text(offset)} ({uncertainty_text(unc)}, measured against {source_text})"
        if verdict.band is Band.IN_SYNC:
            return f"This device's clock is {about}: authenticator codes made with it will be accepted."
        if verdict.band is Band.INTERMITTENT:
            return f"This device's clock is {about}: authenticator codes made with it will work only some of the time."
        return f"This device's clock is {about}: authenticator codes made with it will be rejected."

    def report_kerberos(self, measure: _Measure) -> None:
        if measure.verdict is not None and measure.verdict.best_abs > KERBEROS_TOLERANCE:
            assert measure.offset is not None
            self.add("clock.kerberos_skew", offset_text=offset_text(measure.offset), tolerance_s=KERBEROS_TOLERANCE)

    def report_server_clock(self, measure: _Measure, details: dict[str, Any]) -> str:
        """Report the sign-in site's clock; returns a sentence for the summary when it is off."""
        server = self.server_offset(measure)
        if server is None:
            return ""
        value, unc = server
        details["server_date_offset_s"] = round(value, 3)
        details["server_date_uncertainty_s"] = round(unc, 3)
        details["saml"]["server_date_offset_s"] = round(value, 3)
        details["saml"]["within"] = abs(value) + unc < SAML_TOLERANCE
        threshold = TOTP_STEP * max(self.window, 1)
        if abs(value) - unc >= threshold:
            self.add(
                "clock.server_clock_off",
                server_offset_s=round(value, 3),
                server_uncertainty_s=round(unc, 3),
                server_offset_text=offset_text(value),
                server_off_by=duration_text(value),
                threshold_s=threshold,
                saml_tolerance_s=SAML_TOLERANCE,
            )
            return (
                f" But the sign-in site's own clock is {offset_text(value)}: a problem on the service's side."
            )
        return ""

    def server_offset(self, measure: _Measure) -> tuple[float, float] | None:
        """The sign-in site's clock minus true time, from its Date and the combined offset."""
        if self.target is None or self.target.interval is None:
            return None
        if measure.offset is None or measure.uncertainty is None:
            return None
        t_low, t_high = self.target.interval  # local − site
        low = (measure.offset - measure.uncertainty) - t_high  # site − true = (local − true) − (local − site)
        high = (measure.offset + measure.uncertainty) - t_low
        return (low + high) / 2, (high - low) / 2

    def nothing_configured(self) -> bool:
        """No time server and no web time source configured: only the site's own Date was there."""
        return not self.ntp_sources and not self.section.get("http_date_sources")

    def no_source_reason(self) -> str:
        if self.nothing_configured():
            site = f" ({self.target.reason})" if self.target is not None and self.target.reason else ""
            return f"no time source is configured, and the sign-in site's clock could not be read{site}."
        if not self.ntp_sources:
            ntp_part = "no time server is configured"
        elif self.offline():
            ntp_part = "no time server's name could be looked up (this device seems to be offline)"
        elif all(s.address is None or isinstance(s.result, ntp.NoReply) for s in self.ntp_sources):
            ntp_part = "no time server answered (the network may block NTP, UDP port 123)"
        else:
            ntp_part = "no time server gave a usable answer"
        web_part = (
            "no web server's clock could be read either" if self.http_sources
            else "no web server was available to read the time from"
        )
        return f"{ntp_part}, and {web_part}."

    # -- details ------------------------------------------------------------------------

    def details(self, measure: _Measure, now: float) -> dict[str, Any]:
        offset, unc = measure.offset, measure.uncertainty
        known = measure.verdict is not None and offset is not None and unc is not None
        details: dict[str, Any] = {
            "offset_s": round(offset, 6) if known and offset is not None else None,
            "uncertainty_s": round(unc, 6) if known and unc is not None else None,
            "offset_meaning": "local clock minus true time; positive means this device is ahead",
            "totp_steps": round(offset / TOTP_STEP, 3) if known and offset is not None else None,
            "totp_window_steps": self.window,
            "bands_s": {
                "pass_below": TOTP_STEP * self.window,
                "warn_up_to": TOTP_STEP * (self.window + 1),
            },
            "verdict": measure.verdict.band.value if measure.verdict else None,
            "verdict_certain": measure.verdict.certain if measure.verdict else None,
            "verdict_rule": "judged on |offset| + uncertainty (the worst case the measurement allows)",
            "method": measure.method,
            "measured_at_local_utc": utc_text(now),
            "reference_utc": utc_text(now - offset) if known and offset is not None else None,
            "reference_local": local_text(now - offset) if known and offset is not None else None,
            "device_local": local_text(now),
            "ntp_servers_from": self.servers_from,
            "sources": [s.evidence() for s in self.ntp_sources] + [s.evidence() for s in self.http_sources],
            "validated_sources": [c.label for c in measure.candidates],
            "truechimers": [
                measure.candidates[i].label for i in (measure.selection.truechimers if measure.selection else ())
            ],
            "falsetickers": [
                measure.candidates[i].label for i in (measure.selection.falsetickers if measure.selection else ())
            ],
            "kerberos": {
                "tolerance_s": KERBEROS_TOLERANCE,
                "within": (abs(offset) + unc) < KERBEROS_TOLERANCE if known and offset is not None and unc is not None
                else None,
                "note": "Kerberos (Windows domain sign-in, some single sign-on) compares this device's clock "
                "with the domain controller's: 5 minutes at most (KRB_AP_ERR_SKEW).",
            },
            "saml": {
                "tolerance_s": SAML_TOLERANCE,
                "examples_s": dict(SAML_EXAMPLES),
                "note": "SAML compares the identity provider's and the service's clocks, not this "
                "device's; the sign-in site's Date header shows the service's clock.",
                "server_date_offset_s": None,
                "within": None,
            },
            "server_date_offset_s": None,
            "server_date_uncertainty_s": None,
        }
        if self.notes:
            details["notes"] = list(self.notes)
        return details


# ----------------------------------------------------------------------------- helpers


def _set_role(source: NtpSource | HttpDateSource, role: str) -> None:
    source.role_in_selection = role


def _candidate_evidence(candidate: _Candidate) -> dict[str, Any]:
    lo, hi = candidate.interval
    return {
        "source": candidate.label,
        "offset_s": round((lo + hi) / 2, 6),
        "interval_s": [round(lo, 6), round(hi, 6)],
    }


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = 443 if parts.scheme == "https" else 80
    return (parts.scheme, (parts.hostname or "").lower(), port or default)


