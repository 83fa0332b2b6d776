"""The checks a browser's recording answers, with the live checks' vocabulary where it means the same.

``login-doctor har`` turns a HAR into one report with these results (none of
them touches the network):

========== ========================================================== =============================
id         question                                                   checklist item
========== ========================================================== =============================
redirects  Did the recorded sign-in end without a loop, and did the    no-loop
           browser keep and send its cookies?
clock      Was the recording computer's clock close enough for codes?  clock
har_tls    Did the browser accept every secure connection it needed?  secure-connection
har_network Did every request the sign-in needed get an answer?       internet-connection
har_blocked Did no extension, setting or policy block what it needed? extensions
har        What can this recording not tell?                          (none)
========== ========================================================== =============================

The checklist maps items to these ids through ``recording_checks`` in
``reports/checklist.toml``. The classes carry the metadata and the finding
catalogue like every check; :func:`analyse` runs them over a recording.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from checks._clock.verdict import DEFAULT_WINDOW, TOTP_STEP, Band, judge, local_text, offset_text, uncertainty_text
from checks._har.clock import RecordedClock, estimate
from checks._har.context import RecordingContext
from checks._har.cookies import CookieAnalysis
from checks._har.failures import CHECK_OF_GROUP, CODE_OF_GROUP, Failure, HostUse, failure_evidence
from checks._har.failures import analyse as find_failures
from checks._har.flow import FlowAnalysis
from checks._har.navigation import host_of
from diagnose.check import Check, CheckContext, FindingSpec, Outcome, check_result_from, load_catalogue
from diagnose.har.limits import MAX_ENTRIES
from diagnose.har.model import Recording
from diagnose.model import CheckResult, Finding, Severity, Status
from diagnose.profiles import Profile
from diagnose.redact import Redactor


class RecordingCheck(Check):
    """A check answered from a recording by :func:`analyse`, not run by the live runner."""

    catalogue_prefixes: ClassVar[tuple[str, ...]] = ()

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome(
            "This check reads a browser's recording: run login-doctor har FILE.har.", status=Status.SKIP
        )


def _catalogue(*prefixes: str) -> dict[str, FindingSpec]:
    out: dict[str, FindingSpec] = {}
    for prefix in prefixes:
        out.update(load_catalogue(prefix))
    return out


class RecordedFlowCheck(RecordingCheck):
    id = "redirects"
    title = "In the recording, the sign-in ends without a loop and the browser kept its cookies"
    failure_title = "In the recording, the sign-in loops, breaks, or loses its cookies"
    description = (
        "Rebuilds the top-level navigations from the recording and reports loops, too many redirects, "
        "https-to-http downgrades, detours, broken redirects, error answers from the sign-in hosts, a return to "
        "the sign-in page after signing in, every Set-Cookie the project's cookie rules refuse, and cookies the "
        "browser should have sent and did not."
    )
    findings = _catalogue("redirects", "har")


class RecordedClockCheck(RecordingCheck):
    id = "clock"
    title = "The recording computer's clock was in sync"
    failure_title = "The recording computer's clock was off"
    description = (
        "Compares each answer's Date with the browser's own start time of the request: the median offset, "
        "its spread, and what it means for authenticator codes."
    )
    findings = _catalogue("clock", "har")


class RecordedTlsCheck(RecordingCheck):
    id = "har_tls"
    title = "The browser accepted every secure connection the sign-in needed"
    failure_title = "The browser refused a secure connection the sign-in needed"
    description = "Requests that failed on a certificate or TLS error, by the browser's own error text."
    findings = _catalogue("har")


class RecordedNetworkCheck(RecordingCheck):
    id = "har_network"
    title = "Every request the sign-in needed got an answer"
    failure_title = "Requests the sign-in needed got no answer"
    description = "Requests that failed on DNS, connection, proxy or timeout errors, and which hosts the sign-in needed."
    findings = _catalogue("har")


class RecordedBlockedCheck(RecordingCheck):
    id = "har_blocked"
    title = "No extension, setting or policy blocked what the sign-in page needed"
    failure_title = "Something in the browser blocked what the sign-in page needed"
    description = (
        "Requests an extension or content blocker stopped (net::ERR_BLOCKED_BY_CLIENT), requests refused by a "
        "policy, CSP or the server's response headers, and insecure requests from a secure page."
    )
    findings = _catalogue("har")


class RecordingCoverageCheck(RecordingCheck):
    id = "har"
    title = "The recording shows what the diagnosis needs"
    failure_title = "The recording leaves some questions open"
    description = "What this recording cannot tell: entries left out, cache hits, a sign-in that is not in it."
    findings = _catalogue("har")


RECORDING_CHECKS: tuple[type[RecordingCheck], ...] = (
    RecordedFlowCheck, RecordedClockCheck, RecordedTlsCheck, RecordedNetworkCheck, RecordedBlockedCheck,
    RecordingCoverageCheck,
)


def analyse(
    recording: Recording,
    profile: Profile,
    redactor: Redactor,
    scrub: Callable[[str], str],
) -> tuple[tuple[CheckResult, ...], RecordedClock | None]:
    """Every recording check's result, in :data:`RECORDING_CHECKS` order, and the clock fact."""
    ctx = RecordingContext(recording, profile, redactor, scrub)
    results: list[CheckResult] = []
    began = time.monotonic()
    flow_check = RecordedFlowCheck()
    flow = FlowAnalysis(ctx, _maker(flow_check, ctx))
    flow_findings = flow.run()
    cookies = CookieAnalysis(ctx, _maker(flow_check, ctx))
    cookies.replay({e.index for e in flow.navs})
    flow_findings += cookies.findings(stuck=flow.stuck)
    if recording.cookies_stripped:
        flow_findings.append(_maker(flow_check, ctx)("har.cookies_not_recorded", browser=recording.browser.value))
    results.append(_result(flow_check, _flow_summary(flow_findings, flow), flow_findings,
                           {**flow.summary_counts(), "cookies": cookies.details()}, began))

    began = time.monotonic()
    clock_check = RecordedClockCheck()
    fact = estimate(recording)
    results.append(_clock_result(clock_check, ctx, fact, began))

    began = time.monotonic()
    failures, hosts = find_failures(ctx)
    for check in (RecordedTlsCheck(), RecordedNetworkCheck(), RecordedBlockedCheck()):
        mine = [f for f in failures if CHECK_OF_GROUP[f.group] == check.id]
        findings = _failure_findings(check, ctx, mine)
        details: dict[str, Any] = {"failed_requests": len(mine), "needed_by_signin": sum(1 for f in mine if f.needed)}
        if check.id == "har_network":
            details["hosts_needed"] = [h.as_json() for h in sorted(hosts.values(), key=lambda h: (-h.failed, h.host))][:50]
        summary = findings[0].message if any(f.severity is not Severity.INFO for f in findings) else _ok_summary(check.id, hosts)
        results.append(_result(check, summary, findings, details, began))

    began = time.monotonic()
    coverage = RecordingCoverageCheck()
    findings = _coverage_findings(coverage, ctx)
    summary = next((f.message for f in findings if f.severity is not Severity.INFO),
                   f"The recording shows {recording.entries_analysed} requests; nothing the diagnosis needs is missing.")
    results.append(_result(coverage, summary, findings, {}, began))
    return tuple(results), fact


# ----------------------------------------------------------------------------- helpers


def _maker(check: Check, ctx: RecordingContext) -> Callable[..., Finding]:
    def make(code: str, *, severity: Severity | None = None, message: str | None = None, **evidence: Any) -> Finding:
        return check.finding(code, evidence=evidence, facts=ctx.facts, severity=severity, message=message)

    return make


def _result(check: Check, summary: str, findings: Sequence[Finding], details: Mapping[str, Any], began: float,
            status: Status | None = None) -> CheckResult:
    outcome = check.outcome(summary, list(findings), details, status=status)
    return check_result_from(type(check), outcome, round((time.monotonic() - began) * 1000), "built-in")


def _flow_summary(findings: Sequence[Finding], flow: FlowAnalysis) -> str:
    serious = sorted((f for f in findings if f.severity is not Severity.INFO), key=lambda f: f.severity.rank)
    if serious:
        return serious[0].message
    counts = flow.summary_counts()
    return (f"The recording shows {counts['navigations']} page load(s) with {counts['redirects']} redirect(s), "
            "no loop, and no cookie the browser refused.")


def _clock_result(check: RecordedClockCheck, ctx: RecordingContext, fact: RecordedClock | None, began: float) -> CheckResult:
    if fact is None:
        return _result(check, "The recording has no answer with a usable Date (all failed, cached or without "
                              "one), so the clock cannot be judged from it.", [], {}, began, status=Status.SKIP)
    window = int(ctx.profile.section("clock").get("totp_window_steps", DEFAULT_WINDOW))
    verdict = judge(fact.offset_s, fact.uncertainty_s, window)
    code = {Band.IN_SYNC: "clock.in_sync", Band.INTERMITTENT: "clock.totp_intermittent",
            Band.REJECTED: "clock.totp_rejected"}[verdict.band]
    values = {
        "offset_text": offset_text(fact.offset_s), "uncertainty_text": uncertainty_text(fact.uncertainty_s),
        "window_s": int(TOTP_STEP * window), "limit_s": int(TOTP_STEP * (window + 1)),
        "source_text": f"the Date of {fact.samples} answers from {fact.sites} site(s)",
        "reference_local": local_text(fact.at - fact.offset_s), "device_local": local_text(fact.at),
    }
    message = (
        "When this recording was made, the computer's clock was {offset_text} ({uncertainty_text}), judging by "
        "{source_text}. " + {
            Band.IN_SYNC: "That is within the {window_s} seconds authenticator codes allow.",
            Band.INTERMITTENT: "Codes made with that clock work only some of the time (the service accepts about "
                               "{window_s} to {limit_s} seconds).",
            Band.REJECTED: "That is more than the {limit_s} seconds a sign-in service accepts: codes made with that "
                           "clock are rejected.",
        }[verdict.band]
    )
    findings = [check.finding(code, evidence={**values, **fact.as_json(), "certain": verdict.certain},
                              facts=ctx.facts, message=message)]
    if abs(fact.offset_s) > 300:
        findings.append(check.finding("clock.kerberos_skew", evidence=values, facts=ctx.facts))
    for site, offset in fact.odd_sites[:3]:
        findings.append(check.finding("clock.server_clock_off", facts=ctx.facts, evidence={
            "host": site, "server_offset_text": offset_text(-offset).replace("the correct time", "the other sites"),
            "server_off_by": f"{abs(offset):.0f} seconds"}))
    return _result(check, findings[0].message, findings, {"recorded_clock": fact.as_json()}, began)


def _failure_findings(check: Check, ctx: RecordingContext, failures: Sequence[Failure]) -> list[Finding]:
    out = []
    by_code: dict[str, list[Failure]] = {}
    for f in failures:
        by_code.setdefault(CODE_OF_GROUP[f.group], []).append(f)
    for code, items in by_code.items():
        needed = [f for f in items if f.needed]
        important = [f for f in needed if f.important]
        chosen = important or needed or items
        severity = None if important else Severity.LOW if needed else Severity.INFO
        evidence = failure_evidence(ctx, chosen)
        evidence["needed_by_signin"] = bool(needed)
        out.append(check.finding(code, evidence=evidence, facts=ctx.facts, severity=severity))
    return sorted(out, key=lambda f: f.severity.rank)


def _ok_summary(check_id: str, hosts: Mapping[str, HostUse]) -> str:
    if check_id == "har_network":
        return f"Every request to the {len(hosts)} host(s) the sign-in used got an answer."
    if check_id == "har_tls":
        return "The browser reported no certificate or TLS error."
    return "Nothing in the browser blocked a request the sign-in page made."


def _coverage_findings(check: Check, ctx: RecordingContext) -> list[Finding]:
    rec = ctx.recording
    out = []
    left_out = rec.entries_total - rec.entries_analysed
    if left_out > 0 or rec.entries_skipped:
        out.append(check.finding("har.entries_left_out", facts=ctx.facts, evidence={
            "left_out": left_out, "total": rec.entries_total, "limit": MAX_ENTRIES,
            "too_large": list(rec.entries_skipped[:20])}))
    if rec.entries and not ctx.signin_in_recording():
        out.append(check.finding("har.signin_not_recorded", facts=ctx.facts, evidence={
            "hosts_seen": sorted({host_of(e.url) for e in rec.entries[:500]} - {""})[:10]}))
    cached = [e for e in rec.entries if e.from_cache]
    if cached:
        out.append(check.finding("har.cache_hits", facts=ctx.facts, evidence={
            "count": len(cached), "entries": [e.index for e in cached[:20]]}))
    return out
