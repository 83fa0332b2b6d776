"""The ``redirects`` check: does the sign-in flow end, and do browsers accept its cookies?

"Looping at login" has concrete causes, and each leaves a trace in the flow a
browser walks through: a ``Secure`` cookie set over http, ``SameSite=None``
without ``Secure``, a cookie for the wrong host or path, a Cookie header
grown past the server's 8 KB, a proxy that turns https into http in the
``Location``. The check walks the flow hop by hop with a browser-like cookie
jar (:mod:`checks._redirects.flow`, :mod:`checks._redirects.cookies`) and
names the fault:

* the flow itself: a true loop (same URL, same cookies, twice), more
  redirects than Chrome/Firefox (20) or Safari (16) follow, an https → http
  downgrade, a detour to a host that is neither official nor a known identity
  provider, a redirect without a usable ``Location``, a hop that fails;
* the cookies: every ``Set-Cookie`` a browser refuses, with Chromium's reason;
  cookies that exist but never reach the host or path that needs them when the
  flow is stuck; a Cookie header beyond common server limits, or a 400/431
  answer to it; more than 180 cookies for one site.

Cookie values never leave the check: reports carry names, sizes, attributes
and the run's keyed hashes (:meth:`~diagnose.redact.Redactor.value_hash`,
equal only within one report); every URL goes through ``ctx.redact.url``.
Only GET is sent.

The walk is bounded by the run's deadline: when it leaves no time for the
next step, the check says at which step of the flow it ran out of time.
The steps live in :mod:`checks._redirects` (``flow``, ``flow_findings``,
``cookie_findings``, ``report``).
"""

from __future__ import annotations

from checks._redirects.cookie_findings import (
    SERVER_LIMITS,
    cookie_findings,
    eviction_findings,
    header_findings,
    mismatch_findings,
)
from checks._redirects.cookies import CookieJar, SetCookieOutcome
from checks._redirects.flow import SAFARI_LIMIT, End, Flow, FlowWalker
from checks._redirects.flow_findings import flow_findings
from checks._redirects.report import details, scrubbed, summary
from checks._redirects.rules import (
    CookieUrl,
    Exclusion,
    Note,
    domain_match,
    is_loopback_host,
    path_match,
    registrable_domain,
)
from checks._redirects.state import RedirectsRun
from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.model import Status

__all__ = [
    "SERVER_LIMITS",
    "CookieJar",
    "CookieUrl",
    "Exclusion",
    "Note",
    "RedirectsCheck",
    "SetCookieOutcome",
    "domain_match",
    "is_loopback_host",
    "path_match",
    "registrable_domain",
]
"""Public API for other checks: the server limits on a Cookie header; the RFC 6265bis cookie rules (the
"site" of a host, domain-match, path-match, potentially trustworthy hosts); and the browser-like cookie
jar with its verdicts (``login-doctor har`` replays a recording's Set-Cookie and Cookie headers through it)."""

WALK_MARGIN = 1.0
"""Seconds kept free after the walk to diagnose it and write the result."""


class RedirectsCheck(Check):
    id = "redirects"
    title = "The sign-in flow ends without a loop, and browsers accept its cookies"
    failure_title = "The sign-in flow loops, breaks, or sets cookies browsers reject"
    description = (
        "Follows the sign-in address hop by hop as a browser does (301/302/303/307/308 and meta "
        "refresh, GET only, at most 25 hops) with a cookie jar that follows RFC 6265bis and "
        "Chromium's rules, and reports loops, too many redirects, https-to-http downgrades, "
        "detours to unknown sites, broken redirects, cookies browsers reject, and Cookie headers "
        "larger than servers accept. Cookie values never leave the check."
    )
    requires = ("connectivity",)
    timeout = 20.0
    findings = load_catalogue("redirects")

    async def run(self, ctx: CheckContext) -> Outcome:
        walker = FlowWalker(
            ctx.net,
            now=ctx.clock.time,
            monotonic=ctx.clock.monotonic,
            budget=ctx.deadline.earlier(self.timeout).remaining() - WALK_MARGIN,
            redact=ctx.redact,
        )
        flow = await walker.walk(ctx.target.url)
        run = RedirectsRun(self, ctx, flow)
        return scrubbed(run, _diagnose(run))


def _diagnose(run: RedirectsRun) -> Outcome:
    """Turn the walked flow into findings and redacted details."""
    flow = run.flow
    first = flow.hops[0] if flow.hops else None
    if first is not None and flow.end is End.REQUEST_FAILED and len(flow.hops) == 1 and first.error_kind == "certificate":
        run.details.update(details(run))
        return run.outcome(
            "The sign-in flow was not followed: this device does not trust the site's certificate "
            "(see the certificate check).",
            Status.SKIP,
        )
    _note_cookie_names(run)
    flow_findings(run)
    header_findings(run)
    stuck = flow.end in (End.LOOP, End.HOP_LIMIT) or flow.max_redirects > SAFARI_LIMIT or run.header_observed
    if stuck:
        mismatch_findings(run)
    cookie_findings(run, escalate=stuck)
    eviction_findings(run, escalate=stuck)
    run.details.update(details(run))
    if flow.end is End.TIME_LIMIT:
        return _out_of_time(run)
    return run.outcome(summary(run))


def _note_cookie_names(run: RedirectsRun) -> None:
    """The report lists what was redacted: every cookie the flow carried, by name."""
    for hop in run.flow.hops:
        for c in (*hop.sent, *(w.cookie for w in hop.withheld)):
            run.redact.note(f"cookie:{c.name[:128]}")
        for o in hop.set_cookies:
            run.redact.note(f"cookie:{o.name[:128]}")


def _out_of_time(run: RedirectsRun) -> Outcome:
    """The walk's deadline ended it: name the step, and what the flow had done by then."""
    flow: Flow = run.flow
    last = flow.last
    if last is None:
        title, seen = f"the first request of the sign-in flow ({run.short(flow.start_url)})", "no time was left to send it"
    elif last.error_kind == "timeout":
        title = f"step {last.index + 1} of the sign-in flow ({run.short(last.url)})"
        seen = f"{last.index} earlier step(s) answered; {run.text(last.error or 'no answer')}"
    else:
        following = run.short(last.next_url) if last.next_url else "?"
        title = f"step {last.index + 2} of the sign-in flow ({following})"
        seen = f"{last.index + 1} step(s) answered, the last with {last.status} {run.text(last.reason)}".rstrip()
    return run.ran_out_of_time("redirect_hop", title, seen, found=summary(run))
