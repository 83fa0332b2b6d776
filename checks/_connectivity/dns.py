"""The DNS step: the system resolver (or the pin) and every ``--dns-server``, and telling
"this name is broken" from "nothing resolves" (offline)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from checks._connectivity.state import ConnectivityRun
from diagnose.net import DnsError, Lookup, is_bogon, is_ip_literal, is_sinkhole
from diagnose.psl import public_suffix_list

DNS_CODES = {
    DnsError.NXDOMAIN: "connectivity.dns_nxdomain",
    DnsError.SERVFAIL: "connectivity.dns_servfail",
    DnsError.REFUSED: "connectivity.dns_refused",
    DnsError.TIMEOUT: "connectivity.dns_timeout",
    DnsError.NO_ANSWER: "connectivity.dns_no_answer",
    DnsError.OTHER: "connectivity.dns_servfail",
}

MAX_ADDRESSES_PER_FAMILY = 4
"""Addresses probed per IP family; large services publish many, a few tell the story."""


async def resolve(run: ConnectivityRun, proxy: str | None) -> list[str] | None:
    """Addresses to probe, or None when resolution failed (findings added)."""
    if is_ip_literal(run.host):
        run.details["dns"] = {"skipped": "the address is an IP address"}
        return [run.host]
    lookups = await _lookups(run)
    main = lookups[0]
    run.details["dns"] = [lookup.as_evidence() for lookup in lookups]
    pinned = run.ctx.settings.pinned(run.host, run.port) is not None
    if pinned:
        run.details["pinned"] = True
    compare(run, lookups)
    if not main.ok:
        if proxy:
            run.details["dns_note"] = "the proxy resolves names for the browser"
            return []
        await explain_failure(run, main, [lk for lk in lookups[1:] if lk.ok])
        return None
    addresses = list(main.addresses) if pinned else _without_bogons(run, main)
    return limit_per_family(addresses) if addresses else None


async def _lookups(run: ConnectivityRun) -> Sequence[Lookup]:
    primary = run.net.resolver_for(run.host, run.port)
    resolvers = [primary, *run.net.extra_resolvers()]
    seen = f"no answer yet from {', '.join(r.label for r in resolvers)}"
    # The resolvers keep their own timeouts; only the deadline can cut this step short.
    async with run.step("dns", f"the lookup of {run.host}", seen):
        return await asyncio.gather(*(r.lookup(run.host) for r in resolvers))


def _without_bogons(run: ConnectivityRun, main: Lookup) -> list[str]:
    addresses = list(main.addresses)
    bogus = [a for a in addresses if is_sinkhole(a) or (_is_public_name(run.host) and is_bogon(a))]
    if bogus:
        run.add("connectivity.dns_bogon", name=run.host, addresses=", ".join(bogus), resolver=main.resolver)
    return [a for a in addresses if a not in bogus]


def compare(run: ConnectivityRun, lookups: Sequence[Lookup]) -> None:
    """Flag resolvers that give disjoint answers (pins are not compared)."""
    answered = [lk for lk in lookups if lk.ok and not lk.resolver.startswith("pinned")]
    if len(answered) < 2:
        return
    sets = [set(lk.addresses) for lk in answered]
    if all(s & sets[0] for s in sets[1:]):
        return
    answers = "; ".join(f"{lk.resolver}: {', '.join(lk.addresses)}" for lk in answered)
    run.add(
        "connectivity.dns_resolvers_disagree",
        name=run.host,
        answers=answers,
        lookups=[lk.as_evidence() for lk in answered],
    )


async def explain_failure(run: ConnectivityRun, main: Lookup, working: Sequence[Lookup]) -> None:
    assert main.error is not None
    if not working and await offline(run, main):
        return
    evidence: dict[str, Any] = {"name": run.host, "resolver": main.resolver, "detail": main.detail}
    message = None
    code = DNS_CODES[main.error]
    if working:
        evidence["working_resolvers"] = [lk.resolver for lk in working]
        spec = run.check.findings[code]
        message = (
            spec.message.format_map({**run.placeholders, "name": run.host})
            + f" Another DNS server ({', '.join(lk.resolver for lk in working)}) does find it,"
            " so the problem is your network's DNS."
        )
    run.add(code, evidence, message=message)


async def offline(run: ConnectivityRun, main: Lookup) -> bool:
    """Add ``connectivity.offline`` when nothing resolves or there is no route at all.

    The vendor's other names are asked first: if any of them resolves, the
    network works and only this name is broken, even without a default
    route (a LAN-only or proxy-only network reaches its DNS server without
    a default gateway).
    """
    route = run.net.has_default_route()
    run.details["default_route"] = route
    control_hosts = [
        h for h in run.ctx.profile.section("connectivity").get("control_hosts", []) if h != run.host
    ]
    controls: Sequence[Lookup] = []
    if control_hosts and not main.resolver.startswith("pinned"):
        controls = await _control_lookups(run, main, control_hosts)
        if any(c.ok for c in controls):
            return False
    if route is False:
        why = "it has no network route (no default gateway)."
    elif controls:
        names = ", ".join([run.host, *control_hosts])
        why = f"no internet name can be looked up ({names}: {_plain_dns(main.error)})."
    else:
        return False
    run.add(
        "connectivity.offline",
        why=why,
        lookups=[main.as_evidence(), *(c.as_evidence() for c in controls)],
        dns_error=main.error.value if main.error else None,
    )
    return True


async def _control_lookups(run: ConnectivityRun, main: Lookup, hosts: Sequence[str]) -> Sequence[Lookup]:
    resolver = run.net.system()
    seen = f"{run.host} did not resolve ({main.detail or main.error})"
    async with run.step("dns_control", "the lookup of the vendor's other names", seen):
        controls: Sequence[Lookup] = await asyncio.gather(*(resolver.lookup(h) for h in hosts))
    run.details["control_lookups"] = [c.as_evidence() for c in controls]
    return controls


def limit_per_family(addresses: Sequence[str]) -> list[str]:
    v4 = [a for a in addresses if ":" not in a][:MAX_ADDRESSES_PER_FAMILY]
    v6 = [a for a in addresses if ":" in a][:MAX_ADDRESSES_PER_FAMILY]
    return v4 + v6


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

