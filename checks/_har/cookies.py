"""Every recorded ``Set-Cookie`` judged by the project's cookie rules, and cookies the flow did not send.

The recording's ``Set-Cookie`` lines are replayed, in the order the browser
received them, through the ``redirects`` check's browser-like jar
(:class:`checks._redirects.cookies.CookieJar`, RFC 6265bis with Chromium's
limits and exclusion reasons). A line the jar refuses is a cookie the
person's browser threw away too; the codes are the live check's
(``redirects.cookie_secure_over_http``, ``…_samesite_none_insecure``, …).

The jar then says, for every later top-level request to the sign-in hosts,
which of the cookies set in the recording a browser sends. Comparing that
with the ``Cookie`` header the browser actually sent gives:

* ``redirects.cookie_domain_mismatch`` / ``redirects.cookie_path_mismatch``
  when the flow is stuck and a cookie of the same site never reached the host
  or path that needed it (the jar's reason; same meaning as the live check);
* ``har.cookie_not_sent``: a cookie the rules say goes with the request, but
  the browser did not send it (a setting that blocks cookies, third-party
  cookie blocking, an extension, or the cookie was deleted).

Only cookies set within the recording can be judged: cookies the browser held
before the recording started appear in ``Cookie`` headers but not in the jar.
Cross-site rules at set time (6265bis step 18) are not modelled yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from checks._har.context import RecordingContext
from checks._har.navigation import host_of, parts_of
from checks.redirects import CookieJar, CookieUrl, Exclusion, Note, SetCookieOutcome, registrable_domain
from diagnose.har.model import HarEntry
from diagnose.model import Finding, Severity

REJECTION_CODES: dict[Exclusion, str] = {
    Exclusion.SECURE_ONLY: "redirects.cookie_secure_over_http",
    Exclusion.SAMESITE_NONE_INSECURE: "redirects.cookie_samesite_none_insecure",
    Exclusion.INVALID_PREFIX: "redirects.cookie_invalid_prefix",
    Exclusion.NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE: "redirects.cookie_too_large",
    Exclusion.INVALID_DOMAIN: "redirects.cookie_invalid_domain",
    Exclusion.DOMAIN_NON_ASCII: "redirects.cookie_invalid_domain",
    Exclusion.DISALLOWED_CHARACTER: "redirects.cookie_disallowed_character",
}
"""The live check's codes for set-time refusals (the same meaning); others are ``redirects.cookie_rejected``."""

Make = Callable[..., Finding]


def cookie_url(url: str) -> CookieUrl | None:
    scheme, host, path = parts_of(url)
    if scheme not in ("http", "https") or not host:
        return None
    return CookieUrl(scheme, host, path)


class CookieAnalysis:
    def __init__(self, ctx: RecordingContext, make: Make) -> None:
        self.ctx = ctx
        self.make = make
        self.jar = CookieJar()
        self.outcomes: list[tuple[HarEntry, SetCookieOutcome]] = []
        self.not_sent: dict[str, dict[str, Any]] = {}
        self.mismatch: dict[Exclusion, dict[str, dict[str, Any]]] = {}

    def replay(self, navigation_indexes: set[int]) -> None:
        entries = sorted(self.ctx.recording.entries, key=lambda e: (e.started or 0.0, e.index))
        for e in entries:
            url = cookie_url(e.url)
            if url is None:
                continue
            now = e.started or 0.0
            if e.index in navigation_indexes:
                self._compare(e, url, now)
            for line in e.set_cookies:
                outcome = self.jar.receive(line, url, now, hop=e.index)
                self.outcomes.append((e, outcome))

    def _compare(self, e: HarEntry, url: CookieUrl, now: float) -> None:
        if self.ctx.recording.cookies_stripped or not self.ctx.is_signin_host(url.host):
            return
        retrieval = self.jar.retrieve(url, now, same_site=True)
        actually = set(e.request_cookie_names)
        site = registrable_domain(url.host)
        for cookie in retrieval.sent:
            if cookie.name not in actually:
                entry = self.not_sent.setdefault(cookie.name, {"cookie": cookie, "entries": [], "hosts": []})
                entry["entries"].append(e.index)
                entry["hosts"].append(url.host)
        for withheld in retrieval.withheld:
            c = withheld.cookie
            if c.name in actually or c.site != site:
                continue
            for reason in (Exclusion.DOMAIN_MISMATCH, Exclusion.NOT_ON_PATH):
                if withheld.reasons == (reason,) or (reason is Exclusion.DOMAIN_MISMATCH and reason in withheld.reasons):
                    slot = self.mismatch.setdefault(reason, {}).setdefault(
                        c.name, {"cookie": c, "entries": [], "needed": []})
                    slot["entries"].append(e.index)
                    slot["needed"].append(url.host if reason is Exclusion.DOMAIN_MISMATCH else self.ctx.text(url.path))
                    break

    # -- findings ------------------------------------------------------------------------

    def findings(self, *, stuck: bool) -> list[Finding]:
        out = self._rejections(Severity.HIGH if stuck else None)
        out += self._notes()
        if stuck:
            out += self._mismatches()
        if self.not_sent:
            out.append(self._not_sent(stuck))
        return out

    def _rejections(self, severity: Severity | None) -> list[Finding]:
        out = []
        by_code: dict[str, list[SetCookieOutcome]] = {}
        for _, o in self.outcomes:
            for code in sorted({REJECTION_CODES.get(r, "redirects.cookie_rejected") for r in o.reasons}):
                by_code.setdefault(code, []).append(o)
        for code in (*dict.fromkeys(REJECTION_CODES.values()), "redirects.cookie_rejected"):
            found = _unique(by_code.get(code, []))
            if not found:
                continue
            evidence = self.evidence(found)
            if code == "redirects.cookie_invalid_domain":
                evidence["domains"] = ", ".join(dict.fromkeys(_domain_shown(o) for o in found))
            if code == "redirects.cookie_rejected":
                evidence["labels"] = ", ".join(dict.fromkeys(
                    r.devtools for o in found for r in o.reasons if r not in REJECTION_CODES))
            out.append(self.make(code, severity=severity, **evidence))
        return out

    def _notes(self) -> list[Finding]:
        out = []
        stored = [o for _, o in self.outcomes if o.stored]
        invalid_max_age = _unique([o for o in stored if Note.MAX_AGE_INVALID in o.notes])
        if invalid_max_age:
            out.append(self.make("redirects.cookie_max_age_invalid", **self.evidence(invalid_max_age)))
        clamped = _unique([o for o in stored if Note.EXPIRY_CLAMPED_TO_400_DAYS in o.notes])
        if clamped:
            days = max(o.requested_lifetime_days or 0 for o in clamped)
            out.append(self.make("redirects.cookie_lifetime_clamped", requested_days=f"{days:,.0f}", clamped_to_days=400,
                                 **self.evidence(clamped)))
        return out

    def _not_sent(self, stuck: bool) -> Finding:
        names = list(self.not_sent)
        return self.make(
            "har.cookie_not_sent",
            severity=Severity.HIGH if stuck else None,
            cookies=", ".join(self.ctx.text(n) for n in names[:10]),
            hosts=", ".join(dict.fromkeys(h for v in self.not_sent.values() for h in v["hosts"])),
            cookie_list=[{"name": self.ctx.text(n), "set_by": v["cookie"].set_by, "set_in_entry": v["cookie"].set_at_hop,
                          "not_sent_in_entries": v["entries"][:20]} for n, v in list(self.not_sent.items())[:20]],
        )

    def _mismatches(self) -> list[Finding]:
        out = []
        domain = self.mismatch.get(Exclusion.DOMAIN_MISMATCH, {})
        if domain:
            cookies = [v["cookie"] for v in domain.values()]
            out.append(self.make(
                "redirects.cookie_domain_mismatch",
                cookies=", ".join(self.ctx.text(c.name) for c in cookies),
                set_by=", ".join(dict.fromkeys(c.domain for c in cookies)),
                needed_by=", ".join(dict.fromkeys(h for v in domain.values() for h in v["needed"])),
                suggested_domain=cookies[0].site,
                cookie_list=[_describe(c, entries=domain[c.name]["entries"]) for c in cookies],
            ))
        path = self.mismatch.get(Exclusion.NOT_ON_PATH, {})
        if path:
            cookies = [v["cookie"] for v in path.values()]
            out.append(self.make(
                "redirects.cookie_path_mismatch",
                cookies=", ".join(self.ctx.text(c.name) for c in cookies),
                cookie_path=", ".join(dict.fromkeys(self.ctx.text(c.path) for c in cookies)),
                needed_paths=", ".join(dict.fromkeys(p for v in path.values() for p in v["needed"])),
                cookie_list=[_describe(c, entries=path[c.name]["entries"]) for c in cookies],
            ))
        return out

    def evidence(self, outcomes: Sequence[SetCookieOutcome]) -> dict[str, Any]:
        names = list(dict.fromkeys(self.ctx.text(o.name) or "(nameless)" for o in outcomes))
        hosts = list(dict.fromkeys(o.host for o in outcomes))
        return {
            "cookies": ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else ""),
            "cookie_names": names,
            "hosts": ", ".join(hosts),
            "cookie_list": [outcome_evidence(o, self.ctx.text) for o in outcomes[:20]],
        }

    def details(self) -> dict[str, Any]:
        stored = sum(1 for _, o in self.outcomes if o.stored)
        return {
            "set_cookie_lines": len(self.outcomes),
            "stored": stored,
            "refused": sum(1 for _, o in self.outcomes if o.reasons),
            "set_cookies": [outcome_evidence(o, self.ctx.text) for _, o in self.outcomes[:40]],
        }


def outcome_evidence(o: SetCookieOutcome, text: Callable[[str], str]) -> dict[str, Any]:
    """The jar's view of one ``Set-Cookie``, for a HAR report: ``entry`` instead of a walk's
    ``step``, and no ``value_hash`` (an unsalted hash of a short value is the value, issue 20)."""
    shown = {k: v for k, v in o.as_evidence().items() if k not in ("value_hash", "step")}
    shown["name"] = text(str(shown.get("name", "")))
    shown["entry"] = o.hop
    return shown


def _describe(cookie: Any, *, entries: Sequence[int]) -> dict[str, Any]:
    described: Mapping[str, Any] = cookie.describe()
    shown = {k: v for k, v in described.items() if k not in ("value_hash", "set_at_step")}
    shown["set_in_entry"] = cookie.set_at_hop
    shown["needed_in_entries"] = list(entries)[:20]
    return shown


def _domain_shown(o: SetCookieOutcome) -> str:
    return str(o.attributes.get("domain_attribute", "?")) + (" (a public suffix)" if o.public_suffix_domain else "")


def _unique(outcomes: Sequence[SetCookieOutcome]) -> list[SetCookieOutcome]:
    seen: dict[tuple[str, str], SetCookieOutcome] = {}
    for o in outcomes:
        seen.setdefault((o.name, o.host), o)
    return list(seen.values())


def sign_in_hosts_seen(ctx: RecordingContext) -> list[str]:
    return sorted({host_of(e.url) for e in ctx.recording.entries if ctx.is_signin_host(host_of(e.url))})
