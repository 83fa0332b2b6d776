"""Name resolution: the system's resolver, a given DNS server, and ``--resolve`` pins.

Every resolver answers with a :class:`Lookup`: the addresses, or a
:class:`DnsError` saying what went wrong in the words of the finding codes.
dnspython is imported on first use.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from diagnose.net.addresses import hostport
from diagnose.net.errors import FailureKind, classify
from diagnose.net.timing import Stopwatch, in_daemon_thread

DNS_TIMEOUT = 4.0


class DnsError(StrEnum):
    """Why a name did not resolve, in the vocabulary of the finding codes."""

    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    NO_ANSWER = "no_answer"
    OTHER = "other"

    @classmethod
    def from_kind(cls, kind: FailureKind) -> DnsError:
        """The DNS failure a classified exception stands for."""
        return _FROM_KIND.get(kind, cls.OTHER)


_FROM_KIND = {
    FailureKind.NXDOMAIN: DnsError.NXDOMAIN,
    FailureKind.SERVFAIL: DnsError.SERVFAIL,
    FailureKind.DNS_REFUSED: DnsError.REFUSED,
    FailureKind.TIMEOUT: DnsError.TIMEOUT,
    FailureKind.NO_ANSWER: DnsError.NO_ANSWER,
}

_ERROR_ORDER = (
    DnsError.NXDOMAIN, DnsError.SERVFAIL, DnsError.REFUSED, DnsError.TIMEOUT,
    DnsError.OTHER, DnsError.NO_ANSWER,
)
"""Which of two failures (A and AAAA) tells more: the first in this order."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """One resolver's answer for one name."""

    resolver: str
    name: str
    addresses: tuple[str, ...] = ()
    error: DnsError | None = None
    detail: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.addresses)

    def as_evidence(self) -> dict[str, Any]:
        return {
            "resolver": self.resolver,
            "name": self.name,
            "addresses": list(self.addresses),
            "error": self.error.value if self.error else None,
            "detail": self.detail,
            "duration_ms": self.duration_ms,
        }


class Resolver(Protocol):
    """Something that turns a name into addresses (or a classified failure)."""

    label: str

    async def lookup(self, name: str) -> Lookup:
        """Resolve ``name`` to IPv4 and IPv6 addresses within the resolver's timeout."""
        ...


_Answer = tuple[tuple[str, ...], DnsError | None, str]


class DnsServerResolver:
    """Asks one DNS server directly (UDP, TCP when truncated) with dnspython.

    Unlike the system resolver it reports exactly what the server said
    (NXDOMAIN, SERVFAIL, REFUSED, no answer) or that it said nothing.
    """

    def __init__(self, address: str, port: int = 53, *, label: str | None = None, timeout: float = DNS_TIMEOUT):
        self.address = address
        self.port = port
        self.timeout = timeout
        self.label = label or f"dns {hostport(address, port)}"

    async def lookup(self, name: str) -> Lookup:
        watch = Stopwatch()
        answers = await asyncio.gather(self._query(name, "A"), self._query(name, "AAAA"))
        addresses = tuple(a for found, _err, _detail in answers for a in found)
        if addresses:
            return Lookup(self.label, name, addresses, None, "", watch.ms())
        errors = [(err, detail) for _found, err, detail in answers if err is not None]
        err, detail = min(errors, key=lambda e: _ERROR_ORDER.index(e[0]))
        return Lookup(self.label, name, (), err, detail, watch.ms())

    async def _query(self, name: str, rdtype: str) -> _Answer:
        import dns.asyncquery
        import dns.exception
        import dns.message
        import dns.name

        try:
            query = dns.message.make_query(dns.name.from_text(name), rdtype)
        except (dns.exception.DNSException, ValueError) as exc:
            return (), DnsError.OTHER, f"{name!r} is not a valid DNS name: {exc}"
        try:
            response, _tcp = await dns.asyncquery.udp_with_fallback(
                query, self.address, timeout=self.timeout, port=self.port
            )
        except (OSError, dns.exception.DNSException) as exc:
            return self._unanswered(exc)
        return self._answer(response, rdtype)

    def _unanswered(self, exc: BaseException) -> _Answer:
        kind = classify(exc).kind
        if kind is FailureKind.TIMEOUT:
            return (), DnsError.TIMEOUT, f"no answer from {self.label} within {self.timeout:g} s"
        if kind is FailureKind.REFUSED:
            return (), DnsError.TIMEOUT, f"{self.label} is not answering (port closed)"
        return (), DnsError.OTHER, f"{type(exc).__name__}: {exc}"

    def _answer(self, response: Any, rdtype: str) -> _Answer:
        import dns.rcode
        import dns.rdatatype

        rcode = response.rcode()
        said = {
            dns.rcode.NXDOMAIN: (DnsError.NXDOMAIN, "says the name does not exist (NXDOMAIN)"),
            dns.rcode.SERVFAIL: (DnsError.SERVFAIL, "failed to resolve the name (SERVFAIL)"),
            dns.rcode.REFUSED: (DnsError.REFUSED, "refused to answer (REFUSED)"),
        }
        if rcode in said:
            err, words = said[rcode]
            return (), err, f"{self.label} {words}"
        if rcode != dns.rcode.NOERROR:
            return (), DnsError.OTHER, f"{self.label} answered {dns.rcode.to_text(rcode)}"
        wanted = dns.rdatatype.from_text(rdtype)
        found = tuple(
            str(rdata.address)
            for rrset in response.answer
            if rrset.rdtype == wanted
            for rdata in rrset
        )
        if not found:
            return (), DnsError.NO_ANSWER, f"{self.label} has no {rdtype} record for the name"
        return found, None, ""


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``): what the browser uses.

    ``getaddrinfo`` only says "not found" or "try again"; when it fails, the
    system's configured name servers are asked once more with dnspython to learn
    what they actually answered. ``getaddrinfo`` runs in a daemon thread so a
    hung lookup can neither outlive the timeout nor delay the program's exit.
    """

    label = "system"

    def __init__(self, timeout: float = DNS_TIMEOUT) -> None:
        self.timeout = timeout

    async def lookup(self, name: str) -> Lookup:
        watch = Stopwatch()
        try:
            infos = await in_daemon_thread(
                lambda: socket.getaddrinfo(name, None, type=socket.SOCK_STREAM), self.timeout
            )
        except TimeoutError:
            return Lookup(
                self.label, name, (), DnsError.TIMEOUT,
                f"the system resolver gave no answer within {self.timeout:g} s", watch.ms(),
            )
        except (socket.gaierror, UnicodeError, OSError) as exc:
            err, detail = await self._refine(name, exc)
            return Lookup(self.label, name, (), err, detail, watch.ms())
        addresses = tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        return Lookup(self.label, name, addresses, None, "", watch.ms())

    async def _refine(self, name: str, exc: BaseException) -> tuple[DnsError, str]:
        kind = classify(exc).kind if isinstance(exc, socket.gaierror) else FailureKind.OTHER
        base = DnsError.from_kind(kind)
        detail = f"the system resolver said: {exc}"
        servers = system_nameservers()
        if not servers:
            return base, detail
        refined = await DnsServerResolver(servers[0], label=f"system ({servers[0]})", timeout=2.0).lookup(name)
        if refined.ok or refined.error is None:
            return base, detail
        return refined.error, f"{detail}; {refined.detail}"


def system_nameservers() -> list[str]:
    """The name servers the operating system is configured with (best effort)."""
    try:
        import dns.resolver

        return [str(ns) for ns in dns.resolver.Resolver(configure=True).nameservers]
    except Exception:  # no resolv.conf, unreadable registry, …
        return []


class PinnedResolver:
    """Answers from ``--resolve`` pins; never touches the network."""

    label = "pinned (--resolve)"

    def __init__(self, addresses: Sequence[str]) -> None:
        self.addresses = tuple(addresses)

    async def lookup(self, name: str) -> Lookup:
        return Lookup(self.label, name, self.addresses, None, "pinned on the command line", 0)
