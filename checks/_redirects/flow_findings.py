"""Findings about the flow itself: downgrades, detours, loops, too many redirects, broken hops.

Severity follows one rule (docs/redirects.md): ``high`` (fail) when the browser
will not reach a signed-in page, or when signing in there is unsafe;
``medium``/``low`` (warn) when it works but is fragile or works in some
browsers only; ``info`` otherwise.
"""

from __future__ import annotations

import itertools
from typing import Any

from checks._redirects.flow import MAX_HOPS, REDIRECT_LIMITS, End, Hop
from checks._redirects.location import CHROMIUM_ERRORS, LocationProblem
from checks._redirects.outcome import giving_up
from checks._redirects.rules import Exclusion, registrable_domain
from checks._redirects.state import RedirectsRun, host_of
from diagnose.model import Severity
from diagnose.words import join

BROWSER_NAMES = {"chrome": "Chrome", "edge": "Edge", "firefox": "Firefox", "safari": "Safari"}
LIMITS_TEXT = (
    f"Chrome and Edge follow {REDIRECT_LIMITS['chrome']} redirects, Firefox {REDIRECT_LIMITS['firefox']}, "
    f"Safari {REDIRECT_LIMITS['safari']}"
)
GIVES_UP = f' Browsers give up with "too many redirects" ({LIMITS_TEXT}).'
"""How a redirect loop ends in the browser (a loop of page reloads never ends by itself)."""
TOO_MANY_ERRORS = {"chrome": "ERR_TOO_MANY_REDIRECTS", "edge": "ERR_TOO_MANY_REDIRECTS",
                   "firefox": "NS_ERROR_REDIRECT_LOOP", "safari": "NSURLErrorHTTPTooManyRedirects"}

_PROBLEMS = {
    LocationProblem.MISSING: "without saying where to go (no Location header): the browser shows that answer's own "
                             "page and goes no further",
    LocationProblem.EMPTY: "with an empty Location header: the browser shows that answer's own page and goes no "
                           "further",
    LocationProblem.MULTIPLE: "with two different Location headers; Chrome and Edge refuse such an answer "
                              "(ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION), Firefox too",
    LocationProblem.INVALID: "with a Location that is not a valid address; Chrome and Edge stop there "
                             "(ERR_INVALID_REDIRECT)",
    LocationProblem.UNSAFE_SCHEME: "with a Location to a {scheme}: address, which browsers refuse to open from a "
                                   "redirect (ERR_UNSAFE_REDIRECT)",
    LocationProblem.UNKNOWN_SCHEME: "with a Location to a {scheme}: address, which is not a page "
                                    "(ERR_UNKNOWN_URL_SCHEME)",
    LocationProblem.NOT_WEB: "with a Location to a {scheme}: address, which is not a web page: the browser hands it "
                             "to another program or drops it",
}


def flow_findings(run: RedirectsRun) -> None:
    downgrade(run)
    offsite(run)
    if run.flow.end is End.LOOP:
        loop(run)
    else:
        too_many(run)
    broken(run)
    samesite_redirect(run)


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
    """A flow that passes through a host that is neither home nor a known identity provider.

    Home is the profile's official domains when the flow starts there; when it
    starts elsewhere (another vendor's sign-in), it is the start host's own site
    (registrable domain). An unknown host is a warning, also when the sign-in page
    is there: it may be the organisation's own sign-in (``[redirects]
    identity_providers`` lists those), so it is not known to be unsafe.
    """
    hops = run.flow.hops
    if not hops:
        return
    start = host_of(hops[0].url)
    official = run.is_official(start)
    home = registrable_domain(start)

    def at_home(host: str) -> bool:
        return run.is_official(host) if official else registrable_domain(host) == home

    # Only hosts that answered: a name that does not resolve is a failed step, not a detour.
    away = [h for h in hops[1:]
            if h.status is not None and not at_home(host_of(h.url)) and not run.is_idp(host_of(h.url))]
    if not away:
        return
    hosts = list(dict.fromkeys(host_of(h.url) for h in away))
    ends_there = run.flow.end is End.FINAL and hops[-1] is away[-1]
    final_host = host_of(hops[-1].url)
    evidence: dict[str, Any] = {"host": final_host if ends_there else hosts[0], "hosts": hosts, "step": away[0].index + 1,
                "url": run.url(away[0].url), "known_identity_providers": list(run.idps),
                "home": "official" if official else home, "ends_there": ends_there}
    if official and not ends_there:
        run.add("redirects.offsite", evidence)
        return
    where = "an official {vendor} address ({official_domains})" if official else f"{home}, where the sign-in started"
    message = f"The sign-in sends your browser to {{host}}, which is neither {where} nor a known sign-in provider."
    if ends_there:
        message += " The page that asks for your password is there."
    run.add("redirects.offsite", evidence, message=message)


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
        browser_limits=dict(REDIRECT_LIMITS),
        limits=LIMITS_TEXT,
        gives_up=GIVES_UP,
    )


def too_many(run: RedirectsRun) -> None:
    """More redirects in a row than some browsers follow: a failure when Chrome gives up,
    a warning when only others do (works in some browsers only)."""
    flow = run.flow
    failing = giving_up(flow)
    if not failing:
        return
    at_limit = flow.end is End.HOP_LIMIT
    working = [b for b in REDIRECT_LIMITS if b not in failing]
    run.add(
        "redirects.too_many",
        severity=None if "chrome" in failing else Severity.MEDIUM,
        count=f"more than {MAX_HOPS - 1}" if at_limit else str(flow.max_redirects),
        redirects=flow.max_redirects,
        stopped_at_hop_limit=at_limit,
        browsers=_names(failing),
        working_browsers=[BROWSER_NAMES[b] for b in working],
        still_works=f" {_names(working)} still {'follows' if len(working) == 1 else 'follow'} them." if working else "",
        limits=LIMITS_TEXT,
        browser_limits=dict(REDIRECT_LIMITS),
        browser_errors={b: TOO_MANY_ERRORS[b] if b in failing else "none" for b in REDIRECT_LIMITS},
        last_urls=[run.url(h.url) for h in flow.hops[-3:]],
    )


def broken(run: RedirectsRun) -> None:
    """An answer whose Location leads to no page, or a hop whose request failed."""
    flow, last = run.flow, run.flow.last
    if last is None:
        return
    if flow.end is End.BROKEN_LOCATION and last.location_problem is not None:
        problem = last.location_problem
        scheme = (last.location or "").split(":", 1)[0].strip().lower()[:20] or "?"
        run.add(
            "redirects.broken_location",
            status=last.status,
            url=run.url(last.url),
            step=last.index + 1,
            problem=_PROBLEMS[problem].format(scheme=scheme),
            location_problem=problem.value,
            chromium_error=CHROMIUM_ERRORS[problem],
            location=run.url(last.location) if last.location is not None else None,
            locations=[run.url(v) for v in last.locations],
        )
    elif flow.end is End.REQUEST_FAILED and (why := impossible_host(host_of(last.url))) is not None:
        # No network could reach such a name: the service sent the browser nowhere, so the advice is
        # the service's to act on, not "try another network".
        run.add(
            "redirects.impossible_host",
            step=last.index + 1,
            url=run.url(last.url),
            host=host_of(last.url),
            why=why,
            error=last.error_kind,
            failure=last.failure.value if last.failure is not None else None,
            detail=run.text(last.error or "the request failed"),
        )
    elif flow.end is End.REQUEST_FAILED:
        run.add(
            "redirects.request_failed",
            step=last.index + 1,
            url=run.url(last.url),
            host=host_of(last.url),
            error=last.error_kind,
            failure=last.failure.value if last.failure is not None else None,
            detail=run.text(_failure_detail(last)),
        )


def _failure_detail(hop: Hop) -> str:
    return hop.error or "the request failed"


def impossible_host(host: str) -> str | None:
    """Why no DNS can hold ``host`` (as the browser wrote it), or None when it could exist."""
    if "%20" in host or "%2a" in host:
        return (f"the address names the host with a space or * in it, which the browser writes as {host}; "
                "no such name can exist")
    from checks.url import dns_problem  # the url check's rule (a label over 63, a name over 253, bad
    # Punycode); imported here, on the failure path only, so a redirects-only run does not load the url check

    problem = dns_problem(host)
    if problem is None:
        return None
    kind, why = problem
    return why if kind == "punycode" else f"{why}, so no such name can exist"


def samesite_redirect(run: RedirectsRun) -> None:
    """SameSite=Strict cookies that Chrome sends after a detour through another site, and Firefox does not.

    Chromium's redirect-chain rule (``kCookieSameSiteConsidersRedirectChain``) is
    off by default, so Chrome and Edge still send them (and log
    ``WARN_CROSS_SITE_REDIRECT_DOWNGRADE_CHANGES_INCLUSION``); Firefox withholds
    them (measured in Firefox 153). A sign-in that needs them works in Chrome only.
    """
    found = [(h, c) for h in run.flow.hops for c in h.retrieval.downgraded]
    if not found:
        return
    names = list(dict.fromkeys(c.name for _h, c in found))
    first = found[0][0]
    run.add(
        "redirects.cookie_samesite_redirect",
        cookies=", ".join(names[:10]),
        cookie_names=names,
        host=host_of(first.url),
        step=first.index + 1,
        steps=sorted({h.index + 1 for h, _c in found}),
        chromium_warning="WARN_CROSS_SITE_REDIRECT_DOWNGRADE_CHANGES_INCLUSION",
        through=list(dict.fromkeys(host_of(h.url) for h in run.flow.hops[: first.index]
                                   if registrable_domain(host_of(h.url)) != registrable_domain(host_of(first.url)))),
    )


def _names(browsers: list[str]) -> str:
    return join(BROWSER_NAMES[b] for b in browsers)
