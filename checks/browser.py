"""The ``browser`` check: what the person's own browsers hold and block for the sign-in site.

The ``redirects`` check walks the sign-in flow with an empty cookie jar, so it
cannot see the most common causes of a sign-in loop or of "400 Request Header
Or Cookie Too Large": the cookies a browser has piled up for the site over
months, a per-site "block cookies" or "block JavaScript" setting, a content
blocker, a browser proxy, or Firefox trusting other roots than the system.
This check reads, on this device and read-only, the profiles of Chrome, Edge,
Brave, Chromium and Firefox for the current user (and ``--browser-profile``
directories) and reports what will get in the way (:mod:`checks._browser`).

Privacy: cookie values are never read (the SQL selects lengths, not values);
the report lists every file opened; ``--skip browser`` turns the check off; a
process without a user profile (a service account) skips it with that reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from checks._browser.extensions import known_extensions
from checks._browser.host import Host
from checks._browser.inspect import Inspection, inspect, make_site
from checks._browser.judge import Facts, judge, judge_problem, sending
from checks._browser.model import Site
from checks._browser.report import details
from checks.redirects import SERVER_LIMITS
from diagnose.check import Check, CheckContext, CheckRun, Outcome, load_catalogue
from diagnose.facts import Intercepted
from diagnose.model import Severity, Status
from diagnose.words import count

INSPECTION_LIMIT = 8.0
"""Seconds reading the profiles may take at most (less when the run's deadline is nearer);
every read is also size-capped."""

STEP = "inspection"
STEP_TITLE = "the reading of the browser profiles"


class BrowserCheck(Check):
    id = "browser"
    title = "Your browsers' stored cookies, settings and extensions do not get in the way of signing in"
    failure_title = "Your browser's stored cookies, settings or extensions get in the way of signing in"
    description = (
        "Reads, read-only and on this device, the profiles of the browsers installed for the current user "
        "(Chrome, Edge, Brave, Chromium, Firefox, and --browser-profile directories) and reports what gets in "
        "the way of the sign-in site: a Cookie header larger than servers accept, more cookies than a browser "
        "keeps, duplicate or expired cookies, per-site blocks of cookies, JavaScript or pop-ups, cookies or "
        "JavaScript turned off, a browser proxy that differs from the system's, Firefox not trusting the "
        "system's certificates, extensions known to break sign-in pages, and browsers older than the vendor "
        "supports. Cookie values are never read, and every file read is listed in the report."
    )
    reads_later = ("certificate",)
    """Only for Firefox profiles that ignore the system's roots: whether the certificate check found an
    interception root installed there. Read after the profiles, so a slow network never delays the rest."""
    timeout = 15.0
    findings = load_catalogue("browser")

    host_override: ClassVar[Host | None] = None
    """Tests set a fake home tree and operating system here (a subclass per case)."""

    def host(self, ctx: CheckContext) -> Host:
        if self.host_override is not None:
            return self.host_override
        return Host.current(getattr(ctx.settings, "browser_home", None))

    async def run(self, ctx: CheckContext) -> Outcome:
        run = self.start(ctx, host=ctx.target.host)
        return await run.conclude(_steps(run, self.host(ctx)))


async def _steps(run: CheckRun, host: Host) -> Outcome:
    ctx = run.ctx
    site = make_site(
        ctx.target.url,
        ctx.profile.signin_urls,
        [str(d) for d in ctx.profile.section("redirects").get("identity_providers", []) if isinstance(d, str)],
    )
    facts = _facts(ctx.profile.section("browser"), ctx, host, site)
    budget = run.budget(INSPECTION_LIMIT)
    if budget.exhausted:
        raise run.out_of_time(STEP, STEP_TITLE, "no time was left to start reading them")
    now = ctx.clock.time()
    inspection = await asyncio.to_thread(
        inspect, host, site, extra=tuple(ctx.settings.browser_profiles), known=facts.known, now=now,
        budget_seconds=budget.seconds, monotonic=ctx.clock.monotonic,
    )
    if any(state.enterprise_roots is False for state in inspection.profiles):
        facts = replace(facts, interception=await _interception(run))
    return _Outcome(run, inspection, site, facts, now).build(cut=budget.cut)


async def _interception(run: CheckRun) -> Intercepted | None:
    """The certificate check's interception fact, waiting for that check while this one's time allows."""
    certificate = await run.result_later("certificate")
    if run.not_finished:
        run.details["os_roots_undecided"] = (
            "The certificate check had not finished when this check's time was up, so whether a Firefox "
            "profile that ignores the system's certificates will warn on this site was not decided."
        )
    return certificate.fact(Intercepted) if certificate is not None else None


def _facts(section: Mapping[str, Any], ctx: CheckContext, host: Host, site: Site) -> Facts:
    minimum = section.get("minimum_versions", {})
    return Facts(
        minimum_versions={str(k): int(v) for k, v in minimum.items() if isinstance(v, int)}
        if isinstance(minimum, dict) else {},
        minimum_versions_note=str(section.get("minimum_versions_note", "")),
        needed_cookies=tuple(str(n) for n in section.get("needed_cookies", []) if isinstance(n, str)),
        needs_popups=section.get("needs_popups") is True,
        needs_third_party_cookies=section.get("needs_third_party_cookies") is True,
        known=known_extensions(section.get("known_extensions", [])),
        server_limits=SERVER_LIMITS,
        system_proxy=_system_proxy(ctx, site),
        show=host.show,
    )


def _system_proxy(ctx: CheckContext, site: Site) -> str | None:
    try:
        return ctx.net.proxy_for(site.url)
    except (OSError, ValueError):
        return None


class _Outcome:
    def __init__(self, run: CheckRun, inspection: Inspection, site: Site, facts: Facts, now: float) -> None:
        self.run = run
        self.inspection = inspection
        self.site = site
        self.facts = facts
        self.now = now

    def build(self, *, cut: bool) -> Outcome:
        run, inspection = self.run, self.inspection
        sendings = [sending(state, self.site, self.now) for state in inspection.profiles]
        run.details.update(details(inspection, self.site, self.facts, sendings))
        if inspection.skipped is not None:
            return run.outcome(f"Skipped: {inspection.skipped}", Status.SKIP)
        verdicts = [judge_problem(who, p, self.facts.show(p.path)) for who, p in inspection.problems]
        for state, sent in zip(inspection.profiles, sendings, strict=True):
            verdicts.extend(judge(state, self.site, self.facts, self.now, sent))
        for verdict in verdicts:
            evidence = {k: self._redacted(k, v) for k, v in verdict.evidence.items()}
            run.add(verdict.code, evidence, severity=verdict.severity)
        if inspection.out_of_time and cut:
            # The run's deadline, not the check's own limit, stopped the reading.
            read = len(inspection.profiles)
            seen = f"{count(read, 'profile')} read, {inspection.unread} not"
            return run.ran_out_of_time(STEP, STEP_TITLE, seen, found=self.summary())
        return run.outcome(self.summary())

    def _redacted(self, key: str, value: Any) -> Any:
        redact = self.run.ctx.redact
        if isinstance(value, str) and key in ("url", "system_proxy", "server", "pac_url"):
            return redact.url(value)
        if isinstance(value, str) and key == "browser_proxy":
            return redact.text(value)
        return value

    def summary(self) -> str:
        profiles = self.inspection.profiles
        names = ", ".join(f"{s.profile.browser} '{s.profile.name}'" for s in profiles[:4])
        if len(profiles) > 4:
            names += f" and {len(profiles) - 4} more"
        read = (
            f"Read the local settings of {count(len(profiles), 'browser profile')}"
            f"{f' ({names})' if names else ''}, read-only and without cookie values"
        )
        serious = [f for f in self.run.by_severity() if f.severity is not Severity.INFO]
        if serious:
            return f"{read}: {serious[0].message}"
        return f"{read}: nothing in them gets in the way of signing in to {self.site.host}."
