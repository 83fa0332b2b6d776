"""From what was read to findings: one small judgement per question, per profile.

Each judgement returns :class:`Verdict` values (a finding code, its evidence,
and a severity when it differs from the catalogue's); the check turns them
into findings. Evidence names cookies by name and size only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from checks._browser.cookies import Request, duplicates, expired, header_bytes, sent_with
from checks._browser.extensions import KnownExtension, recognise
from checks._browser.files import ReadError
from checks._browser.model import Family, ProfileState, Site, StoredCookie
from diagnose.facts import Intercepted
from diagnose.model import Severity

COOKIE_LINE_PREFIX = len("Cookie: ")


@dataclass(frozen=True, slots=True)
class Verdict:
    code: str
    evidence: dict[str, Any]
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the vendor profile says (``[browser]``), and what other checks found."""

    minimum_versions: Mapping[str, int] = field(default_factory=dict)
    minimum_versions_note: str = ""
    needed_cookies: tuple[str, ...] = ()
    needs_popups: bool = False
    needs_third_party_cookies: bool = False
    known: tuple[KnownExtension, ...] = ()
    server_limits: tuple[tuple[str, int, str], ...] = ()
    """(server, bytes, setting): the ``redirects`` check's header-size limits."""
    system_proxy: str | None = None
    """The proxy the operating system (or environment) uses for the sign-in address, None for direct."""
    interception: Intercepted | None = None
    """What the ``certificate`` check handed on when it found the connection intercepted."""
    show: Callable[[Any], str] = str
    """A path as the report shows it (the home directory as ``~``)."""


@dataclass(frozen=True, slots=True)
class Sending:
    """The cookies a profile sends to each sign-in address, worked out once."""

    by_url: Mapping[str, list[StoredCookie]]
    url: str
    """The address that gets the largest Cookie header."""
    sent: list[StoredCookie]
    withheld: str | None = None
    """Why the browser sends none of the stored cookies to the sign-in host (a setting blocks them), or None."""


def sending(state: ProfileState, site: Site, now: float) -> Sending:
    """Which stored cookies go with each sign-in address.

    A "block cookies" setting for the sign-in host (or for every site) withholds the stored ones
    too: Chromium excludes them with ``EXCLUDE_USER_PREFERENCES`` and Firefox's cookie permission
    applies to reading as well as setting, so none of them counts towards the Cookie header.
    """
    cookies = state.jar.site_cookies if state.jar is not None else ()
    by_url = {
        url: [] if _blocked(state, url) else sent_with(cookies, Request.of(url), site, now) for url in site.urls
    }
    url = max(site.urls, key=lambda u: header_bytes(by_url[u])[0])
    return Sending(by_url, url, by_url[url], _blocked(state, site.url))


def _blocked(state: ProfileState, url: str) -> str | None:
    return state.cookies_blocked_everywhere or state.cookies_blocked_for.get(url)


@dataclass(frozen=True, slots=True)
class _Case:
    state: ProfileState
    site: Site
    facts: Facts
    now: float
    sending: Sending


def judge(state: ProfileState, site: Site, facts: Facts, now: float, sent: Sending | None = None) -> list[Verdict]:
    """Every finding about one profile."""
    case = _Case(state, site, facts, now, sent or sending(state, site, now))
    who = {"browser": state.profile.browser, "profile": state.profile.name}
    verdicts: list[Verdict] = []
    for judgement in (_cookies, _settings, _proxy, _roots, _extensions, _version, _problems):
        for verdict in judgement(case):
            verdicts.append(Verdict(verdict.code, {**who, **verdict.evidence}, verdict.severity))
    return verdicts


def judge_problem(who: tuple[str, str], problem: ReadError, show: str) -> Verdict:
    """A problem outside any profile (a browser's profile index, a ``--browser-profile`` directory)."""
    return _problem_verdict({"browser": who[0], "profile": who[1]}, problem, show)


# ----------------------------------------------------------------------- cookies


def _cookies(case: _Case) -> Iterator[Verdict]:
    state, site = case.state, case.site
    jar = state.jar
    if jar is None:
        return
    yield from _header(case.sending.url, case.sending.sent, jar.sizes, case.facts)
    yield from _counts(state, site)
    dupes: dict[str, list[StoredCookie]] = {}
    for sent in case.sending.by_url.values():
        dupes.update(duplicates(sent))
    if dupes:
        yield Verdict("browser.duplicate_cookies", {
            "host": site.host,
            "cookies": ", ".join(_shown(n) for n in list(dupes)[:8]),
            "copies": {_shown(n): [{"domain": c.host, "path": c.path} for c in group[:6]] for n, group in dupes.items()},
        })
    stale = expired(jar.site_cookies, case.now)
    if stale:
        yield Verdict("browser.expired_cookies", {
            "site": site.registrable, "count": len(stale),
            "count_words": f"{len(stale)} expired cookie{'s' if len(stale) != 1 else ''}",
            "cookies": ", ".join(_shown(c.name) for c in stale[:8]) + (" …" if len(stale) > 8 else ""),
        })
    yield from _needed(state, site, case.facts, case.sending.sent)


def _header(url: str, sent: Sequence[StoredCookie], sizes: str, facts: Facts) -> Iterator[Verdict]:
    low, high = header_bytes(sent)
    line = COOKIE_LINE_PREFIX + low if low else 0
    exceeded = [name for name, limit, _ in facts.server_limits if line + (2 if name == "nginx" else 0) > limit]
    if not exceeded:
        return
    largest = sorted(sent, key=lambda c: c.size, reverse=True)[:5]
    every = len(exceeded) == len(facts.server_limits)
    yield Verdict("browser.cookie_header_too_large", {
        "url": url,
        "host": Request.of(url).host,
        "cookie_count": len(sent),
        "cookie_bytes": low,
        "cookie_bytes_up_to": high,
        "sizes": "estimated from the encrypted values' lengths" if sizes == "estimated" else "exact",
        "cookie_size": f"{low:,} bytes" if high == low else
                       f"about {low:,}–{high:,} bytes, estimated because the browser stores the values encrypted",
        "largest": ", ".join(f"{_shown(c.name)} ({_bytes(c.size, c.size_max)})" for c in largest),
        "largest_cookies": [{"name": _shown(c.name), "size": c.size, "domain": c.host, "path": c.path}
                            for c in largest],
        "cookie_families": _families(sent),
        "servers": ", ".join(exceeded),
        "exceeds_defaults_of": exceeded,
        "server_limits": {name: {"bytes": limit, "setting": setting} for name, limit, setting in facts.server_limits},
    }, None if every else Severity.MEDIUM)


def _bytes(low: int, high: int) -> str:
    return f"{low:,} bytes" if high <= low else f"{low:,}–{high:,} bytes"


def _families(cookies: Sequence[StoredCookie]) -> list[dict[str, Any]]:
    """Numbered chunk cookies (``.AspNetCore.CookiesC1``, ``ESTSAUTH1``…) that add up.

    The family is the name without its trailing digits and a ``C`` before them
    (the ``redirects`` check groups chunks the same way).
    """
    groups: dict[str, list[StoredCookie]] = {}
    for c in cookies:
        base = c.name.rstrip("0123456789")
        if base == c.name:
            continue
        base = base[:-1] if base.endswith("C") else base
        if base:
            groups.setdefault(base, []).append(c)
    return [{"family": f"{_shown(base)}*", "count": len(members), "bytes": sum(c.size for c in members)}
            for base, members in sorted(groups.items(), key=lambda kv: -sum(c.size for c in kv[1]))
            if len(members) > 1][:5]


def _counts(state: ProfileState, site: Site) -> Iterator[Verdict]:
    jar = state.jar
    assert jar is not None
    own = [c for c in jar.site_cookies if not c.partition and not c.container]
    limit = state.max_cookies_per_site
    if len(own) >= limit - 30 or jar.truncated:
        yield Verdict("browser.too_many_cookies", {
            "site": site.registrable, "count": len(own), "limit": limit, "keeps": limit - 30,
        }, Severity.HIGH if len(own) > limit else None)
    if jar.total is not None and jar.total >= state.max_cookies_total * 0.9:
        yield Verdict("browser.cookie_store_full", {"count": jar.total, "limit": state.max_cookies_total})


def _needed(state: ProfileState, site: Site, facts: Facts, sent: Sequence[StoredCookie]) -> Iterator[Verdict]:
    jar = state.jar
    assert jar is not None
    sent_names = {c.name for c in sent}
    stranded = []
    for name in facts.needed_cookies:
        copies = [c for c in jar.site_cookies if c.name == name]
        elsewhere = [c for c in copies if c.partition not in ("", site.top_level_site) or c.container]
        if elsewhere and name not in sent_names:
            stranded.append((name, elsewhere))
    if stranded:
        yield Verdict("browser.needed_cookie_partitioned", {
            "cookies": ", ".join(_shown(n) for n, _ in stranded),
            "host": site.host,
            "copies": {_shown(n): [c.describe() for c in copies[:4]] for n, copies in stranded},
        })


# ----------------------------------------------------------------------- settings


def _settings(case: _Case) -> Iterator[Verdict]:
    state, site, facts = case.state, case.site, case.facts
    if state.cookies_blocked_everywhere:
        yield Verdict("browser.all_cookies_blocked", {"setting": state.cookies_blocked_everywhere, "host": site.host})
    if state.javascript_blocked_everywhere:
        yield Verdict("browser.javascript_disabled", {"setting": state.javascript_blocked_everywhere,
                                                      "host": site.host})
    codes = {"cookies": "browser.site_cookies_blocked", "javascript": "browser.site_javascript_blocked",
             "popups": "browser.site_popups_blocked"}
    for exception in state.exceptions:
        severity = Severity.MEDIUM if exception.identity_provider else None
        if exception.kind == "popups":
            severity = Severity.MEDIUM if facts.needs_popups else Severity.LOW
        evidence: dict[str, Any] = {
            "host": exception.host, "pattern": exception.pattern, "identity_provider": exception.identity_provider,
            "whose": "the identity provider " + exception.host if exception.identity_provider else exception.host,
        }
        if exception.kind == "cookies":
            if facts.needed_cookies:
                evidence["needed_cookies"] = list(facts.needed_cookies)
            evidence["withheld"] = _withheld(case, exception.host)
            evidence["withheld_note"] = (
                f"; it also keeps the {evidence['withheld']} cookies stored for the site from being sent"
                if evidence["withheld"] else "")
        yield Verdict(codes[exception.kind], evidence, severity)
    if state.third_party_cookies_blocked:
        yield Verdict("browser.third_party_cookies_blocked", {
            "setting": state.third_party_cookies_blocked,
            "identity_providers": _some(site.identity_providers) or "another site",
            "sign_in_needs_third_party_cookies": facts.needs_third_party_cookies,
        }, None if facts.needs_third_party_cookies else Severity.INFO)


def _withheld(case: _Case, host: str) -> int:
    """How many stored cookies a "block" for ``host`` keeps from going to the sign-in address."""
    jar = case.state.jar
    if jar is None or host != case.site.host or case.sending.withheld is None:
        return 0
    return len(sent_with(jar.site_cookies, Request.of(case.site.url), case.site, case.now))


def _proxy(case: _Case) -> Iterator[Verdict]:
    proxy, site, system = case.state.proxy, case.site, case.facts.system_proxy
    if proxy is None:
        return
    if proxy.mode in ("pac", "auto-detect"):
        severity: Severity | None = Severity.LOW
        differs = True
    elif proxy.mode == "direct":
        severity, differs = None, system is not None and not _bypassed(site.host, proxy.bypass)
    else:
        severity, differs = None, _endpoint(proxy.server) != _endpoint(system)
    if not differs:
        return
    described = {"direct": "connects directly, without a proxy", "manual": f"uses the proxy {proxy.server}",
                 "pac": f"picks a proxy with its own script ({proxy.pac_url or 'no address set'})",
                 "auto-detect": "looks for a proxy on the network itself (WPAD)"}[proxy.mode]
    yield Verdict("browser.proxy_differs", {
        "browser_proxy": described,
        "mode": proxy.mode,
        "server": proxy.server,
        "pac_url": proxy.pac_url,
        "system_proxy": system or "none (direct connection)",
        "controlled_by": proxy.controlled_by,
        "set_by": f" (set by the extension {proxy.controlled_by})" if proxy.controlled_by else "",
    }, severity)


def _endpoint(proxy: str | None) -> tuple[str, int] | None:
    if not proxy:
        return None
    parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    try:
        port = parts.port or (1080 if parts.scheme.startswith("socks") else 80)
    except ValueError:
        port = 0
    return ((parts.hostname or "").lower(), port)


def _bypassed(host: str, bypass: str) -> bool:
    entries = [e.strip().lower().lstrip("*").lstrip(".") for e in re.split(r"[,;\s]+", bypass) if e.strip()]
    return any(host == e or host.endswith("." + e) for e in entries if e)


def _roots(case: _Case) -> Iterator[Verdict]:
    state, facts = case.state, case.facts
    interception = facts.interception
    if (state.profile.family is not Family.FIREFOX or interception is None or not interception.installed_in_os
            or state.enterprise_roots is not False):
        return
    yield Verdict("browser.firefox_ignores_os_roots", {
        "host": case.site.host,
        "product": interception.product,
        "issuer": interception.issuer,
        "setting": state.enterprise_roots_setting,
    })


# ----------------------------------------------------------------------- extensions and versions


def _extensions(case: _Case) -> Iterator[Verdict]:
    matched = [(e, k) for e in case.state.extensions if (k := recognise(e, case.facts.known)) is not None]
    if not matched:
        return
    enabled = [(e, k) for e, k in matched if e.enabled]
    severity = min((k.severity for _, k in enabled), key=lambda s: s.rank) if enabled else Severity.INFO
    listed = enabled or matched
    yield Verdict("browser.extension_known_to_break", {
        "extensions": ", ".join(k.name for _, k in listed),
        "state": "enabled" if enabled else "installed but turned off",
        "why": " ".join(f"{k.name} {k.why}" + (f" {k.note}" if k.note else "") for _, k in listed[:3]),
        "extension_list": [
            {"id": e.id, "name": k.name, "installed_as": e.name, "version": e.version, "enabled": e.enabled,
             "state": e.state or "enabled", "kind": k.kind, "why": k.why, **({"vendor_note": k.note} if k.note else {})}
            for e, k in matched
        ],
    }, severity)


def _version(case: _Case) -> Iterator[Verdict]:
    state, facts = case.state, case.facts
    minimum = facts.minimum_versions.get(state.profile.key)
    major = _major(state.version)
    if minimum is None or major is None:
        return
    if state.profile.key == "brave" and major < 50:
        return  # Brave's own numbering (1.x), not the Chromium version the minimum is about
    if major < minimum:
        yield Verdict("browser.outdated", {
            "version": state.version, "minimum": minimum, "why_minimum": facts.minimum_versions_note,
        })


def _major(version: str | None) -> int | None:
    head = (version or "").strip().split(".")[0]
    return int(head) if head.isascii() and head.isdigit() and len(head) < 6 else None  # "²".isdigit() too


# ----------------------------------------------------------------------- problems


def _problems(case: _Case) -> Iterator[Verdict]:
    for problem in case.state.problems:
        yield _problem_verdict({}, problem, case.facts.show(problem.path))


_WHAT = {
    "too_large": "it is larger than this check reads",
    "corrupt": "it is damaged or not in the expected format",
    "unreadable": "this account may not read it",
    "timeout": "the check ran out of time",
    "unrecognised": "it is neither a Chromium-family nor a Firefox profile",
}


def _problem_verdict(who: dict[str, Any], problem: ReadError, shown: str) -> Verdict:
    if problem.kind == "locked":
        return Verdict("browser.profile_locked", {**who, "file": shown, "detail": problem.detail})
    return Verdict("browser.profile_unreadable", {
        **who, "file": shown, "kind": problem.kind, "why": _WHAT.get(problem.kind, problem.detail),
        "detail": problem.detail,
    })


def _some(items: Sequence[str], count: int = 3) -> str:
    return ", ".join(items[:count]) + (" …" if len(items) > count else "")


def _shown(name: str) -> str:
    shown = "".join(c if c.isprintable() else "?" for c in name) or "(nameless)"
    return shown if len(shown) <= 80 else shown[:77] + "..."
