"""Does a certificate cover the host? Chromium's rules (``X509Certificate::VerifyHostname``).

* Only the subjectAltName counts: without a DNS or IP entry nothing matches (the
  common name has been ignored since Chrome 58; Python 3.11 still falls back to
  it, hence the separate ``no_san`` finding).
* An IP address matches only an IP entry with the same bytes.
* A host name must be a valid DNS name as Chromium allows it: letters, digits,
  ``-`` and ``_`` (``sso_portal.corp.example`` is fine), labels of 1-63
  characters, the last one starting with a letter or digit.
* A DNS entry matches when it equals the host (case-insensitively, ignoring a
  trailing dot), or is ``*.`` followed by exactly the host's domain, when
  wildcards are allowed there: the domain must not be a public suffix
  (``*.com``, ``*.co.uk``; unknown top-level domains count as suffixes, so
  ``*.test`` is refused too, ``*.app.test`` is not) and the host must not be
  all digits and dots. A partial wildcard (``a*.example.com``) never matches.
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


def host_compliant(host: str) -> bool:
    """Chromium's ``IsCanonicalizedHostCompliant`` (``net/base/url_util.cc``) for a lower-case host."""
    host = host.removesuffix(".")
    if not host or len(host) > 253:
        return False
    labels = host.split(".")
    for label in labels:
        if not 1 <= len(label) <= 63 or any(not (c.isascii() and (c.isalnum() or c in "-_")) for c in label):
            return False
    return labels[-1][0].isalnum()


def wildcards_allowed(host: str) -> bool:
    """Whether ``*.`` may stand for the first label of ``host`` (not directly under a public suffix, not numeric)."""
    from diagnose.psl import public_suffix_list

    _first, dot, domain = host.partition(".")
    if not dot or not domain or all(c in "0123456789." for c in host):
        return False
    registry = public_suffix_list(icann_only=True).publicsuffix(host) or host.rsplit(".", 1)[-1]
    return registry != domain


def presented_matches(presented: str, host: str, *, allow_wildcards: bool) -> bool:
    """One subjectAltName DNS entry against the (normalised, compliant) host."""
    name = presented.lower()
    if not name or "\x00" in name:
        return False
    name = name.removesuffix(".")
    if len(name) > len(host):
        return False
    label, _, domain = name.partition(".")
    host_label, _, host_domain = host.partition(".")
    if domain != host_domain:
        return False
    return allow_wildcards if label == "*" else label == host_label


def wildcard_covers(pattern: str, host: str) -> bool:
    """Whether the entry ``pattern`` (``*.example.com``) covers ``host`` by Chromium's rules."""
    host = normalise(host)
    return pattern.startswith("*.") and host_compliant(host) and presented_matches(
        pattern, host, allow_wildcards=wildcards_allowed(host))


def match_host(cert: Cert, host: str) -> NameMatch:
    """Judge ``host`` against ``cert``'s subjectAltName the way Chromium does."""
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
    if not host_compliant(host):
        return NameMatch(False, "", valid_for, cn_match, f"{host} is not a host name browsers accept")
    allow = wildcards_allowed(host)
    for entry in cert.dns_names:
        if presented_matches(entry, host, allow_wildcards=allow):
            return NameMatch(True, entry, valid_for, cn_match)
    return NameMatch(False, "", valid_for, cn_match, "; ".join(_near_misses(cert.dns_names, host, allow)))


def _near_misses(names: list[str], host: str, allow: bool) -> list[str]:
    notes = []
    for entry in names:
        name = normalise(entry)
        if name.startswith("*.") and host.endswith("." + name[2:]) and host.count(".") > name.count("."):
            notes.append(f"{entry} covers one level only (a.{name[2:]}), not {host}")
        elif name.startswith("*.") and host == name[2:]:
            notes.append(f"{entry} does not cover {host} itself")
        elif name.startswith("*.") and host.partition(".")[2] == name[2:] and not allow:
            notes.append(f"browsers do not accept a wildcard directly under {name[2:]}")
    return notes
