"""Findings about cookies: a Cookie header too large, cookies that exist but do not arrive,
cookies browsers refuse or adjust, and too many cookies for one site."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from checks._redirects.cookies import Cookie, SetCookieOutcome
from checks._redirects.flow import End, Hop
from checks._redirects.rules import Exclusion, Note, registrable_domain
from checks._redirects.state import RedirectsRun, host_of, path_of
from diagnose.model import Severity

SERVER_LIMITS: tuple[tuple[str, int, str], ...] = (
    ("nginx", 8192, "large_client_header_buffers 4 8k: the Cookie line must fit one 8 KB buffer"),
    ("Apache httpd", 8190, "LimitRequestFieldSize 8190"),
    ("IIS", 16384, "HTTP.sys MaxFieldLength 16384"),
    ("Node.js", 16384, "max-http-header-size 16 KiB for all request headers"),
)
"""Default request-header limits of common servers (reference A5)."""

REJECTION_CODES: dict[Exclusion, str] = {
    Exclusion.SECURE_ONLY: "redirects.cookie_secure_over_http",
    Exclusion.SAMESITE_NONE_INSECURE: "redirects.cookie_samesite_none_insecure",
    Exclusion.INVALID_PREFIX: "redirects.cookie_invalid_prefix",
    Exclusion.NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE: "redirects.cookie_too_large",
    Exclusion.INVALID_DOMAIN: "redirects.cookie_invalid_domain",
    Exclusion.DOMAIN_MISMATCH: "redirects.cookie_invalid_domain",
    Exclusion.DOMAIN_NON_ASCII: "redirects.cookie_invalid_domain",
    Exclusion.DISALLOWED_CHARACTER: "redirects.cookie_disallowed_character",
}
"""Set-time refusals with a code of their own; the rest are ``redirects.cookie_rejected``."""

OTHER_REJECTION = "redirects.cookie_rejected"


# ----------------------------------------------------------------------------- header size


def header_findings(run: RedirectsRun) -> None:
    """A Cookie header a server refused (400/431), or one beyond common servers' defaults."""
    hops = [h for h in run.flow.hops if h.status is not None or h.cookie_header_bytes]
    if not hops:
        return
    observed = next((h for h in hops if _refused_for_size(h)), None)
    hop = observed or max(hops, key=lambda h: h.cookie_header_bytes)
    exceeded = _exceeded(hop)
    if observed is None and not exceeded:
        return
    evidence = _header_evidence(run, hop, exceeded, observed is not None)
    if observed is not None:
        run.header_observed = True
        run.add("redirects.header_too_large", **evidence)
        return
    run.add(
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


def _refused_for_size(hop: Hop) -> bool:
    return hop.status == 431 or (
        hop.status == 400 and (hop.body_says_too_large or cookie_line(hop) > SERVER_LIMITS[1][1])
    )


def _exceeded(hop: Hop) -> list[str]:
    """The servers whose default limit this hop's request is over."""
    line = cookie_line(hop)
    return [
        name
        for name, limit, _ in SERVER_LIMITS
        if (hop.request_head_bytes if name == "Node.js" else line + (2 if name == "nginx" else 0)) > limit
    ]


def _header_evidence(run: RedirectsRun, hop: Hop, exceeded: list[str], observed: bool) -> dict[str, Any]:
    largest = sorted(hop.sent, key=lambda c: c.size, reverse=True)[:5]
    return {
        "status": hop.status,
        "reason": run.text(hop.reason),
        "host": host_of(hop.url),
        "url": run.url(hop.url),
        "step": hop.index + 1,
        "server": run.text(hop.server) if hop.server else None,
        "cookie_bytes": hop.cookie_header_bytes,
        "cookie_line_bytes": cookie_line(hop),
        "request_head_bytes": hop.request_head_bytes,
        "cookie_count": len(hop.sent),
        "largest": ", ".join(f"{c.name} ({c.size} bytes)" for c in largest) or "none",
        "largest_cookies": [{"name": c.name, "size": c.size} for c in largest],
        "cookie_families": families(hop.sent),
        "exceeds_defaults_of": exceeded,
        "server_limits": {name: {"bytes": limit, "setting": setting} for name, limit, setting in SERVER_LIMITS},
        "observed": observed,
        "error_page_says_too_large": hop.body_says_too_large,
    }


def cookie_line(hop: Hop) -> int:
    """Bytes of the ``Cookie: …`` header line (without CRLF), 0 when no cookie is sent."""
    return len("Cookie: ") + hop.cookie_header_bytes if hop.cookie_header_bytes else 0


_CHUNK = re.compile(r"^(.*?)(?:C?[0-9]+)$")


def families(cookies: Sequence[Cookie]) -> list[dict[str, Any]]:
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


# ----------------------------------------------------------------------------- cookies that do not arrive


@dataclass
class _Missing:
    """A cookie the jar holds but withheld from the hops that needed it."""

    cookie: Cookie
    where: list[str] = field(default_factory=list)
    """Hosts (domain mismatch) or paths (path mismatch) that did not get it."""
    steps: list[int] = field(default_factory=list)


def mismatch_findings(run: RedirectsRun) -> None:
    """When the flow is stuck: cookies set for another host or path than the one that needs them."""
    domain, path = _withheld_for_scope(run)
    if domain:
        cookies = [m.cookie for m in domain.values()]
        run.add(
            "redirects.cookie_domain_mismatch",
            cookies=", ".join(c.name for c in cookies),
            set_by=", ".join(dict.fromkeys(c.domain for c in cookies)),
            needed_by=", ".join(dict.fromkeys(h for m in domain.values() for h in m.where)),
            suggested_domain=cookies[0].site,
            cookie_list=[
                {**m.cookie.describe(), "needed_by": list(dict.fromkeys(m.where)), "steps": m.steps,
                 "rejected": [Exclusion.DOMAIN_MISMATCH.as_evidence()]}
                for m in domain.values()
            ],
        )
    if path:
        cookies = [m.cookie for m in path.values()]
        run.add(
            "redirects.cookie_path_mismatch",
            cookies=", ".join(c.name for c in cookies),
            cookie_path=", ".join(dict.fromkeys(c.path for c in cookies)),
            needed_paths=", ".join(run.text(p) for p in dict.fromkeys(p for m in path.values() for p in m.where)),
            cookie_list=[
                {**m.cookie.describe(), "needed_paths": [run.text(p) for p in dict.fromkeys(m.where)],
                 "steps": m.steps, "rejected": [Exclusion.NOT_ON_PATH.as_evidence()]}
                for m in path.values()
            ],
        )


def _withheld_for_scope(run: RedirectsRun) -> tuple[dict[str, _Missing], dict[str, _Missing]]:
    """Same-site cookies withheld from the stuck hops only for their domain, or only for their path."""
    flow = run.flow
    hops = flow.cycle() if flow.end is End.LOOP else flow.hops[-10:]
    domain: dict[str, _Missing] = {}
    path: dict[str, _Missing] = {}
    for hop in hops:
        host = host_of(hop.url)
        sent_names = {c.name for c in hop.sent}
        for w in hop.withheld:
            if w.cookie.name in sent_names or w.cookie.site != registrable_domain(host):
                continue
            if Exclusion.DOMAIN_MISMATCH in w.reasons:
                entry = domain.setdefault(w.cookie.name, _Missing(w.cookie))
                entry.where.append(host)
            elif w.reasons == (Exclusion.NOT_ON_PATH,):
                entry = path.setdefault(w.cookie.name, _Missing(w.cookie))
                entry.where.append(path_of(hop.url))
            else:
                continue
            entry.steps.append(hop.index + 1)
    return domain, path


# ----------------------------------------------------------------------------- cookies refused or adjusted


def cookie_findings(run: RedirectsRun, *, escalate: bool) -> None:
    """Every ``Set-Cookie`` a browser refuses, by reason; Max-Age and lifetime adjustments."""
    outcomes = [o for hop in run.flow.hops for o in hop.set_cookies]
    by_code: dict[str, list[SetCookieOutcome]] = {}
    for o in outcomes:
        for code in sorted({REJECTION_CODES.get(r, OTHER_REJECTION) for r in o.reasons}):
            by_code.setdefault(code, []).append(o)
    severity = Severity.HIGH if escalate else None
    for code in (*dict.fromkeys(REJECTION_CODES.values()), OTHER_REJECTION):
        found = _unique(by_code.get(code, []))
        if found:
            run.add(code, severity=severity, **_rejection_evidence(code, found))
    _adjustments(run, outcomes)


def _rejection_evidence(code: str, found: Sequence[SetCookieOutcome]) -> dict[str, Any]:
    evidence = cookie_evidence(found)
    if code == "redirects.cookie_invalid_domain":
        evidence["domains"] = ", ".join(
            dict.fromkeys(
                str(o.attributes.get("domain_attribute", "?")) + (" (a public suffix)" if o.public_suffix_domain else "")
                for o in found
            )
        )
    if code == OTHER_REJECTION:
        evidence["labels"] = ", ".join(
            dict.fromkeys(r.devtools for o in found for r in o.reasons if r not in REJECTION_CODES)
        )
    return evidence


def _adjustments(run: RedirectsRun, outcomes: Sequence[SetCookieOutcome]) -> None:
    """Stored cookies whose Max-Age was ignored, or whose lifetime was cut to 400 days."""
    invalid_max_age = _unique([o for o in outcomes if o.stored and Note.MAX_AGE_INVALID in o.notes])
    if invalid_max_age:
        run.add("redirects.cookie_max_age_invalid", **cookie_evidence(invalid_max_age))
    clamped = _unique([o for o in outcomes if o.stored and Note.EXPIRY_CLAMPED_TO_400_DAYS in o.notes])
    if clamped:
        days = max(o.requested_lifetime_days or 0 for o in clamped)
        run.add(
            "redirects.cookie_lifetime_clamped",
            requested_days=f"{days:,.0f}",
            clamped_to_days=400,
            **cookie_evidence(clamped),
        )


def eviction_findings(run: RedirectsRun, *, escalate: bool) -> None:
    """More than 180 cookies for one site: the browser evicts the oldest."""
    evictions = run.flow.jar.evictions
    by_site: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for e in evictions:
        by_site.setdefault(e.site, []).extend(e.names)
        counts[e.site] = max(counts.get(e.site, 0), e.count_before)
    for site, names in by_site.items():
        set_count = sum(
            1 for hop in run.flow.hops for o in hop.set_cookies if o.stored and registrable_domain(o.host) == site
        )
        run.add(
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


def _unique(outcomes: Sequence[SetCookieOutcome]) -> list[SetCookieOutcome]:
    """One outcome per (cookie name, host): a cookie set again on every hop is one finding."""
    seen: dict[tuple[str, str], SetCookieOutcome] = {}
    for o in outcomes:
        seen.setdefault((o.name, o.host), o)
    return list(seen.values())


def cookie_evidence(outcomes: Sequence[SetCookieOutcome]) -> dict[str, Any]:
    names = list(dict.fromkeys(o.name or "(nameless)" for o in outcomes))
    hosts = list(dict.fromkeys(o.host for o in outcomes))
    return {
        "cookies": ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else ""),
        "cookie_names": names,
        "hosts": ", ".join(hosts),
        "cookie_list": [o.as_evidence() for o in outcomes[:20]],
    }
