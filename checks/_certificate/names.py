"""Does a certificate cover the host? Browser rules, not Python's.

Browsers match only the Subject Alternative Name: a DNS name exactly or by a
wildcard that stands for exactly one whole left-most label (``*.example.com``
covers ``a.example.com``, not ``a.b.example.com`` nor ``example.com``), and an
IP address only by an IP entry. The common name is ignored (Chrome since 58);
Python 3.11 still falls back to it, which is why a CN-only certificate is
its own finding (``no_san``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from checks._certificate.describe import Cert


@dataclass(frozen=True, slots=True)
class NameMatch:
    """The verdict for one host, with what the certificate is valid for."""

    matched: bool
    matched_name: str = ""
    valid_for: tuple[str, ...] = ()
    common_name_matches: bool = False
    """Whether the subject's CN would match (only Python-style clients accept that)."""
    note: str = ""
    """Why a near miss did not count (a wildcard one level too shallow, a name given for an IP address)."""


def normalise(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def wildcard_covers(pattern: str, host: str) -> bool:
    """RFC 6125 §6.4.3 as browsers apply it: ``*`` is the whole left-most label,
    at least two labels follow it, and it stands for exactly one label."""
    pattern = normalise(pattern)
    if not pattern.startswith("*.") or pattern.count("*") != 1:
        return False
    rest = pattern[2:]
    if rest.count(".") < 1:  # "*.com", "*.test": never valid
        return False
    label, sep, host_rest = host.partition(".")
    return bool(sep and label and host_rest == rest)


def match_host(cert: Cert, host: str) -> NameMatch:
    """Judge ``host`` against ``cert``'s SAN the way a browser does."""
    host = normalise(host)
    valid_for = tuple([*cert.dns_names, *cert.ip_names])
    address = _ip(host)
    cn_match = any(normalise(cn) == host or wildcard_covers(cn, host) for cn in cert.common_names)
    if address is not None:
        for entry in cert.ip_names:
            if _ip(entry) == address:
                return NameMatch(True, entry, valid_for, cn_match)
        note = ""
        if any(normalise(n) == host for n in cert.dns_names) or cn_match:
            note = f"{host} appears as a name, but an IP address only matches an IP address entry"
        return NameMatch(False, "", valid_for, cn_match, note)
    for entry in cert.dns_names:
        name = normalise(entry)
        if name == host or wildcard_covers(name, host):
            return NameMatch(True, entry, valid_for, cn_match)
    notes = []
    for entry in cert.dns_names:
        name = normalise(entry)
        if name.startswith("*.") and host.endswith("." + name[2:]):
            notes.append(f"{entry} covers one level only (a.{name[2:]}), not {host}")
        elif name.startswith("*.") and host == name[2:]:
            notes.append(f"{entry} does not cover {host} itself")
    return NameMatch(False, "", valid_for, cn_match, "; ".join(notes))
