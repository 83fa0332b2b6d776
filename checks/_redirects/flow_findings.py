"""Findings about the flow itself: downgrades, detours, loops, too many redirects, broken hops."""

from __future__ import annotations

import itertools

from checks._redirects.flow import CHROME_FIREFOX_LIMIT, MAX_HOPS, SAFARI_LIMIT, End
from checks._redirects.rules import Exclusion, registrable_domain
from checks._redirects.state import RedirectsRun, host_of
from diagnose.model import Severity

BROWSER_LIMITS = {"chrome": CHROME_FIREFOX_LIMIT, "edge": CHROME_FIREFOX_LIMIT,
                  "firefox": CHROME_FIREFOX_LIMIT, "safari": SAFARI_LIMIT}

_PROBLEMS = {
    "missing": "without saying where to go (no Location header)",
    "empty": "with an empty Location header",
    "invalid": "with a Location that is not a valid address",
    "unsupported_scheme": "with a Location that is not a web address",
}


def flow_findings(run: RedirectsRun) -> None:
    downgrade(run)
    offsite(run)
    if run.flow.end is End.LOOP:
        loop(run)
    elif run.flow.end is End.HOP_LIMIT or run.flow.max_redirects > SAFARI_LIMIT:
        too_many(run)
    broken(run)


def downgrade(run: RedirectsRun) -> None:
    """The first step from https to http (Secure cookies stop travelling there)."""
    for before, after in itertools.pairwise(run.flow.hops):
        if before.url.startswith("https:") and after.url.startswith("http:"):
            run.add(
                "redirects.downgrade",
                from_url=run.url(before.url),
                to_url=run.url(after.url),
                step=before.index + 1,
                via=after.kind.value,
                secure_cookies_not_sent=sorted(
                    {w.cookie.name for w in after.withheld if Exclusion.SECURE_ONLY in w.reasons}
                ),
            )
            return


def offsite(run: RedirectsRun) -> None:
    """A flow that starts on an official host and passes through one that is neither official nor a known IdP."""
    hops = run.flow.hops
    if not hops or not run.is_official(host_of(hops[0].url)):
        return
    away = [h for h in hops[1:] if not run.is_official(host_of(h.url)) and not run.is_idp(host_of(h.url))]
    if not away:
        return
    hosts = list(dict.fromkeys(host_of(h.url) for h in away))
    run.add(
        "redirects.offsite",
        host=hosts[0],
        hosts=hosts,
        step=away[0].index + 1,
        url=run.url(away[0].url),
        known_identity_providers=list(run.idps),
    )


def loop(run: RedirectsRun) -> None:
    cycle = run.flow.cycle()
    withheld = [
        {"step": h.index + 1, **w.as_evidence()}
        for h in cycle
        for w in h.withheld
        if w.cookie.site == registrable_domain(host_of(h.url))
    ]
    run.add(
        "redirects.loop",
        cycle=" → ".join(run.short(h.url) for h in (*cycle, *cycle[:1])) + " → …",
        cycle_urls=[run.url(h.url) for h in cycle],
        cycle_steps=[h.index + 1 for h in cycle],
        repeats_step=(run.flow.loop_start or 0) + 1,
        cookie_state=cycle[0].jar_state if cycle else "",
        cookies_withheld_in_cycle=withheld,
        browser_limits=dict(BROWSER_LIMITS),
    )


def too_many(run: RedirectsRun) -> None:
    """More redirects in a row than Safari (16) or every browser (20) follows."""
    flow = run.flow
    at_limit = flow.end is End.HOP_LIMIT
    all_fail = at_limit or flow.max_redirects > CHROME_FIREFOX_LIMIT
    run.add(
        "redirects.too_many",
        severity=None if all_fail else Severity.MEDIUM,
        count=f"more than {MAX_HOPS - 1}" if at_limit else str(flow.max_redirects),
        redirects=flow.max_redirects,
        stopped_at_hop_limit=at_limit,
        browsers="Chrome, Edge, Firefox and Safari" if all_fail else "Safari",
        limits=(
            f"Chrome, Edge and Firefox follow {CHROME_FIREFOX_LIMIT}, Safari {SAFARI_LIMIT}"
            if all_fail
            else f"Safari follows {SAFARI_LIMIT}; Chrome, Edge and Firefox follow {CHROME_FIREFOX_LIMIT}"
        ),
        browser_errors={
            "chrome": "ERR_TOO_MANY_REDIRECTS (-310)" if all_fail else "none",
            "firefox": "NS_ERROR_REDIRECT_LOOP" if all_fail else "none",
            "safari": "NSURLErrorHTTPTooManyRedirects",
        },
        last_urls=[run.url(h.url) for h in flow.hops[-3:]],
    )


def broken(run: RedirectsRun) -> None:
    """A redirect without a usable Location, or a hop whose request failed."""
    flow, last = run.flow, run.flow.last
    if last is None:
        return
    if flow.end is End.BROKEN_LOCATION:
        problem = last.location_problem or "invalid"
        run.add(
            "redirects.broken_location",
            status=last.status,
            url=run.url(last.url),
            step=last.index + 1,
            problem=_PROBLEMS.get(problem, problem),
            location_problem=problem,
            location=run.url(last.location) if last.location is not None else None,
        )
    elif flow.end is End.REQUEST_FAILED:
        run.add(
            "redirects.request_failed",
            step=last.index + 1,
            url=run.url(last.url),
            host=host_of(last.url),
            error=last.error_kind,
            detail=run.text(last.error or "the request failed"),
        )
