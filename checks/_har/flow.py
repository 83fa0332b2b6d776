"""The recorded sign-in flow: loops, too many redirects, downgrades, detours, broken redirects, errors.

The same faults the live ``redirects`` check looks for, read from what the
person's browser actually did (:mod:`checks._har.navigation` rebuilds the
navigations), with the same finding codes where the meaning is the same:

* ``redirects.loop``: within one navigation, the same request (method, URL and
  the Cookie header the browser sent) came back: the browser could only go
  round until it gave up; or the same address was loaded again and again by
  separate navigations within a minute (a script or meta refresh loop);
* ``redirects.too_many``: more redirects in a row than browsers follow (Chrome,
  Edge, Firefox 20; Safari 16), or the browser's own ``ERR_TOO_MANY_REDIRECTS``;
* ``redirects.downgrade``, ``redirects.offsite``, ``redirects.broken_location``;
* ``redirects.header_too_large``: a 431, or a 400 whose page says the header
  or cookie is too large or whose Cookie header exceeds common limits, with
  the size of the Cookie header the browser sent;
* ``har.signin_http_error``: another 4xx/5xx answer from the sign-in or the
  identity provider's hosts;
* ``har.back_to_signin``: after a password was posted, the browser ended up on
  the sign-in page again (the session did not stick);
* ``har.no_navigation``: the recording holds no top-level page load at all.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from typing import Any

from checks._har.context import RecordingContext
from checks._har.navigation import (
    REDIRECT_STATUSES,
    Chain,
    chains,
    host_of,
    navigations,
    parts_of,
    resolve,
    without_fragment,
)
from checks.redirects import BROWSER_NAMES, GIVES_UP, LIMITS_TEXT, REDIRECT_LIMITS
from diagnose.har.model import Browser, HarEntry
from diagnose.model import Finding, Severity
from diagnose.words import join

RELOAD_LOOP_COUNT = 4
"""The same address loaded by this many separate navigations within :data:`RELOAD_LOOP_SECONDS` is a loop."""
RELOAD_LOOP_SECONDS = 60.0
COOKIE_LINE_LIMIT = 8190
"""Apache's LimitRequestFieldSize (nginx's buffer is 8 KB): above it a 400 is a header-size refusal."""

SERVER_LIMITS: tuple[tuple[str, int], ...] = (
    ("nginx", 8192), ("Apache httpd", 8190), ("IIS", 16384), ("Node.js", 16384),
)

Make = Callable[..., Finding]


class FlowAnalysis:
    """Findings about the navigations of one recording."""

    def __init__(self, ctx: RecordingContext, make: Make) -> None:
        self.ctx = ctx
        self.make = make
        self.findings: list[Finding] = []
        self.navs = navigations(ctx.recording)
        self.chains = chains(self.navs)
        self.stuck = False
        """A loop, too many redirects, a header refusal or a return to the sign-in page was found."""

    def add(self, code: str, **evidence: Any) -> None:
        self.findings.append(self.make(code, **evidence))

    def run(self) -> list[Finding]:
        if not self.navs:
            self.add("har.no_navigation", entries=self.ctx.recording.entries_analysed)
            return self.findings
        for chain in self.chains:
            self._chain(chain)
        self._reload_loop()
        self._errors()
        self._back_to_signin()
        return self.findings

    # -- one navigation -----------------------------------------------------------------

    def _chain(self, chain: Chain) -> None:
        ctx = self.ctx
        hops = chain.hops
        for before, after in itertools.pairwise(hops):
            if before.url.startswith("https:") and after.url.startswith("http:"):
                self.add("redirects.downgrade", from_url=ctx.url(before.url), to_url=ctx.url(after.url),
                         entry=before.index, via="redirect")
                break
        start = host_of(hops[0].url)
        if ctx.is_official(start):
            offsite = [h for h in hops[1:] if not ctx.is_signin_host(host_of(h.url))]
            if offsite:
                hosts = list(dict.fromkeys(host_of(h.url) for h in offsite))
                self.add("redirects.offsite", host=hosts[0], hosts=hosts, entry=offsite[0].index,
                         url=ctx.url(offsite[0].url), known_identity_providers=list(ctx.idps))
        self._cycle(chain)
        last = chain.last
        if last.status in REDIRECT_STATUSES:
            problem = None
            if last.location is None:
                problem = ("missing", "without saying where to go (no Location header)")
            elif resolve(last.location, last.url) is None:
                problem = ("invalid", "with a Location that is not a web address a browser can follow")
            if problem is not None:
                self.add("redirects.broken_location", status=last.status, url=ctx.url(last.url), entry=last.index,
                         location_problem=problem[0], problem=problem[1],
                         location=ctx.url(last.location) if last.location is not None else None)

    def _cycle(self, chain: Chain) -> None:
        ctx = self.ctx
        seen: dict[tuple[str, str, str | None], int] = {}
        cycle_at: tuple[int, int] | None = None
        for position, hop in enumerate(chain.hops):
            key = (hop.method, without_fragment(hop.url), hop.cookie_header)
            if key in seen and cycle_at is None:
                cycle_at = (seen[key], position)
            seen.setdefault(key, position)
        redirects = chain.redirects
        browser_gave_up = "TOO_MANY_REDIRECTS" in chain.last.error.upper() or "REDIRECT_LOOP" in chain.last.error.upper()
        limits = dict(REDIRECT_LIMITS)
        if cycle_at is not None:
            first, again = cycle_at
            cycle = chain.hops[first:again]
            self.stuck = True
            self.add(
                "redirects.loop",
                cycle=" → ".join(ctx.short(h.url) for h in (*cycle, cycle[0])) + " → …",
                cycle_urls=[ctx.url(h.url) for h in cycle],
                cycle_entries=[h.index for h in cycle],
                repeats_entry=chain.hops[again].index,
                redirects_recorded=redirects,
                browser_gave_up=browser_gave_up,
                same_cookies_each_time=not ctx.recording.cookies_stripped,
                browser_limits=limits,
                limits=LIMITS_TEXT,
                gives_up=GIVES_UP,
            )
        else:  # a loop is the cause of everything after it (as the live check says)
            self._too_many(chain, browser_gave_up)

    def _too_many(self, chain: Chain, browser_gave_up: bool) -> None:
        ctx = self.ctx
        redirects = chain.redirects
        safari = ctx.recording.browser is Browser.SAFARI
        failing = [b for b, limit in REDIRECT_LIMITS.items() if redirects > limit]
        # Chrome, Edge and Firefox are what people mostly sign in with: past their limits the sign-in
        # fails; past Safari's alone it is a warning, unless the recording is Safari's.
        over = browser_gave_up or any(b != "safari" for b in failing) or (safari and "safari" in failing)
        if failing or browser_gave_up:
            self.stuck = self.stuck or over
            working = [BROWSER_NAMES[b] for b in REDIRECT_LIMITS if b not in failing]
            self.add(
                "redirects.too_many",
                severity=None if over else Severity.MEDIUM,
                count=str(redirects),
                redirects=redirects,
                browsers=join(BROWSER_NAMES[b] for b in failing) or "browsers",
                still_works=(f" {join(working)} still {'follows' if len(working) == 1 else 'follow'} them."
                             if working and failing else ""),
                limits=LIMITS_TEXT,
                browser_error=ctx.text(chain.last.error) or None,
                last_urls=[ctx.url(h.url) for h in chain.hops[-3:]],
                entry=chain.last.index,
            )

    def _reload_loop(self) -> None:
        """The same page loaded again and again by separate navigations (script or meta refresh)."""
        if any(f.code == "redirects.loop" for f in self.findings):
            return
        starts: dict[str, list[HarEntry]] = {}
        for chain in self.chains:
            last = chain.last
            if last.status and last.status < 300:
                starts.setdefault(without_fragment(last.url), []).append(last)
        for url, loads in starts.items():
            timed = sorted(e.started for e in loads if e.started is not None)
            burst = max((sum(1 for t in timed if start <= t <= start + RELOAD_LOOP_SECONDS) for start in timed), default=0)
            if burst >= RELOAD_LOOP_COUNT:
                self.stuck = True
                self.add("redirects.loop", cycle=f"{self.ctx.short(url)} loaded {burst} times within a minute",
                         cycle_urls=[self.ctx.url(url)], cycle_entries=[e.index for e in loads[:20]],
                         reloads=burst, browser_limits={}, gives_up=" The page reloads itself again and again.")
                return

    # -- answers ------------------------------------------------------------------------

    def _errors(self) -> None:
        ctx = self.ctx
        too_large = None
        other: list[HarEntry] = []
        for e in ctx.recording.entries:
            if e.status < 400:
                continue
            cookie_line = len("Cookie: ") + e.cookie_header_bytes if e.cookie_header_bytes else 0
            if e.status == 431 or (e.status in (400, 494) and (e.body_says_too_large or cookie_line > COOKIE_LINE_LIMIT)):
                too_large = too_large or e
            elif ctx.is_signin_host(host_of(e.url)) and (e.status >= 500 or e in self.navs or e.method == "POST"):
                other.append(e)
        if too_large is not None:
            self.stuck = True
            self.add("redirects.header_too_large", **self._header_evidence(too_large, observed=True))
        else:
            biggest = max(ctx.recording.entries, key=lambda e: e.cookie_header_bytes, default=None)
            if biggest is not None and biggest.cookie_header_bytes + len("Cookie: ") > SERVER_LIMITS[1][1]:
                evidence = self._header_evidence(biggest, observed=False)
                self.add("redirects.header_too_large", severity=Severity.MEDIUM, message=(
                    "The browser sent {cookie_bytes} bytes of cookies to {host}, more than "
                    + ", ".join(evidence["exceeds_defaults_of"]) + " accept by default. This server took them, "
                    "but another server or proxy on the way may answer 400 \"Request Header Or Cookie Too Large\". "
                    "The largest cookies are {largest}."), **evidence)
        shown = list({(e.status, host_of(e.url)): e for e in other}.values())[:10]
        if shown:
            worst = max(shown, key=lambda e: e.status)
            self.add(
                "har.signin_http_error",
                severity=Severity.HIGH if worst.status >= 500 else Severity.MEDIUM,
                status=worst.status,
                reason=ctx.text(worst.status_text),
                url=ctx.url(worst.url),
                host=host_of(worst.url),
                entry=worst.index,
                answers=[{"entry": e.index, "status": e.status, "method": e.method, "url": ctx.url(e.url)} for e in shown],
            )

    def _header_evidence(self, e: HarEntry, *, observed: bool) -> dict[str, Any]:
        sizes = _cookie_sizes(e.cookie_header or "")
        largest = sorted(sizes, key=lambda kv: -kv[1])[:5]
        line = len("Cookie: ") + e.cookie_header_bytes if e.cookie_header_bytes else 0
        return {
            "status": e.status or None,
            "reason": self.ctx.text(e.status_text),
            "host": host_of(e.url),
            "url": self.ctx.url(e.url),
            "entry": e.index,
            "cookie_bytes": e.cookie_header_bytes,
            "cookie_line_bytes": line,
            "request_head_bytes": e.request_head_bytes,
            "cookie_count": len(sizes),
            "largest": ", ".join(f"{n} ({s} bytes)" for n, s in largest) or "none recorded",
            "largest_cookies": [{"name": n, "size": s} for n, s in largest],
            "exceeds_defaults_of": [name for name, limit in SERVER_LIMITS if line > limit],
            "observed": observed,
            "error_page_says_too_large": e.body_says_too_large,
            "cookies_recorded": not self.ctx.recording.cookies_stripped,
        }

    def _back_to_signin(self) -> None:
        ctx = self.ctx
        posts = [e for e in ctx.recording.entries if e.has_password_field and e.started is not None]
        if not posts:
            return
        post = min(posts, key=lambda e: e.started or 0.0)
        login_paths = {parts_of(post.url)[1:]} | {parts_of(u)[1:] for u in ctx.profile.signin_urls}
        for chain in self.chains:
            last = chain.last
            if last.started is None or post.started is None or last.started <= post.started:
                continue
            if parts_of(last.url)[1:] in login_paths and last.status and last.status < 300 and last is not post:
                self.stuck = True
                self.add("har.back_to_signin", url=ctx.url(last.url), entry=last.index, posted_entry=post.index,
                         posted_to=ctx.short(post.url), seconds_after=round(last.started - post.started, 1))
                return

    def summary_counts(self) -> dict[str, Any]:
        statuses = Counter(c.last.status for c in self.chains)
        return {"navigations": len(self.chains), "redirects": sum(c.redirects for c in self.chains),
                "final_statuses": {str(k): v for k, v in sorted(statuses.items())}}


def _cookie_sizes(header: str) -> list[tuple[str, int]]:
    out = []
    for part in header.split(";")[:400]:
        name, eq, value = part.strip().partition("=")
        if eq:
            out.append((name.strip()[:128], len(name.strip()) + len(value)))
    return out
