"""Requests that never got an answer, by the browser's own error text, and the hosts the sign-in page needed.

Chrome and Edge record why a request failed in ``_error`` (the ``net::ERR_…``
names of ``net/base/net_error_list.h``), Safari a sentence; Firefox records
nothing (status 0). Each failure falls in one group, and each group has a
finding and a checklist item:

==================  ======================================================  ===================
group               Chrome's errors (and Safari's wording)                   check (item)
==================  ======================================================  ===================
blocked_by_client   ERR_BLOCKED_BY_CLIENT: an extension or content blocker  har_blocked (extensions)
blocked_by_policy   ERR_BLOCKED_BY_RESPONSE, _CSP, _ADMINISTRATOR, _ORB …   har_blocked
mixed_content       an http:// request from an https page, never answered   har_blocked
certificate         ERR_CERT_*, ERR_SSL_PINNED_KEY…, "certificate"          har_tls (secure connection)
tls                 ERR_SSL_PROTOCOL_ERROR, ERR_SSL_VERSION_OR_CIPHER…      har_tls
dns                 ERR_NAME_NOT_RESOLVED, ERR_NAME_RESOLUTION_FAILED …     har_network (connection)
connection          ERR_CONNECTION_REFUSED/RESET/CLOSED, proxy, offline …   har_network
timeout             ERR_TIMED_OUT, ERR_CONNECTION_TIMED_OUT                 har_network
unknown             no answer and no reason recorded (Firefox), other text  har_network
==================  ======================================================  ===================

``ERR_ABORTED`` (a request cancelled because the page moved on) and
``ERR_CACHE_MISS`` are normal and ignored; ``ERR_TOO_MANY_REDIRECTS`` belongs to the flow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checks._har.context import RecordingContext, under
from checks._har.navigation import host_of, navigations, parts_of
from diagnose.har.model import HarEntry

CAPTCHA_HOSTS = ("www.google.com/recaptcha", "www.gstatic.com/recaptcha", "www.recaptcha.net", "hcaptcha.com",
                 "challenges.cloudflare.com", "arkoselabs.com", "funcaptcha.com")
"""Where captcha widgets load from (host, or host/path prefix)."""

IGNORED = re.compile(r"ERR_ABORTED|ERR_CACHE_MISS|TOO_MANY_REDIRECTS|REDIRECT_LOOP|cancel", re.IGNORECASE)

_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("blocked_by_client", re.compile(r"BLOCKED_BY_CLIENT|blocked by (?:an )?(?:extension|content blocker)", re.I)),
    ("blocked_by_policy", re.compile(r"BLOCKED_BY_(?:RESPONSE|CSP|ADMINISTRATOR|ORB|PRIVATE_NETWORK|FINGERPRINTING)|"
                                     r"\bcsp\b|content[- ]security|NETWORK_ACCESS_DENIED", re.I)),
    ("mixed_content", re.compile(r"mixed.content", re.I)),
    ("certificate", re.compile(r"ERR_CERT_|PINNED_KEY|CERTIFICATE_TRANSPARENCY|certificate", re.I)),
    ("tls", re.compile(r"ERR_SSL_|ERR_BAD_SSL|SSL_PROTOCOL|TLS|secure connection", re.I)),
    ("dns", re.compile(r"NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|ERR_DNS_|hostname could not be found", re.I)),
    ("timeout", re.compile(r"TIMED_OUT|timed out", re.I)),
    ("connection", re.compile(r"CONNECTION_|ADDRESS_UNREACHABLE|ADDRESS_INVALID|EMPTY_RESPONSE|NETWORK_CHANGED|"
                              r"INTERNET_DISCONNECTED|PROXY|TUNNEL|HTTP2_PROTOCOL|QUIC_PROTOCOL|offline|"
                              r"could not connect|network connection was lost", re.I)),
)

CHECK_OF_GROUP = {
    "blocked_by_client": "har_blocked", "blocked_by_policy": "har_blocked", "mixed_content": "har_blocked",
    "certificate": "har_tls", "tls": "har_tls",
    "dns": "har_network", "connection": "har_network", "timeout": "har_network", "unknown": "har_network",
}
CODE_OF_GROUP = {
    "blocked_by_client": "har.blocked_by_client", "blocked_by_policy": "har.blocked_by_policy",
    "mixed_content": "har.mixed_content", "certificate": "har.certificate_error", "tls": "har.tls_failed",
    "dns": "har.dns_failed", "connection": "har.connection_failed", "timeout": "har.timeout",
    "unknown": "har.no_answer",
}
IMPORTANT_TYPES = frozenset({"document", "iframe", "frame", "script", "stylesheet", "style", "xhr", "fetch", "empty",
                             "websocket", "eventsource", "manifest"})
"""Request kinds a sign-in page cannot work without (images, fonts, pings and beacons it can)."""


@dataclass
class Failure:
    entry: HarEntry
    group: str
    role: str
    needed: bool
    """The sign-in depended on it (a sign-in host, a resource of a sign-in page, the identity provider, captcha)."""
    important: bool


@dataclass
class HostUse:
    host: str
    roles: set[str] = field(default_factory=set)
    requests: int = 0
    failed: int = 0
    errors: set[str] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {"host": self.host, "roles": sorted(self.roles), "requests": self.requests, "failed": self.failed,
                "errors": sorted(self.errors)[:5]}


def group_of(entry: HarEntry, page_https: bool) -> str | None:
    """The failure group of an entry that got no answer, or None when it got one (or was cancelled)."""
    if entry.status != 0 and not entry.error:
        return None
    if entry.error and IGNORED.search(entry.error):
        return None
    if entry.status != 0 and entry.error:
        return None  # an answer came; the error is about what happened after (aborted body)
    for group, pattern in _GROUPS:
        if entry.error and pattern.search(entry.error):
            return group
    if entry.url.startswith("http:") and page_https:
        return "mixed_content"
    if entry.security_state == "broken":
        return "certificate"
    return "unknown"


def role_of(ctx: RecordingContext, entry: HarEntry) -> str:
    host = host_of(entry.url)
    _, _, path = parts_of(entry.url)
    if any(_matches(host, path, c) for c in CAPTCHA_HOSTS):
        return "captcha"
    if ctx.is_idp(host):
        return "identity-provider"
    kind = entry.fetch_dest or entry.resource_type
    if kind in ("document",):
        return "page"
    if kind in ("iframe", "frame"):
        return "frame"
    if kind in ("xhr", "fetch", "empty"):
        return "api"
    return kind or "resource"


def _matches(host: str, path: str, rule: str) -> bool:
    rule_host, _, rule_path = rule.partition("/")
    return under(host, (rule_host,)) and path.startswith("/" + rule_path) if rule_path else under(host, (rule_host,))


def analyse(ctx: RecordingContext) -> tuple[list[Failure], dict[str, HostUse]]:
    """Every failure, and the use of each host by the sign-in pages."""
    signin_pages = _signin_pages(ctx)
    navs = navigations(ctx.recording)
    https_pages = {e.pageref for e in navs if e.url.startswith("https:")} | {
        p.id for p in ctx.recording.pages if p.title.startswith("https:")}
    failures: list[Failure] = []
    hosts: dict[str, HostUse] = {}
    for e in ctx.recording.entries:
        if not e.is_network:
            continue
        host = host_of(e.url)
        role = role_of(ctx, e)
        needed = ctx.is_signin_host(host) or role in ("captcha", "identity-provider") or (
            bool(e.pageref) and e.pageref in signin_pages) or ctx.is_signin_host(host_of(e.initiator_url))
        if needed:
            use = hosts.setdefault(host, HostUse(host))
            use.roles.add(role)
            use.requests += 1
        group = group_of(e, e.pageref in https_pages or e.initiator_url.startswith("https:"))
        if group is None:
            continue
        kind = e.fetch_dest or e.resource_type
        failures.append(Failure(e, group, role, needed, kind in IMPORTANT_TYPES or not kind))
        if needed:
            hosts[host].failed += 1
            hosts[host].errors.add(ctx.text(e.error) or "no answer (no reason recorded)")
    return failures, hosts


def _signin_pages(ctx: RecordingContext) -> set[str]:
    pages = {p.id for p in ctx.recording.pages if ctx.is_signin_host(host_of(p.title))}
    pages |= {e.pageref for e in navigations(ctx.recording) if e.pageref and ctx.is_signin_host(host_of(e.url))}
    if not ctx.signin_in_recording():
        pages |= {p.id for p in ctx.recording.pages}
    return pages


def failure_evidence(ctx: RecordingContext, failures: Iterable[Failure]) -> dict[str, Any]:
    items = list(failures)
    hosts = list(dict.fromkeys(host_of(f.entry.url) for f in items))
    shown = list(dict.fromkeys(ctx.short(f.entry.url) for f in items))
    return {
        "hosts": ", ".join(hosts[:8]) + (f" and {len(hosts) - 8} more" if len(hosts) > 8 else ""),
        "what": ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else ""),
        "host_list": hosts[:50],
        "count": len(items),
        "roles": sorted({f.role for f in items}),
        "errors": ", ".join(sorted({ctx.text(f.entry.error) or "no answer (no reason recorded)" for f in items})[:10]),
        "requests": [
            {"entry": f.entry.index, "url": ctx.url(f.entry.url), "role": f.role, "error": ctx.text(f.entry.error) or None}
            for f in items[:20]
        ],
    }
