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
``diagnose/checklist.toml``. The classes carry the metadata and the finding
catalogue like every check; :func:`analyse` runs them over a recording.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from checks._har.clock import estimate
from checks._har.context import RecordingContext, under
from checks._har.cookies import CookieAnalysis
from checks._har.failures import CHECK_OF_GROUP, CODE_OF_GROUP, Failure, HostUse, failure_evidence
from checks._har.failures import analyse as find_failures
from checks._har.flow import FlowAnalysis
from checks._har.navigation import host_of, navigations
from checks.clock import DEFAULT_WINDOW, TOTP_STEP, Band, judge, local_text, offset_text, uncertainty_text
from diagnose.check import (
    Check,
    CheckContext,
    CheckRun,
    FindingSpec,
    Outcome,
    SystemClock,
    check_result_from,
    load_catalogue,
)
from diagnose.facts import RecordedClock
from diagnose.har.model import HarEntry, Recording
from diagnose.model import CheckResult, Severity, Status, Target
from diagnose.net import OfflineNet
from diagnose.profiles import Profile
from diagnose.redact import Redactor
from diagnose.settings import Settings

__all__ = ["RECORDING_CHECKS", "RecordingCheck", "analyse", "host_of", "navigations_of", "recorded_clock", "start_url"]


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
) -> tuple[CheckResult, ...]:
    """Every recording check's result, in :data:`RECORDING_CHECKS` order.

    Each check records through the same :class:`~diagnose.check.CheckRun` as a
    live check, over a :class:`~diagnose.check.CheckContext` whose network is
    :class:`~diagnose.net.OfflineNet` (a recording is never a reason to send a
    packet). The ``clock`` result carries the :class:`~diagnose.facts.RecordedClock`
    fact and the :class:`~diagnose.facts.ClockOffset` it implies (source ``har``).
    """
    ctx = RecordingContext(recording, profile, redactor, scrub)
    live = _check_context(ctx)
    results = [_timed(RecordedFlowCheck(), live, lambda run: _flow(run, ctx)),
               _timed(RecordedClockCheck(), live, lambda run: _clock(run, ctx))]
    failures, hosts = find_failures(ctx)
    for check in (RecordedTlsCheck(), RecordedNetworkCheck(), RecordedBlockedCheck()):
        mine = [f for f in failures if CHECK_OF_GROUP[f.group] == check.id]
        results.append(_timed(check, live, functools.partial(_failures, ctx=ctx, failures=mine, hosts=hosts)))
    results.append(_timed(RecordingCoverageCheck(), live, lambda run: _coverage(run, ctx)))
    return tuple(results)


def start_url(recording: Recording, profile: Profile) -> str:
    """The address the recorded sign-in started from: the first top-level navigation to an official
    host, else the first navigation, else the first entry ("" for an empty recording)."""
    navs = navigations(recording) or list(recording.entries)
    official = tuple(d.lower() for d in profile.official_domains)
    chosen = next((e for e in navs if under(host_of(e.url), official)), navs[0] if navs else None)
    return str(chosen.url) if chosen is not None else ""


def navigations_of(recording: Recording) -> list[HarEntry]:
    """The recording's top-level navigations (every redirect hop and form post of the address bar's
    page), in the order the browser made them: ``Sec-Fetch-Dest: document``, else Chrome's
    ``_resourceType`` ``document`` not started by a parser, else the pages' addresses and the
    redirects that lead to them."""
    return navigations(recording)


def recorded_clock(results: Sequence[CheckResult]) -> RecordedClock | None:
    """The recording's clock fact, from :func:`analyse`'s results."""
    return next((fact for r in results if (fact := r.fact(RecordedClock)) is not None), None)


# ----------------------------------------------------------------------------- the checks


def _check_context(ctx: RecordingContext) -> CheckContext:
    url = start_url(ctx.recording, ctx.profile)
    target = Target(input=ctx.recording.file_name, url=ctx.url(url) if url else "", host=host_of(url))
    return CheckContext(target=target, profile=ctx.profile, settings=Settings(), net=OfflineNet(),
                        clock=SystemClock(), redact=ctx.redactor)


def _timed(check: Check, live: CheckContext, body: Callable[[CheckRun], Outcome]) -> CheckResult:
    began = time.monotonic()
    outcome = body(check.start(live))
    return check_result_from(type(check), outcome, round((time.monotonic() - began) * 1000), "built-in")


def _flow(run: CheckRun, ctx: RecordingContext) -> Outcome:
    flow = FlowAnalysis(ctx, run.add)
    flow.run()
    cookies = CookieAnalysis(ctx, run.add)
    cookies.replay({e.index for e in flow.navs})
    cookies.findings(stuck=flow.stuck)
    if ctx.recording.cookies_stripped:  # a sanitized export, or a site that set none: cannot tell which
        run.add("har.cookies_not_recorded", browser=ctx.recording.browser.value)
    run.details.update({**flow.summary_counts(), "cookies": cookies.details()})
    serious = [f for f in run.by_severity() if f.severity is not Severity.INFO]
    if serious:
        return run.outcome(serious[0].message)
    counts = flow.summary_counts()
    return run.outcome(f"The recording shows {counts['navigations']} page load(s) with {counts['redirects']} "
                       "redirect(s), no loop, and no cookie the browser refused.")


def _clock(run: CheckRun, ctx: RecordingContext) -> Outcome:
    fact = estimate(ctx.recording)
    if fact is None:
        return run.outcome("The recording has no answer with a usable Date (all failed, cached or without one), so "
                           "the clock cannot be judged from it.", Status.SKIP)
    run.hand_on(fact)
    run.hand_on(fact.offset())
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
    first = run.add(code, {**values, **fact.as_json(), "certain": verdict.certain}, message=message)
    if abs(fact.offset_s) > 300:
        run.add("clock.kerberos_skew", values)
    for site, offset in fact.odd_sites[:3]:
        run.add("clock.server_clock_off", host=site,
                server_offset_text=offset_text(-offset).replace("the correct time", "the other sites"),
                server_off_by=f"{abs(offset):.0f} seconds")
    run.details["recorded_clock"] = fact.as_json()
    return run.outcome(first.message)


def _failures(run: CheckRun, ctx: RecordingContext, failures: Sequence[Failure], hosts: Mapping[str, HostUse]) -> Outcome:
    by_code: dict[str, list[Failure]] = {}
    for f in failures:
        by_code.setdefault(CODE_OF_GROUP[f.group], []).append(f)
    for code, items in by_code.items():
        needed = [f for f in items if f.needed]
        important = [f for f in needed if f.important]
        chosen = important or needed or items
        severity = None if important else Severity.LOW if needed else Severity.INFO
        run.add(code, {**failure_evidence(ctx, chosen), "needed_by_signin": bool(needed)}, severity=severity)
    run.findings.sort(key=lambda f: f.severity.rank)
    run.details.update({"failed_requests": len(failures), "needed_by_signin": sum(1 for f in failures if f.needed)})
    if run.check.id == "har_network":
        run.details["hosts_needed"] = [h.as_json() for h in sorted(hosts.values(), key=lambda h: (-h.failed, h.host))][:50]
    serious = [f for f in run.findings if f.severity is not Severity.INFO]
    return run.outcome(serious[0].message if serious else _ok_summary(run.check.id, hosts))


def _ok_summary(check_id: str, hosts: Mapping[str, HostUse]) -> str:
    if check_id == "har_network":
        return f"Every request to the {len(hosts)} host(s) the sign-in used got an answer."
    if check_id == "har_tls":
        return "The browser reported no certificate or TLS error."
    return "Nothing in the browser blocked a request the sign-in page made."


def _coverage(run: CheckRun, ctx: RecordingContext) -> Outcome:
    rec = ctx.recording
    left_out = rec.entries_total - rec.entries_analysed
    if left_out > 0 or rec.entries_skipped:
        run.add("har.entries_left_out", left_out=left_out, total=rec.entries_total, limit=rec.entries_limit,
                too_large=list(rec.entries_skipped[:20]))
    if rec.entries and not ctx.signin_in_recording():
        run.add("har.signin_not_recorded", hosts_seen=sorted({host_of(e.url) for e in rec.entries[:500]} - {""})[:10])
    cached = [e for e in rec.entries if e.from_cache and e.is_network]
    if cached:
        run.add("har.cache_hits", count=len(cached), entries=[e.index for e in cached[:20]])
    serious = next((f.message for f in run.findings if f.severity is not Severity.INFO), None)
    return run.outcome(serious or f"The recording shows {rec.entries_analysed} requests; nothing the diagnosis needs "
                                  "is missing.")
