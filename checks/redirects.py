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
and :func:`~diagnose.redact.fingerprint` hashes; every URL goes through
``ctx.redact.url``. Only GET is sent.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from checks._redirects.cookies import Cookie, SetCookieOutcome
from checks._redirects.flow import (
    CHROME_FIREFOX_LIMIT,
    MAX_HOPS,
    SAFARI_LIMIT,
    End,
    Flow,
    FlowWalker,
    Hop,
)
from checks._redirects.rules import Exclusion, Note, registrable_domain
from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.model import Finding, Severity, Status

SERVER_LIMITS: tuple[tuple[str, int, str], ...] = (
    ("nginx", 8192, "large_client_header_buffers 4 8k: the Cookie line must fit one 8 KB buffer"),
    ("Apache httpd", 8190, "LimitRequestFieldSize 8190"),
    ("IIS", 16384, "HTTP.sys MaxFieldLength 16384"),
    ("Node.js", 16384, "max-http-header-size 16 KiB for all request headers"),
)
"""Default request-header limits of common servers (reference A5)."""

_REJECTION_CODES: dict[Exclusion, str] = {
    Exclusion.SECURE_ONLY: "redirects.cookie_secure_over_http",
    Exclusion.SAMESITE_NONE_INSECURE: "redirects.cookie_samesite_none_insecure",
    Exclusion.INVALID_PREFIX: "redirects.cookie_invalid_prefix",
    Exclusion.NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE: "redirects.cookie_too_large",
    Exclusion.INVALID_DOMAIN: "redirects.cookie_invalid_domain",
    Exclusion.DOMAIN_NON_ASCII: "redirects.cookie_invalid_domain",
    Exclusion.DISALLOWED_CHARACTER: "redirects.cookie_disallowed_character",
}
"""Set-time refusals with a code of their own; the rest are ``redirects.cookie_rejected``."""

_PROBLEMS = {
    "missing": "without saying where to go (no Location header)",
    "empty": "with an empty Location header",
    "invalid": "with a Location that is not a valid address",
    "unsupported_scheme": "with a Location that is not a web address",
}

MAX_SET_COOKIES_IN_DETAILS = 40

_CAUSES = (
    "redirects.header_too_large",
    "redirects.cookie_domain_mismatch",
    "redirects.cookie_path_mismatch",
    "redirects.cookie_secure_over_http",
    "redirects.downgrade",
)
"""Findings that explain a loop or a refusal: the summary names them before the symptom."""


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
            budget=self.timeout - 1.0,
        )
        flow = await walker.walk(ctx.target.url)
        return _Diagnosis(self, ctx, flow).outcome()


class _Diagnosis:
    """Turns one :class:`Flow` into findings and redacted details."""

    def __init__(self, check: RedirectsCheck, ctx: CheckContext, flow: Flow) -> None:
        self.check = check
        self.ctx = ctx
        self.flow = flow
        self.redact = ctx.redact
        self.facts = ctx.profile.facts_for_messages()
        self.findings: list[Finding] = []
        self.official = tuple(d.lower() for d in ctx.profile.official_domains)
        self.idps = tuple(
            str(d).lower().strip(".") for d in ctx.profile.section("redirects").get("identity_providers", [])
        )
        self.header_observed = False

    def add(self, code: str, *, severity: Severity | None = None, message: str | None = None, **evidence: Any) -> None:
        self.findings.append(
            self.check.finding(code, evidence=evidence, facts=self.facts, severity=severity, message=message)
        )

    # -- the whole diagnosis -------------------------------------------------------------

    def outcome(self) -> Outcome:
        flow = self.flow
        first = flow.hops[0] if flow.hops else None
        if first is not None and flow.end is End.REQUEST_FAILED and len(flow.hops) == 1 and first.error_kind == "certificate":
            skipped = self.check.outcome(
                "The sign-in flow was not followed: this device does not trust the site's certificate "
                "(see the certificate check).",
                details=self.details(),
                status=Status.SKIP,
            )
            return self.scrubbed(skipped)
        for hop in flow.hops:
            for c in (*hop.sent, *(w.cookie for w in hop.withheld)):
                self.redact.note(f"cookie:{c.name[:128]}")
            for o in hop.set_cookies:
                self.redact.note(f"cookie:{o.name[:128]}")

        self.flow_findings()
        self.header_findings()
        stuck = flow.end in (End.LOOP, End.HOP_LIMIT) or flow.max_redirects > SAFARI_LIMIT or self.header_observed
        if stuck:
            self.mismatch_findings()
        self.cookie_findings(escalate=stuck)
        self.eviction_findings(escalate=stuck)
        status = Status.ERROR if flow.end is End.TIME_LIMIT and not self.failing() else None
        return self.scrubbed(self.check.outcome(self.summary(), self.findings, self.details(), status=status))

    def scrubbed(self, outcome: Outcome) -> Outcome:
        """The last line of defence: no string the check returns holds a cookie value it saw.

        URLs and texts are already redacted where they are captured; this pass
        also catches a value a server copied somewhere unexpected (a Path
        attribute, an attribute name, a reason phrase).
        """
        scrub = self.flow.jar.scrub
        findings = tuple(
            dataclasses.replace(
                f, message=scrub(f.message), remediation=scrub(f.remediation), evidence=_scrub_tree(f.evidence, scrub)
            )
            for f in outcome.findings
        )
        return dataclasses.replace(
            outcome, summary=scrub(outcome.summary), findings=findings, details=_scrub_tree(outcome.details, scrub)
        )

    def failing(self) -> bool:
        return any(f.severity in (Severity.CRITICAL, Severity.HIGH) for f in self.findings)

    # -- the flow -----------------------------------------------------------------------

    def flow_findings(self) -> None:
        flow = self.flow
        hops = flow.hops
        for before, after in itertools.pairwise(hops):
            if before.url.startswith("https:") and after.url.startswith("http:"):
                secure_withheld = sorted(
                    {w.cookie.name for w in after.withheld if Exclusion.SECURE_ONLY in w.reasons}
                )
                self.add(
                    "redirects.downgrade",
                    from_url=self.url(before.url),
                    to_url=self.url(after.url),
                    step=before.index + 1,
                    via=after.kind.value,
                    secure_cookies_not_sent=secure_withheld,
                )
                break

        start_host = _host(hops[0].url) if hops else ""
        if hops and self.is_official(start_host):
            offsite = [h for h in hops[1:] if not self.is_official(_host(h.url)) and not self.is_idp(_host(h.url))]
            if offsite:
                hosts = list(dict.fromkeys(_host(h.url) for h in offsite))
                self.add(
                    "redirects.offsite",
                    host=hosts[0],
                    hosts=hosts,
                    step=offsite[0].index + 1,
                    url=self.url(offsite[0].url),
                    known_identity_providers=list(self.idps),
                )

        if flow.end is End.LOOP:
            cycle = flow.cycle()
            withheld = [
                {"step": h.index + 1, **w.as_evidence()}
                for h in cycle
                for w in h.withheld
                if w.cookie.site == registrable_domain(_host(h.url))
            ]
            self.add(
                "redirects.loop",
                cycle=" → ".join(self.short(h.url) for h in (*cycle, *cycle[:1])) + " → …",
                cycle_urls=[self.url(h.url) for h in cycle],
                cycle_steps=[h.index + 1 for h in cycle],
                repeats_step=(flow.loop_start or 0) + 1,
                cookie_state=cycle[0].jar_state if cycle else "",
                cookies_withheld_in_cycle=withheld,
                browser_limits={"chrome": CHROME_FIREFOX_LIMIT, "edge": CHROME_FIREFOX_LIMIT,
                                "firefox": CHROME_FIREFOX_LIMIT, "safari": SAFARI_LIMIT},
            )
        elif flow.end is End.HOP_LIMIT or flow.max_redirects > SAFARI_LIMIT:
            all_fail = flow.end is End.HOP_LIMIT or flow.max_redirects > CHROME_FIREFOX_LIMIT
            count = f"more than {MAX_HOPS - 1}" if flow.end is End.HOP_LIMIT else str(flow.max_redirects)
            self.add(
                "redirects.too_many",
                severity=None if all_fail else Severity.MEDIUM,
                count=count,
                redirects=flow.max_redirects,
                stopped_at_hop_limit=flow.end is End.HOP_LIMIT,
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
                last_urls=[self.url(h.url) for h in flow.hops[-3:]],
            )

        last = flow.last
        if flow.end is End.BROKEN_LOCATION and last is not None:
            problem = last.location_problem or "invalid"
            self.add(
                "redirects.broken_location",
                status=last.status,
                url=self.url(last.url),
                step=last.index + 1,
                problem=_PROBLEMS.get(problem, problem),
                location_problem=problem,
                location=self.url(last.location) if last.location is not None else None,
            )
        if flow.end is End.REQUEST_FAILED and last is not None:
            self.add(
                "redirects.request_failed",
                step=last.index + 1,
                url=self.url(last.url),
                host=_host(last.url),
                error=last.error_kind,
                detail=self.text(last.error or "the request failed"),
            )

    # -- header size --------------------------------------------------------------------

    def header_findings(self) -> None:
        hops = [h for h in self.flow.hops if h.status is not None or h.cookie_header_bytes]
        if not hops:
            return
        observed = next(
            (
                h
                for h in hops
                if h.status == 431
                or (h.status == 400 and (h.body_says_too_large or _cookie_line(h) > SERVER_LIMITS[1][1]))
            ),
            None,
        )
        hop = observed or max(hops, key=lambda h: h.cookie_header_bytes)
        line = _cookie_line(hop)
        exceeded = [
            name
            for name, limit, _ in SERVER_LIMITS
            if (hop.request_head_bytes if name == "Node.js" else line + (2 if name == "nginx" else 0)) > limit
        ]
        if observed is None and not exceeded:
            return
        largest = sorted(hop.sent, key=lambda c: c.size, reverse=True)[:5]
        evidence: dict[str, Any] = {
            "status": hop.status,
            "reason": self.text(hop.reason),
            "host": _host(hop.url),
            "url": self.url(hop.url),
            "step": hop.index + 1,
            "server": self.text(hop.server) if hop.server else None,
            "cookie_bytes": hop.cookie_header_bytes,
            "cookie_line_bytes": line,
            "request_head_bytes": hop.request_head_bytes,
            "cookie_count": len(hop.sent),
            "largest": ", ".join(f"{c.name} ({c.size} bytes)" for c in largest) or "none",
            "largest_cookies": [{"name": c.name, "size": c.size} for c in largest],
            "cookie_families": _families(hop.sent),
            "exceeds_defaults_of": exceeded,
            "server_limits": {name: {"bytes": limit, "setting": setting} for name, limit, setting in SERVER_LIMITS},
            "observed": observed is not None,
            "error_page_says_too_large": hop.body_says_too_large,
        }
        if observed is not None:
            self.header_observed = True
            self.add("redirects.header_too_large", **evidence)
            return
        self.add(
            "redirects.header_too_large",
            severity=Severity.MEDIUM,
            message=(
                "The cookies sent to the service add up to {cookie_bytes} bytes, more than "
                + ", ".join(exceeded)
                + " accept by default. This server took them, but another server or proxy on the way may "
                "answer 400 \"Request Header Or Cookie Too Large\". The largest cookies are {largest}."
            ),
            **evidence,
        )

    # -- cookies that exist but do not arrive ----------------------------------------------

    def mismatch_findings(self) -> None:
        flow = self.flow
        hops = flow.cycle() if flow.end is End.LOOP else flow.hops[-10:]
        domain: dict[str, dict[str, Any]] = {}
        path: dict[str, dict[str, Any]] = {}
        for hop in hops:
            host = _host(hop.url)
            sent_names = {c.name for c in hop.sent}
            for w in hop.withheld:
                c = w.cookie
                if c.name in sent_names or c.site != registrable_domain(host):
                    continue
                if Exclusion.DOMAIN_MISMATCH in w.reasons:
                    entry = domain.setdefault(c.name, {"cookie": c, "needed_by": [], "steps": []})
                    entry["needed_by"].append(host)
                    entry["steps"].append(hop.index + 1)
                elif w.reasons == (Exclusion.NOT_ON_PATH,):
                    entry = path.setdefault(c.name, {"cookie": c, "needed_paths": [], "steps": []})
                    entry["needed_paths"].append(_path(hop.url))
                    entry["steps"].append(hop.index + 1)
        if domain:
            cookies: list[Cookie] = [e["cookie"] for e in domain.values()]
            needed = list(dict.fromkeys(h for e in domain.values() for h in e["needed_by"]))
            self.add(
                "redirects.cookie_domain_mismatch",
                cookies=", ".join(c.name for c in cookies),
                set_by=", ".join(dict.fromkeys(c.domain for c in cookies)),
                needed_by=", ".join(needed),
                suggested_domain=cookies[0].site,
                cookie_list=[
                    {**c.describe(), "needed_by": list(dict.fromkeys(domain[c.name]["needed_by"])),
                     "steps": domain[c.name]["steps"], "rejected": [Exclusion.DOMAIN_MISMATCH.as_evidence()]}
                    for c in cookies
                ],
            )
        if path:
            cookies = [e["cookie"] for e in path.values()]
            needed_paths = list(dict.fromkeys(p for e in path.values() for p in e["needed_paths"]))
            self.add(
                "redirects.cookie_path_mismatch",
                cookies=", ".join(c.name for c in cookies),
                cookie_path=", ".join(dict.fromkeys(c.path for c in cookies)),
                needed_paths=", ".join(self.text(p) for p in needed_paths),
                cookie_list=[
                    {**c.describe(), "needed_paths": [self.text(p) for p in dict.fromkeys(path[c.name]["needed_paths"])],
                     "steps": path[c.name]["steps"], "rejected": [Exclusion.NOT_ON_PATH.as_evidence()]}
                    for c in cookies
                ],
            )

    # -- cookies browsers refuse or adjust -------------------------------------------------

    def cookie_findings(self, *, escalate: bool) -> None:
        outcomes = [o for hop in self.flow.hops for o in hop.set_cookies]
        by_code: dict[str, list[SetCookieOutcome]] = {}
        for o in outcomes:
            codes = {_REJECTION_CODES.get(r, "redirects.cookie_rejected") for r in o.reasons}
            for code in sorted(codes):
                by_code.setdefault(code, []).append(o)
        severity = Severity.HIGH if escalate else None
        for code in (*dict.fromkeys(_REJECTION_CODES.values()), "redirects.cookie_rejected"):
            found = _unique(by_code.get(code, []))
            if not found:
                continue
            evidence = _cookie_evidence(found)
            if code == "redirects.cookie_invalid_domain":
                evidence["domains"] = ", ".join(
                    dict.fromkeys(
                        str(o.attributes.get("domain_attribute", "?"))
                        + (" (a public suffix)" if o.public_suffix_domain else "")
                        for o in found
                    )
                )
            if code == "redirects.cookie_rejected":
                evidence["labels"] = ", ".join(
                    dict.fromkeys(r.devtools for o in found for r in o.reasons if r not in _REJECTION_CODES)
                )
            self.add(code, severity=severity, **evidence)

        invalid_max_age = _unique([o for o in outcomes if o.stored and Note.MAX_AGE_INVALID in o.notes])
        if invalid_max_age:
            self.add("redirects.cookie_max_age_invalid", **_cookie_evidence(invalid_max_age))
        clamped = _unique([o for o in outcomes if o.stored and Note.EXPIRY_CLAMPED_TO_400_DAYS in o.notes])
        if clamped:
            days = max(o.requested_lifetime_days or 0 for o in clamped)
            self.add(
                "redirects.cookie_lifetime_clamped",
                requested_days=f"{days:,.0f}",
                clamped_to_days=400,
                **_cookie_evidence(clamped),
            )

    def eviction_findings(self, *, escalate: bool) -> None:
        evictions = self.flow.jar.evictions
        if not evictions:
            return
        by_site: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for e in evictions:
            by_site.setdefault(e.site, []).extend(e.names)
            counts[e.site] = max(counts.get(e.site, 0), e.count_before)
        for site, names in by_site.items():
            set_count = sum(
                1 for hop in self.flow.hops for o in hop.set_cookies if o.stored and registrable_domain(o.host) == site
            )
            self.add(
                "redirects.cookie_too_many",
                severity=Severity.HIGH if escalate else None,
                site=site,
                count=max(set_count, counts[site]),
                most_at_once=counts[site],
                limit=180,
                evicted_count=len(names),
                evicted=", ".join(names[:8]) + (" …" if len(names) > 8 else ""),
                evicted_names=names[:50],
            )

    # -- report pieces -------------------------------------------------------------------

    def summary(self) -> str:
        serious = sorted(
            (f for f in self.findings if f.severity is not Severity.INFO),
            key=lambda f: (list(Severity).index(f.severity), f.code not in _CAUSES, _CAUSES.index(f.code) if f.code in _CAUSES else 0),
        )
        if serious:
            return serious[0].message
        flow = self.flow
        last = flow.last
        if flow.end is End.TIME_LIMIT:
            return "The check ran out of time before the sign-in flow ended, so it could not decide."
        cookies = sum(1 for hop in flow.hops for o in hop.set_cookies if o.stored)
        redirects = sum(1 for hop in flow.hops if hop.next_url)
        answer = f"{last.status} {self.text(last.reason)}".strip() if last is not None else "no answer"
        return (
            f"The sign-in flow ended after {redirects} redirect{'s' if redirects != 1 else ''} with "
            f"{answer} at {self.short(last.url) if last else '?'}; browsers accept all {cookies} "
            f"cookie{'s' if cookies != 1 else ''} it sets."
        )

    def details(self) -> dict[str, Any]:
        flow = self.flow
        last = flow.last
        now = self.ctx.clock.time()
        return {
            "start_url": self.url(flow.start_url),
            "end": flow.end.value,
            "steps": len(flow.hops),
            "redirects_in_a_row": flow.max_redirects,
            "final": (
                {"status": last.status, "reason": self.text(last.reason), "url": self.url(last.url)}
                if last is not None and flow.end is End.FINAL
                else None
            ),
            "loop_back_to_step": (flow.loop_start + 1) if flow.loop_start is not None else None,
            "limits": {
                "max_hops": MAX_HOPS,
                "browser_redirects": {"chrome": CHROME_FIREFOX_LIMIT, "edge": CHROME_FIREFOX_LIMIT,
                                      "firefox": CHROME_FIREFOX_LIMIT, "safari": SAFARI_LIMIT},
            },
            "hops": [self.hop_details(h) for h in flow.hops],
            "cookies_at_end": [c.describe() for c in flow.jar.cookies(now)],
        }

    def hop_details(self, hop: Hop) -> dict[str, Any]:
        host = _host(hop.url)
        site = registrable_domain(host)
        out: dict[str, Any] = {
            "step": hop.index + 1,
            "kind": hop.kind.value,
            "url": self.url(hop.url),
            "same_site_request": hop.same_site,
            "cookie_state": hop.jar_state,
            "cookies_sent": [c.name for c in hop.sent],
            "cookie_header_bytes": hop.cookie_header_bytes,
            "request_head_bytes": hop.request_head_bytes,
        }
        withheld = [w.as_evidence() for w in hop.withheld if w.cookie.site == site]
        if withheld:
            out["cookies_withheld"] = withheld[:MAX_SET_COOKIES_IN_DETAILS]
        if hop.status is not None:
            out["status"] = hop.status
            out["reason"] = self.text(hop.reason)
        if hop.server:
            out["server"] = self.text(hop.server)
        if hop.location is not None:
            out["location"] = self.url(hop.location)
            out["location_relative"] = not re.match(r"(?i)^\s*[a-z][a-z0-9+.-]*:", hop.location)
        if hop.location_problem:
            out["location_problem"] = hop.location_problem
        if hop.next_url:
            out["next_url"] = self.url(hop.next_url)
        if hop.set_cookies:
            out["set_cookies"] = [o.as_evidence() for o in hop.set_cookies[:MAX_SET_COOKIES_IN_DETAILS]]
            if len(hop.set_cookies) > MAX_SET_COOKIES_IN_DETAILS:
                out["set_cookies_not_listed"] = len(hop.set_cookies) - MAX_SET_COOKIES_IN_DETAILS
        if hop.error:
            out["error"] = {"kind": hop.error_kind, "detail": self.text(hop.error)}
        if hop.body_truncated:
            out["body_truncated"] = True
        return out

    # -- helpers -------------------------------------------------------------------------

    def is_official(self, host: str) -> bool:
        return _under(host, self.official)

    def is_idp(self, host: str) -> bool:
        return _under(host, self.idps)

    def url(self, url: str) -> str:
        """A URL fit for the report: redacted, and stripped of any cookie value it repeats."""
        return self.flow.jar.scrub(self.redact.url(url))

    def text(self, text: str) -> str:
        return self.flow.jar.scrub(self.redact.text(text))

    def short(self, url: str) -> str:
        """Host and path only (no query): enough to recognise a step, nothing secret."""
        return self.text(f"{_host(url)}{_path(url)}")


def _scrub_tree(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {scrub(str(k)): _scrub_tree(v, scrub) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_tree(v, scrub) for v in value]
    return value


def _under(host: str, domains: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def _host(url: str) -> str:
    import ada_url

    try:
        return str(ada_url.URL(url).hostname).strip("[]").lower()
    except ValueError:
        return ""


def _path(url: str) -> str:
    import ada_url

    try:
        return str(ada_url.URL(url).pathname) or "/"
    except ValueError:
        return "/"


def _cookie_line(hop: Hop) -> int:
    """Bytes of the ``Cookie: …`` header line (without CRLF), 0 when no cookie is sent."""
    return len("Cookie: ") + hop.cookie_header_bytes if hop.cookie_header_bytes else 0


_CHUNK = re.compile(r"^(.*?)(?:C?[0-9]+)$")


def _families(cookies: Sequence[Cookie]) -> list[dict[str, Any]]:
    """Cookies split into numbered chunks (``.AspNetCore.CookiesC1``, ``ESTSAUTH1``…) that add up."""
    groups: dict[str, list[Cookie]] = {}
    for c in cookies:
        m = _CHUNK.match(c.name)
        if m and m.group(1):
            groups.setdefault(m.group(1), []).append(c)
    return [
        {"family": f"{base}*", "count": len(members), "bytes": sum(c.size for c in members)}
        for base, members in sorted(groups.items(), key=lambda kv: -sum(c.size for c in kv[1]))
        if len(members) > 1
    ]


def _unique(outcomes: Sequence[SetCookieOutcome]) -> list[SetCookieOutcome]:
    """One outcome per (cookie name, host): a cookie set again on every hop is one finding."""
    seen: dict[tuple[str, str], SetCookieOutcome] = {}
    for o in outcomes:
        seen.setdefault((o.name, o.host), o)
    return list(seen.values())


def _cookie_evidence(outcomes: Sequence[SetCookieOutcome]) -> dict[str, Any]:
    names = list(dict.fromkeys(o.name or "(nameless)" for o in outcomes))
    hosts = list(dict.fromkeys(o.host for o in outcomes))
    return {
        "cookies": ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else ""),
        "cookie_names": names,
        "hosts": ", ".join(hosts),
        "cookie_list": [o.as_evidence() for o in outcomes[:20]],
    }
