"""The TCP and TLS steps: every resolved address over IPv4 and IPv6, then one TLS handshake
that says whether TLS works at all (the certificate verdict is the certificate check's)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from checks._connectivity.state import ConnectivityRun
from diagnose.deadline import Budget
from diagnose.facts import Reached
from diagnose.net import TCP_TIMEOUT, TLS_TIMEOUT, TcpError, TcpProbe, TlsHandshake, chromium

TCP_CODES = {
    TcpError.REFUSED: "connectivity.tcp_refused",
    TcpError.TIMEOUT: "connectivity.tcp_timeout",
    TcpError.UNREACHABLE: "connectivity.tcp_unreachable",
    TcpError.OTHER: "connectivity.tcp_unreachable",
}

_TELLING = (TcpError.TIMEOUT, TcpError.REFUSED, TcpError.UNREACHABLE, TcpError.OTHER)
"""Which failure tells most when nothing connected: the first in this order."""

RETRY_LEGACY = ("protocol_version", "handshake_failure", "reset", "eof", "other")
"""Handshake failures a server that only speaks TLS 1.0/1.1 may cause: a legacy retry tells."""


async def tcp(run: ConnectivityRun, addresses: Sequence[str]) -> bool:
    """Connect to every address; True when at least one connected (findings added otherwise)."""
    budget = run.budget(TCP_TIMEOUT)
    title = f"the connection to {run.host} port {run.port}"
    if budget.exhausted:
        raise run.out_of_time("tcp_connect", title, f"{run.host} resolved to {', '.join(addresses)}")
    probes: Sequence[TcpProbe] = await asyncio.gather(
        *(run.net.tcp_probe(a, run.port, budget.seconds) for a in addresses)
    )
    by_family: dict[str, list[TcpProbe]] = {}
    for probe in probes:
        by_family.setdefault(probe.family, []).append(probe)
    run.details["tcp"] = {fam: [p.as_evidence() for p in ps] for fam, ps in by_family.items()}
    run.connected = [p for p in probes if p.ok]
    if run.connected:
        run.hand_on(Reached(run.host, run.port, run.connected[0].address))
        _family_split(run, by_family, budget)
        return True
    if budget.cut and all(p.error is TcpError.TIMEOUT for p in probes):
        raise run.out_of_time("tcp_connect", title, f"no answer from {', '.join(addresses)} within {budget.seconds:.1f} s")
    _nothing_connected(run, probes)
    return False


def _family_split(run: ConnectivityRun, by_family: dict[str, list[TcpProbe]], budget: Budget) -> None:
    """One IP family connects and the other does not: browsers may stall on the broken one."""
    working = {fam for fam, ps in by_family.items() if any(p.ok for p in ps)}
    broken = {fam for fam, ps in by_family.items() if not any(p.ok for p in ps)}
    if not (working and broken):
        return
    failed = [p for fam in sorted(broken) for p in by_family[fam]]
    if budget.cut and all(p.error is TcpError.TIMEOUT for p in failed):
        run.details["tcp_note"] = "the deadline cut the probes short: whether the other IP family works is unknown"
        return
    run.add(
        "connectivity.ip_family_broken",
        working=_family_name(min(working)),
        broken=_family_name(min(broken)),
        detail="; ".join(f"{p.address}: {p.error.value if p.error else ''}" for p in failed),
        probes=[p.as_evidence() for p in failed],
    )


def _nothing_connected(run: ConnectivityRun, probes: Sequence[TcpProbe]) -> None:
    """Report the most telling failure, with every probe as evidence."""
    worst = min(probes, key=lambda p: _TELLING.index(p.error or TcpError.OTHER))
    assert worst.error is not None
    run.add(
        TCP_CODES[worst.error],
        address=worst.address,
        port=run.port,
        timeout=f"{TCP_TIMEOUT:g}",
        detail=worst.detail,
        probes=[p.as_evidence() for p in probes],
    )


async def tls(run: ConnectivityRun) -> bool:
    """One handshake to the first address that connected, offering what Chromium offers; True when
    TLS works (slowly, or only with suites Chromium calls obsolete: a warning, as the page loads)."""
    address = run.connected[0].address
    modern = await _handshake(run, address, legacy=False)
    run.details["tls"] = modern.as_evidence()
    if modern.ok:
        _judge_working(run, address, modern)
        return True
    if modern.error == "too_large":
        _too_large(run, address, modern)
        return False
    # A server that only speaks TLS 1.0/1.1 may answer a modern ClientHello with an alert,
    # or just drop the connection (RST or EOF): version-intolerant stacks, and servers
    # that abort a failed handshake, do the latter. Only a legacy retry tells them apart.
    if modern.error in RETRY_LEGACY:
        legacy = await _handshake(run, address, legacy=True, after=modern)
        run.details["tls_legacy"] = legacy.as_evidence()
        if legacy.ok and legacy.version in ("TLSv1", "TLSv1.1", "SSLv3"):
            run.add(
                "connectivity.tls_protocol_too_old",
                address=address,
                version=legacy.version.replace("TLSv", "TLS "),
                cipher=legacy.cipher,
            )
            return False
        if legacy.ok:
            # TLS 1.2 works, but only with a suite Chromium does not offer (DHE, CBC-SHA256, ...).
            run.add("connectivity.tls_cipher_not_offered", address=address, suite=_suite_name(legacy.cipher),
                    version=legacy.version.replace("TLSv", "TLS "))
            return False
    run.add(
        "connectivity.tls_handshake_failed",
        address=address,
        error=modern.error,
        detail=tls_detail(modern.error, modern.detail),
    )
    return False


async def _handshake(run: ConnectivityRun, address: str, *, legacy: bool, after: TlsHandshake | None = None
                     ) -> TlsHandshake:
    budget = run.budget(TLS_TIMEOUT)
    where = f"{address}:{run.port}" if ":" not in address else f"[{address}]:{run.port}"
    if legacy:
        assert after is not None
        step, title = "tls_legacy_handshake", f"the TLS 1.0/1.1 handshake with {where}"
        seen = f"the modern handshake failed ({tls_detail(after.error, after.detail)})"
    else:
        step, title = "tls_handshake", f"the TLS handshake with {where}"
        seen = f"TCP connected to {where}"
    if budget.exhausted:
        raise run.out_of_time(step, title, seen)
    result = await run.net.tls_handshake(address, run.port, run.host, legacy=legacy, timeout=budget.seconds)
    if result.error == "timeout" and budget.cut:
        raise run.out_of_time(step, title, f"{seen}; the handshake had not finished after {budget.seconds:.1f} s "
                                           f"(browsers wait up to {chromium.HANDSHAKE_TIMEOUT:g} s)")
    return result


def _judge_working(run: ConnectivityRun, address: str, done: TlsHandshake) -> None:
    """A handshake that worked: slow (the browser waits up to 30 s), or on obsolete settings."""
    seconds = done.duration_ms / 1000
    if seconds > chromium.SLOW_HANDSHAKE:
        run.slow_handshake_s = seconds
        run.add("connectivity.tls_slow_handshake", address=address, seconds=f"{seconds:.1f}",
                limit=f"{chromium.HANDSHAKE_TIMEOUT:g}", duration_ms=done.duration_ms)
    reasons = done.obsolete
    if reasons:
        run.add("connectivity.tls_obsolete", address=address, suite=chromium.iana_name(done.cipher),
                version=done.version.replace("TLSv", "TLS "), what=" and ".join(reasons),
                obsolete=list(reasons))


def _suite_name(openssl_name: str) -> str:
    iana = chromium.iana_name(openssl_name)
    return iana if iana != openssl_name else f"{openssl_name} (OpenSSL's name)"


def _too_large(run: ConnectivityRun, address: str, done: TlsHandshake) -> None:
    measured = done.certificate_message
    run.add(
        "connectivity.tls_certificate_too_large",
        address=address,
        size=measured.describe() if measured else f"more than {chromium.MAX_CERTIFICATE_MESSAGE:,} bytes",
        size_bytes=measured.size if measured else None,
        certificates=measured.certificates if measured else None,
        limit=f"{chromium.MAX_CERTIFICATE_MESSAGE:,}",
        detail=done.detail,
    )


def tls_detail(kind: str, detail: str) -> str:
    plain = {
        "timeout": f"the server did not complete the handshake within {chromium.HANDSHAKE_TIMEOUT:g} s, "
                   "the browser's limit",
        "reset": "the connection was reset during the handshake (often a firewall or filter)",
        "eof": "the connection was closed during the handshake (often a firewall or filter)",
        "not_tls": "the server did not answer with TLS (it may be plain HTTP, or a proxy is in the way)",
        "protocol_version": "no TLS version in common with the server",
        "handshake_failure": "the server and this device could not agree on encryption settings",
    }.get(kind, "the handshake failed")
    return f"{plain} ({detail})" if detail else plain


def _family_name(family: str) -> str:
    return "IPv6" if family == "ipv6" else "IPv4"
