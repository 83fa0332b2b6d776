"""The ``connectivity`` check: does this device reach the sign-in service, and if not, where does it break?

It walks the layers a browser goes through, one result per step and per
address (OONI's web_connectivity pipeline, without a remote helper):

1. **Proxy**: which proxy, if any, the request would use.
2. **DNS**: the system resolver (or the ``--resolve`` pin), and every
   ``--dns-server`` for comparison; NXDOMAIN, SERVFAIL, REFUSED, timeouts,
   empty answers, sinkholed or private answers for a public name, and
   resolvers that disagree.
3. **Offline**: when the name does not resolve, the routing table and the
   profile's other names tell "this name is broken" from "nothing resolves";
   nothing further is probed then, least of all an address by IP.
4. **TCP** to every resolved address, IPv4 and IPv6 separately.
5. **TLS** handshake (https): does it complete, and if not, does the server
   only speak TLS 1.0/1.1? The certificate verdict is the ``certificate``
   check's job; this connection only says whether TLS works.
6. **HTTP** GET of the sign-in URL (no redirects followed, body capped):
   server errors, proxy authentication, captive portals.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.model import Finding
from diagnose.net import (
    TCP_TIMEOUT,
    DnsError,
    FailureKind,
    Lookup,
    Net,
    TcpError,
    TcpProbe,
    classify,
    is_bogon,
    is_ip_literal,
    is_sinkhole,
    read_bounded,
    request_errors,
)
from diagnose.psl import public_suffix_list

_DNS_CODES = {
    DnsError.NXDOMAIN: "connectivity.dns_nxdomain",
    DnsError.SERVFAIL: "connectivity.dns_servfail",
    DnsError.REFUSED: "connectivity.dns_refused",
    DnsError.TIMEOUT: "connectivity.dns_timeout",
    DnsError.NO_ANSWER: "connectivity.dns_no_answer",
    DnsError.OTHER: "connectivity.dns_servfail",
}

_TCP_CODES = {
    TcpError.REFUSED: "connectivity.tcp_refused",
    TcpError.TIMEOUT: "connectivity.tcp_timeout",
    TcpError.UNREACHABLE: "connectivity.tcp_unreachable",
    TcpError.OTHER: "connectivity.tcp_unreachable",
}

MAX_ADDRESSES_PER_FAMILY = 4
"""Addresses probed per IP family; large services publish many, a few tell the story."""

PORTAL_BODY_LIMIT = 16 * 1024


class ConnectivityCheck(Check):
    id = "connectivity"
    title = "Your device reaches the sign-in service"
    failure_title = "Your device does not reach the sign-in service"
    description = (
        "Looks up the sign-in address (system resolver and any --dns-server), connects to every "
        "address over IPv4 and IPv6, completes a TLS handshake and requests the sign-in page, "
        "and says where the path breaks: no network, DNS, firewall, TLS, proxy, captive portal "
        "or the service itself."
    )
    timeout = 15.0
    findings = load_catalogue("connectivity")

    async def run(self, ctx: CheckContext) -> Outcome:
        return await _Run(self, ctx).go()


class _Run:
    """State of one connectivity run; each step adds details and findings."""

    def __init__(self, check: ConnectivityCheck, ctx: CheckContext) -> None:
        import ada_url

        self.check = check
        self.ctx = ctx
        self.net: Net = ctx.net
        url = ada_url.URL(ctx.target.url)
        self.url = ctx.target.url
        self.scheme = url.protocol.rstrip(":")
        self.host = ctx.target.host
        self.port = int(url.port) if url.port else (443 if self.scheme == "https" else 80)
        self.facts = {**ctx.profile.facts_for_messages(), "host": self.host, "port": self.port}
        self.findings: list[Finding] = []
        self.details: dict[str, Any] = {"host": self.host, "port": self.port, "scheme": self.scheme}

    def add(self, code: str, **evidence: Any) -> None:
        self.findings.append(self.check.finding(code, evidence=evidence, facts=self.facts))

    def done(self, summary: str) -> Outcome:
        return self.check.outcome(summary, self.findings, self.details)

    async def go(self) -> Outcome:
        proxy = self.net.proxy_for(self.url)
        self.details["proxy"] = self.ctx.redact.url(proxy) if proxy else None
        if proxy:
            self.add("connectivity.proxy_in_use", proxy=self.ctx.redact.url(proxy))

        addresses = await self.resolve(proxy)
        if addresses is None:
            return self.done(self.summary_for_failure())
        if proxy:
            # A browser hands the whole request to the proxy; direct probes
            # would only measure what the network is meant to block.
            self.details["direct_probes"] = "not attempted: traffic goes through the proxy"
            return await self.http(proxy)

        if not await self.tcp(addresses):
            await self.portal_probe()
            return self.done(self.summary_for_failure())
        if self.scheme == "https" and not await self.tls():
            await self.portal_probe()
            return self.done(self.summary_for_failure())
        return await self.http(None)

    # -- DNS ------------------------------------------------------------------------

    async def resolve(self, proxy: str | None) -> list[str] | None:
        """Addresses to probe, or None when resolution failed (findings added)."""
        if is_ip_literal(self.host):
            self.details["dns"] = {"skipped": "the address is an IP address"}
            return [self.host]
        primary = self.net.resolver_for(self.host, self.port)
        others = self.net.extra_resolvers()
        lookups: Sequence[Lookup] = await asyncio.gather(
            primary.lookup(self.host), *(r.lookup(self.host) for r in others)
        )
        main = lookups[0]
        self.details["dns"] = [lookup.as_evidence() for lookup in lookups]
        pinned = self.ctx.settings.pinned(self.host, self.port) is not None
        if pinned:
            self.details["pinned"] = True

        self.compare(lookups)
        if not main.ok:
            if proxy:
                self.details["dns_note"] = "the proxy resolves names for the browser"
                return []
            await self.explain_dns_failure(main, [lk for lk in lookups[1:] if lk.ok])
            return None

        addresses = list(main.addresses)
        if not pinned:
            bogus = [a for a in addresses if is_sinkhole(a) or (_is_public_name(self.host) and is_bogon(a))]
            if bogus:
                self.add(
                    "connectivity.dns_bogon",
                    name=self.host,
                    addresses=", ".join(bogus),
                    resolver=main.resolver,
                )
                addresses = [a for a in addresses if a not in bogus]
                if not addresses:
                    return None
        return _limit_per_family(addresses)

    def compare(self, lookups: Sequence[Lookup]) -> None:
        answered = [lk for lk in lookups if lk.ok and not lk.resolver.startswith("pinned")]
        if len(answered) < 2:
            return
        sets = [set(lk.addresses) for lk in answered]
        if all(s & sets[0] for s in sets[1:]):
            return
        answers = "; ".join(f"{lk.resolver}: {', '.join(lk.addresses)}" for lk in answered)
        self.add(
            "connectivity.dns_resolvers_disagree",
            name=self.host,
            answers=answers,
            lookups=[lk.as_evidence() for lk in answered],
        )

    async def explain_dns_failure(self, main: Lookup, working: Sequence[Lookup]) -> None:
        assert main.error is not None
        if not working and await self.offline(main):
            return
        evidence: dict[str, Any] = {
            "name": self.host,
            "resolver": main.resolver,
            "detail": main.detail,
        }
        message = None
        if working:
            evidence["working_resolvers"] = [lk.resolver for lk in working]
            spec = self.check.findings[_DNS_CODES[main.error]]
            message = (
                spec.message.format_map({**self.facts, "name": self.host})
                + f" Another DNS server ({', '.join(lk.resolver for lk in working)}) does find it,"
                " so the problem is your network's DNS."
            )
        code = _DNS_CODES[main.error]
        self.findings.append(
            self.check.finding(code, evidence=evidence, facts=self.facts, message=message)
        )

    async def offline(self, main: Lookup) -> bool:
        """Add ``connectivity.offline`` when nothing resolves or there is no route at all.

        The vendor's other names are asked first: if any of them resolves, the
        network works and only this name is broken, even without a default
        route (a LAN-only or proxy-only network reaches its DNS server without
        a default gateway).
        """
        route = self.net.has_default_route()
        self.details["default_route"] = route
        control_hosts = [
            h for h in self.ctx.profile.section("connectivity").get("control_hosts", []) if h != self.host
        ]
        controls: Sequence[Lookup] = []
        if control_hosts and not main.resolver.startswith("pinned"):
            resolver = self.net.system()
            controls = await asyncio.gather(*(resolver.lookup(h) for h in control_hosts))
            self.details["control_lookups"] = [c.as_evidence() for c in controls]
            if any(c.ok for c in controls):
                return False
        if route is False:
            self.add(
                "connectivity.offline",
                why="it has no network route (no default gateway).",
                lookups=[main.as_evidence(), *(c.as_evidence() for c in controls)],
                dns_error=main.error.value if main.error else None,
            )
            return True
        if not controls:
            return False
        names = ", ".join([self.host, *control_hosts])
        self.add(
            "connectivity.offline",
            why=f"no internet name can be looked up ({names}: {_plain_dns(main.error)}).",
            lookups=[main.as_evidence(), *(c.as_evidence() for c in controls)],
            dns_error=main.error.value if main.error else None,
        )
        return True

    # -- TCP ------------------------------------------------------------------------

    async def tcp(self, addresses: Sequence[str]) -> bool:
        probes: Sequence[TcpProbe] = await asyncio.gather(*(self.net.tcp_probe(a, self.port) for a in addresses))
        by_family: dict[str, list[TcpProbe]] = {}
        for probe in probes:
            by_family.setdefault(probe.family, []).append(probe)
        self.details["tcp"] = {fam: [p.as_evidence() for p in ps] for fam, ps in by_family.items()}
        self.connected = [p for p in probes if p.ok]
        working = {fam for fam, ps in by_family.items() if any(p.ok for p in ps)}
        broken = {fam for fam, ps in by_family.items() if not any(p.ok for p in ps)}
        if working and broken:
            failed = [p for p in probes if p.family in broken]
            self.add(
                "connectivity.ip_family_broken",
                working=_family_name(min(working)),
                broken=_family_name(min(broken)),
                detail="; ".join(f"{p.address}: {p.error.value if p.error else ''}" for p in failed),
                probes=[p.as_evidence() for p in failed],
            )
        if self.connected:
            return True
        # Nothing connected: report the most telling failure, with every probe as evidence.
        order = [TcpError.TIMEOUT, TcpError.REFUSED, TcpError.UNREACHABLE, TcpError.OTHER]
        worst = min(probes, key=lambda p: order.index(p.error or TcpError.OTHER))
        assert worst.error is not None
        self.add(
            _TCP_CODES[worst.error],
            address=worst.address,
            port=self.port,
            timeout=f"{TCP_TIMEOUT:g}",
            detail=worst.detail,
            probes=[p.as_evidence() for p in probes],
        )
        return False

    # -- TLS ------------------------------------------------------------------------

    async def tls(self) -> bool:
        address = self.connected[0].address
        modern = await self.net.tls_handshake(address, self.port, self.host)
        self.details["tls"] = modern.as_evidence()
        if modern.ok:
            return True
        # A server that only speaks TLS 1.0/1.1 may answer a modern ClientHello with an alert,
        # or just drop the connection (RST or EOF): version-intolerant stacks, and servers
        # that abort a failed handshake, do the latter. Only a legacy retry tells them apart.
        if modern.error in ("protocol_version", "handshake_failure", "reset", "eof", "other"):
            legacy = await self.net.tls_handshake(address, self.port, self.host, legacy=True)
            self.details["tls_legacy"] = legacy.as_evidence()
            if legacy.ok and legacy.version in ("TLSv1", "TLSv1.1", "SSLv3"):
                self.add(
                    "connectivity.tls_protocol_too_old",
                    address=address,
                    version=legacy.version.replace("TLSv", "TLS "),
                    cipher=legacy.cipher,
                )
                return False
        self.add(
            "connectivity.tls_handshake_failed",
            address=address,
            error=modern.error,
            detail=_tls_detail(modern.error, modern.detail),
        )
        return False

    # -- HTTP -----------------------------------------------------------------------

    async def http(self, proxy: str | None) -> Outcome:
        redact = self.ctx.redact
        try:
            async with self.net.http_client(verify=True, proxy=proxy) as client:
                request = client.build_request("GET", self.url)
                response = await client.send(request, stream=True)
                body = await read_bounded(response, 8 * 1024)
        except request_errors() as exc:
            failure = classify(exc)
            if failure.kind is FailureKind.PROXY_AUTH:
                self.add("connectivity.http_proxy_auth_required", proxy=redact.url(proxy or ""), status_code=407)
            elif failure.kind is FailureKind.PROXY:
                self.add("connectivity.http_failed", detail=redact.text(f"the proxy failed: {failure.detail}"))
            elif failure.kind is FailureKind.CERTIFICATE:
                self.details["http"] = {"skipped": "certificate not trusted"}
                self.add("connectivity.http_not_verified", detail=redact.text(failure.detail))
                await self.portal_probe()
                if any(f.code == "connectivity.http_captive_portal" for f in self.findings):
                    return self.done(self.summary_for_failure())
                return self.done(
                    f"{self.host} is reachable; its certificate is not trusted by this device "
                    "(see the certificate check)."
                )
            else:
                self.add("connectivity.http_failed", detail=redact.text(_exc_text(failure.detail)))
            return self.done(self.summary_for_failure())

        location = response.headers.get("location")
        self.details["http"] = {
            "status_code": response.status_code,
            "reason": response.reason_phrase,
            "http_version": response.http_version,
            "location": redact.url(location) if location else None,
            "server": response.headers.get("server"),
            "body_bytes_read": len(body.data),
            "body_truncated": body.truncated,
        }
        code = response.status_code
        if code == 407:
            self.add("connectivity.http_proxy_auth_required", proxy=redact.url(proxy or "(transparent proxy)"), status_code=code)
        elif code >= 500:
            self.add(
                "connectivity.http_server_error",
                status_code=code,
                reason=response.reason_phrase or "",
                server=response.headers.get("server"),
            )
        elif 300 <= code < 400 and location and self.is_portal_redirect(location):
            await self.portal_probe(hint=location)
        if any(f.severity in ("critical", "high") for f in self.findings):
            return self.done(self.summary_for_failure())
        return self.done(f"{self.host} is reachable: the sign-in page answered {code} {response.reason_phrase}.".rstrip())

    def is_portal_redirect(self, location: str) -> bool:
        """A redirect to a plain-http, non-official host is how captive portals answer."""
        import ada_url

        try:
            target = ada_url.URL(location, self.url)
        except ValueError:
            return False
        host = target.hostname.lower().strip("[]")
        official = any(host == d or host.endswith("." + d) for d in self.ctx.profile.official_domains)
        return not official and host != self.host and (target.protocol == "http:" or is_ip_literal(host))

    async def portal_probe(self, hint: str | None = None) -> None:
        """Fetch the profile's known-answer URLs over plain HTTP; a different answer is a captive portal."""
        import ada_url

        probes = self.ctx.profile.section("connectivity").get("captive_portal_probes", [])
        results: list[dict[str, Any]] = []
        for probe in probes:
            url = str(probe.get("url", ""))
            try:
                parsed = ada_url.URL(url)
            except ValueError:
                continue
            port = int(parsed.port) if parsed.port else 80
            lookup = await self.net.resolver_for(parsed.hostname, port).lookup(parsed.hostname)
            if not lookup.ok:
                results.append({"url": url, "result": "name not resolved"})
                continue
            try:
                async with self.net.http_client(verify=False, timeout=4.0) as client:
                    response = await client.send(client.build_request("GET", url), stream=True)
                    body = await read_bounded(response, PORTAL_BODY_LIMIT)
            except request_errors() as exc:
                results.append({"url": url, "result": f"failed: {type(exc).__name__}"})
                continue
            expected_status = int(probe.get("expect_status", 200))
            expected_body = probe.get("expect_body")
            text = body.data.decode("utf-8", "replace")
            genuine = response.status_code == expected_status and (
                expected_body is None or str(expected_body) in text
            )
            location = response.headers.get("location")
            results.append(
                {
                    "url": url,
                    "status_code": response.status_code,
                    "location": self.ctx.redact.url(location) if location else None,
                    "result": "expected answer" if genuine else "unexpected answer",
                }
            )
            if genuine:
                break
            portal = location or hint or url
            self.add(
                "connectivity.http_captive_portal",
                portal=self.ctx.redact.url(portal),
                probe=url,
                status_code=response.status_code,
            )
            break
        self.details["captive_portal_probes"] = results

    # -- summary --------------------------------------------------------------------

    def summary_for_failure(self) -> str:
        if not self.findings:
            return f"{self.host} could not be reached."
        return min(self.findings, key=lambda f: f.severity.rank).message




def _limit_per_family(addresses: Sequence[str]) -> list[str]:
    v4 = [a for a in addresses if ":" not in a][:MAX_ADDRESSES_PER_FAMILY]
    v6 = [a for a in addresses if ":" in a][:MAX_ADDRESSES_PER_FAMILY]
    return v4 + v6


def _family_name(family: str) -> str:
    return "IPv6" if family == "ipv6" else "IPv4"


def _is_public_name(host: str) -> bool:
    """A name under a public suffix of the ICANN list (so it should resolve to a public address)."""
    try:
        return public_suffix_list().publicsuffix(host.lower().rstrip("."), accept_unknown=False) is not None
    except (ValueError, UnicodeError):
        return False


def _plain_dns(error: DnsError | None) -> str:
    return {
        DnsError.NXDOMAIN: "not found",
        DnsError.SERVFAIL: "DNS server failure",
        DnsError.REFUSED: "DNS server refused",
        DnsError.TIMEOUT: "no answer",
        DnsError.NO_ANSWER: "no address",
    }.get(error or DnsError.OTHER, "lookup failed")


def _tls_detail(kind: str, detail: str) -> str:
    plain = {
        "timeout": "the server did not complete the handshake in time",
        "reset": "the connection was reset during the handshake (often a firewall or filter)",
        "eof": "the connection was closed during the handshake (often a firewall or filter)",
        "not_tls": "the server did not answer with TLS (it may be plain HTTP, or a proxy is in the way)",
        "protocol_version": "no TLS version in common with the server",
        "handshake_failure": "the server and this device could not agree on encryption settings",
    }.get(kind, "the handshake failed")
    return f"{plain} ({detail})" if detail else plain


def _exc_text(detail: str) -> str:
    # Messages end with their own full stop ("...failed: {detail}."), so drop the exception's.
    text = detail.rstrip(".")
    return text if len(text) < 300 else text[:297] + "..."

