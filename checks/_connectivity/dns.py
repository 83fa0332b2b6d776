"""The DNS step: the system resolver (or the pin) and every ``--dns-server``, and telling
"this name is broken" from "nothing resolves" (offline).

Every resolver's answer is judged by the same rules (:func:`bogus_addresses`):
a sinkhole answer (``0.0.0.0``, ``::``) is never a working answer, and a
loopback, private or otherwise non-internet address is not one for a public
name. A resolver that answers that way gets its own ``connectivity.dns_bogon``
and never counts as "another DNS server finds it". What the servers named with
``--dns-server`` said is kept in the report whatever the verdict, offline included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from checks._connectivity.state import ConnectivityRun
from diagnose.model import Severity
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
    named = list(lookups[1:])
    addresses = list(main.addresses) if pinned else _without_bogons(run, main)
    compare(run, [lk for lk in (main, *named) if not bogus_addresses(run.host, lk)])
    if not main.ok and not proxy:
        await explain_failure(run, main, named)  # the browser's own resolver first: it is the summary
    _named_bogons(run, main, named, browser_path_works=bool(addresses) or bool(proxy))
    if not main.ok:
        if proxy:
            run.details["dns_note"] = "the proxy resolves names for the browser"
            return []
        return None
    return limit_per_family(addresses) if addresses else None


async def _lookups(run: ConnectivityRun) -> Sequence[Lookup]:
    primary = run.net.resolver_for(run.host, run.port)
    resolvers = [primary, *run.net.extra_resolvers()]
    seen = f"no answer yet from {', '.join(r.label for r in resolvers)}"
    # The resolvers keep their own timeouts; only the deadline can cut this step short.
    async with run.step("dns", f"the lookup of {run.host}", seen):
        return await asyncio.gather(*(r.lookup(run.host) for r in resolvers))


def bogus_addresses(host: str, lookup: Lookup) -> list[str]:
    """The addresses of ``lookup`` that are not a real answer for ``host``: a sinkhole (0.0.0.0, ::)
    for any name, and a loopback, private or reserved address for a public one."""
    public = _is_public_name(host)
    return [a for a in lookup.addresses if is_sinkhole(a) or (public and is_bogon(a))]


def _without_bogons(run: ConnectivityRun, main: Lookup) -> list[str]:
    bogus = bogus_addresses(run.host, main)
    if bogus:
        run.add("connectivity.dns_bogon", name=run.host, addresses=", ".join(bogus), resolver=main.resolver,
                by="" if main.resolver.startswith("system") else f" (the answer of {main.resolver})")
    return [a for a in main.addresses if a not in bogus]


def _named_bogons(run: ConnectivityRun, main: Lookup, named: Sequence[Lookup], *, browser_path_works: bool) -> None:
    """A ``--dns-server`` that sinkholes the name: its own finding. When the resolver the browser
    uses answers properly, sign-in is not affected (a warning); otherwise it is part of the failure.
    One that says exactly what the browser's resolver said is not reported twice."""
    same_as_main = set(bogus_addresses(run.host, main))
    for lookup in named:
        bogus = bogus_addresses(run.host, lookup)
        if same_as_main and set(bogus) == same_as_main:
            run.details.setdefault("dns_bogon_also_from", []).append(lookup.resolver)
        elif bogus:
            run.add("connectivity.dns_bogon", name=run.host, addresses=", ".join(bogus),
                    resolver=lookup.resolver, by=f" (the answer of {lookup.resolver})",
                    severity=Severity.LOW if browser_path_works else None)


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


async def explain_failure(run: ConnectivityRun, main: Lookup, named: Sequence[Lookup]) -> None:
    """The resolver the browser uses found nothing: say why, with what every named server said.

    Only a named server with a real answer counts as "another DNS server finds it";
    one that sinkholes the name has its own ``dns_bogon`` finding.
    """
    assert main.error is not None
    working = [lk for lk in named if lk.ok and not bogus_addresses(run.host, lk)]
    if not working and not _answered_from_the_internet(named) and await offline(run, main, named):
        return
    evidence: dict[str, Any] = {"name": run.host, "resolver": main.resolver, "detail": main.detail}
    code = DNS_CODES[main.error]
    spec = run.check.findings[code]
    message = spec.message.format_map({**run.placeholders, "name": run.host})
    if working:
        evidence["working_resolvers"] = [lk.resolver for lk in working]
        message += (f" Another DNS server ({', '.join(lk.resolver for lk in working)}) does find it,"
                    " so the problem is your network's DNS.")
    said = named_answers(run, [lk for lk in named if lk not in working])
    if said:
        evidence["named_resolvers"] = [lk.as_evidence() for lk in named]
        message += f" {said}"
    run.add(code, evidence, message=message)


def named_answers(run: ConnectivityRun, named: Sequence[Lookup]) -> str:
    """What the ``--dns-server`` resolvers said, in one sentence ('' when none was named)."""
    parts = []
    for lookup in named:
        bogus = bogus_addresses(run.host, lookup)
        if bogus:
            parts.append(f"{lookup.resolver} answered {', '.join(bogus)}, a blocking (sinkhole) answer")
        elif lookup.ok:
            parts.append(f"{lookup.resolver} answered {', '.join(lookup.addresses)}")
        else:
            parts.append(f"{lookup.resolver}: {_plain_dns(lookup.error)}"
                         + (f" ({lookup.error.value.upper()})" if lookup.error in _RCODES else ""))
    if not parts:
        return ""
    return "The DNS server" + ("s" if len(parts) > 1 else "") + " you named: " + "; ".join(parts) + "."


_RCODES = (DnsError.NXDOMAIN, DnsError.SERVFAIL, DnsError.REFUSED)


def _answered_from_the_internet(named: Sequence[Lookup]) -> bool:
    """A named server on a public address answered (any DNS answer): the device is online."""
    return any(
        (lk.ok or lk.error in (*_RCODES, DnsError.NO_ANSWER)) and _public_address(lk.resolver) for lk in named
    )


def _public_address(label: str) -> bool:
    """Whether a resolver label (``dns 8.8.8.8:53``) names an internet address."""
    address = label.removeprefix("dns ").rsplit(":", 1)[0].strip("[]")
    return is_ip_literal(address) and not is_bogon(address)


async def offline(run: ConnectivityRun, main: Lookup, named: Sequence[Lookup] = ()) -> bool:
    """Add ``connectivity.offline`` when nothing resolves or there is no route at all.

    The vendor's other names are asked first: if any of them resolves, the
    network works and only this name is broken, even without a default
    route (a LAN-only or proxy-only network reaches its DNS server without
    a default gateway). What the ``named`` resolvers said is kept in the
    finding (its message and evidence), whatever they said.
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
    said = named_answers(run, named)
    run.add(
        "connectivity.offline",
        why=why + (f" {said}" if said else ""),
        lookups=[main.as_evidence(), *(c.as_evidence() for c in controls)],
        named_resolvers=[lk.as_evidence() for lk in named],
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

