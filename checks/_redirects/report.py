"""The redirects check's summary and details, and the last scrub of cookie values."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from checks._redirects.flow import MAX_HOPS, REDIRECT_LIMITS, End, Hop
from checks._redirects.outcome import chromium_outcome
from checks._redirects.rules import registrable_domain
from checks._redirects.state import RedirectsRun, host_of
from diagnose.check import Outcome
from diagnose.model import Severity
from diagnose.words import count

MAX_SET_COOKIES_IN_DETAILS = 40

CAUSES = (
    "redirects.header_too_large",
    "redirects.cookie_domain_mismatch",
    "redirects.cookie_path_mismatch",
    "redirects.cookie_secure_over_http",
    "redirects.downgrade",
)
"""Findings that explain a loop or a refusal: the summary names them before the symptom."""


def summary(run: RedirectsRun) -> str:
    """The most severe finding (a cause before its symptom), else how the flow ended."""
    serious = sorted(
        (f for f in run.findings if f.severity is not Severity.INFO),
        key=lambda f: (f.severity.rank, f.code not in CAUSES, CAUSES.index(f.code) if f.code in CAUSES else 0),
    )
    if serious:
        return serious[0].message
    flow = run.flow
    last = flow.last
    cookies = sum(1 for hop in flow.hops for o in hop.set_cookies if o.stored)
    redirects = sum(1 for hop in flow.hops if hop.next_url)
    answer = f"{last.status} {run.text(last.reason)}".strip() if last is not None else "no answer"
    where = run.short(last.url) if last else "?"
    ended = (
        f"The sign-in page answered {answer} at {where} without a redirect" if redirects == 0
        else f"The sign-in flow ended after {count(redirects, 'redirect')} with {answer} at {where}"
    )
    accepted = (
        "the service sets no cookies" if cookies == 0
        else "browsers accept the cookie the service sets" if cookies == 1
        else f"browsers accept all {count(cookies, 'cookie')} the service sets"
    )
    return f"{ended}; {accepted}."


def details(run: RedirectsRun) -> dict[str, Any]:
    flow = run.flow
    last = flow.last
    return {
        "start_url": run.url(flow.start_url),
        "end": flow.end.value,
        "steps": len(flow.hops),
        "redirects_in_a_row": flow.max_redirects,
        "final": (
            {"status": last.status, "reason": run.text(last.reason), "url": run.url(last.url)}
            if last is not None and flow.end is End.FINAL
            else None
        ),
        "loop_back_to_step": (flow.loop_start + 1) if flow.loop_start is not None else None,
        "limits": {"max_hops": MAX_HOPS, "browser_redirects": dict(REDIRECT_LIMITS)},
        "chrome": _chrome(run),
        "hops": [hop_details(run, h) for h in flow.hops],
        "cookies_at_end": [c.describe() for c in flow.jar.cookies(run.ctx.clock.time())],
    }


def _chrome(run: RedirectsRun) -> dict[str, Any] | None:
    """Where Chrome and Edge end this flow: the page they show, or the error they stop with."""
    outcome = chromium_outcome(run.flow)
    if outcome is None:
        return None
    return {"error": outcome.error, "status": outcome.status, "url": run.url(outcome.url) if outcome.url else None,
            "step": outcome.step}


def hop_details(run: RedirectsRun, hop: Hop) -> dict[str, Any]:
    site = registrable_domain(host_of(hop.url))
    out: dict[str, Any] = {
        "step": hop.index + 1,
        "kind": hop.kind.value,
        "url": run.url(hop.url),
        "same_site_request": hop.same_site,
        "cross_site_redirect": hop.cross_site_redirect,
        "cookie_state": hop.jar_state,
        "cookies_sent": [c.name for c in hop.sent],
        "cookie_header_bytes": hop.cookie_header_bytes,
        "request_head_bytes": hop.request_head_bytes,
    }
    withheld = [w.as_evidence() for w in hop.withheld if w.cookie.site == site]
    if withheld:
        out["cookies_withheld"] = withheld[:MAX_SET_COOKIES_IN_DETAILS]
    out.update(_answer_details(run, hop))
    if hop.set_cookies:
        out["set_cookies"] = [o.as_evidence() for o in hop.set_cookies[:MAX_SET_COOKIES_IN_DETAILS]]
        if len(hop.set_cookies) > MAX_SET_COOKIES_IN_DETAILS:
            out["set_cookies_not_listed"] = len(hop.set_cookies) - MAX_SET_COOKIES_IN_DETAILS
    if hop.retrieval.downgraded:
        out["cookies_sent_despite_cross_site_redirect"] = [c.name for c in hop.retrieval.downgraded]
    if hop.error:
        out["error"] = {"kind": hop.error_kind, "failure": hop.failure.value if hop.failure else None,
                        "detail": run.text(hop.error)}
    if hop.body_truncated:
        out["body_truncated"] = True
    return out


def _answer_details(run: RedirectsRun, hop: Hop) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if hop.status is not None:
        out["status"] = hop.status
        out["reason"] = run.text(hop.reason)
    if hop.server:
        out["server"] = run.text(hop.server)
    if hop.location is not None:
        out["location"] = run.url(hop.location)
        out["location_relative"] = not re.match(r"(?i)^\s*[a-z][a-z0-9+.-]*:", hop.location)
    if len(hop.locations) > 1:
        out["locations"] = [run.url(v) for v in hop.locations]
    if hop.location_problem:
        out["location_problem"] = hop.location_problem.value
    if hop.next_url:
        out["next_url"] = run.url(hop.next_url)
    return out


def scrubbed(run: RedirectsRun, outcome: Outcome) -> Outcome:
    """The last line of defence: no string the check returns holds a cookie value it saw.

    URLs and texts are already redacted where they are captured; this pass
    also catches a value a server copied somewhere unexpected (a Path
    attribute, an attribute name, a reason phrase).
    """
    scrub = run.flow.jar.scrub
    findings = tuple(
        dataclasses.replace(
            f, message=scrub(f.message), remediation=scrub(f.remediation), evidence=_scrub_tree(f.evidence, scrub)
        )
        for f in outcome.findings
    )
    return dataclasses.replace(
        outcome, summary=scrub(outcome.summary), findings=findings, details=_scrub_tree(outcome.details, scrub)
    )


def _scrub_tree(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {scrub(str(k)): _scrub_tree(v, scrub) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_tree(v, scrub) for v in value]
    return value
