"""Who owns a host: the Public Suffix List, the official decision, DNS validity.

The official decision is deliberately simple and strict: the host the browser
opens (one trailing dot removed) *is* an official domain, or ends with
``.`` + an official domain, **and** the Public Suffix List agrees that its
registrable domain is that official domain's. Never a substring test:
``notatera.com`` and ``atera.com.evil.net`` end with or contain the name but
belong to someone else. The PSL cross-check stops a profile that lists a
public suffix (``web.app``) from declaring every site under it official.

The PSL is the offline snapshot bundled with ``publicsuffixlist``; it is
built once per process (about 70 ms) and shared.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from diagnose.psl import public_suffix_list


def psl() -> Any:
    """The Public Suffix List (ICANN and private sections), shared by every check."""
    return public_suffix_list()


def _icann_psl() -> Any:
    return public_suffix_list(icann_only=True)


def registrable(host: str) -> str | None:
    """The registrable domain (eTLD+1) of ``host``: ``app.atera.com`` → ``atera.com``.

    None when ``host`` is itself a public suffix (``com``, ``github.io``).
    Unknown TLDs count as suffixes, as browsers treat them.
    """
    result: str | None = psl().privatesuffix(host.rstrip("."))
    return result


def public_suffix(host: str) -> str:
    """The public suffix of ``host`` (``com``, ``co.uk``, ``web.app``)."""
    result: str | None = psl().publicsuffix(host.rstrip("."))
    return result or host.rstrip(".").rsplit(".", 1)[-1]


def suffix_is_known(host: str) -> bool:
    """True when the host's last label is a top-level domain the PSL knows."""
    return psl().publicsuffix(host.rstrip("."), accept_unknown=False) is not None


def suffix_is_known_tld(host: str) -> bool:
    """Whether ``host`` ends in a top-level domain of the list's ICANN section (Chromium's
    ``EXCLUDE_UNKNOWN_REGISTRIES, EXCLUDE_PRIVATE_REGISTRIES``)."""
    return _icann_psl().publicsuffix(host.rstrip("."), accept_unknown=False) is not None


def is_hosting_suffix(suffix: str) -> bool:
    """True for suffixes from the PSL's *private* section: services where anyone can
    get a name (``web.app``, ``github.io``, ``pages.dev``, ``translate.goog``)."""
    if "." not in suffix:
        return False
    return bool(_icann_psl().publicsuffix(suffix) != suffix)


def official_domain_of(host: str, official_domains: tuple[str, ...]) -> str | None:
    """The official domain ``host`` belongs to, or None.

    ``host`` is the WHATWG hostname (lower-case ASCII). Exact or dot-boundary
    suffix match, cross-checked with the PSL registrable domain.
    """
    name = host[:-1] if host.endswith(".") else host
    if not name:
        return None
    for domain in official_domains:
        if name == domain or name.endswith("." + domain):
            owner = registrable_of_official(domain)
            if owner is not None and registrable(name) == owner:
                return domain
    return None


@lru_cache(maxsize=64)
def registrable_of_official(domain: str) -> str | None:
    """:func:`registrable` of a profile's official domain (cached: there are few)."""
    return registrable(domain)


def dns_problem(hostname: str) -> tuple[str, str] | None:
    """``(kind, why)`` when ``hostname`` cannot exist in DNS, or None.

    WHATWG parsing skips DNS length checks (``VerifyDnsLength=false``) and lets
    invalid Punycode through, so an address can parse and still name a host
    that no resolver could ever find. ``kind`` is ``punycode`` (an ``xn--``
    label that does not decode: Chromium refuses the address) or ``length``
    (a label over 63 or a name over 253 characters, an empty label: browsers
    open the address and then cannot reach it).
    """
    import ada_url

    name = hostname[:-1] if hostname.endswith(".") else hostname
    length: tuple[str, str] | None = None
    if len(name) > 253:
        length = "length", f"the host name is {len(name)} characters long; DNS allows at most 253"
    for label in name.split("."):
        if label.startswith("xn--") and ada_url.idna_to_unicode(label).startswith("xn--"):
            return "punycode", f"the part {label[:80]!r} is not valid Punycode, so no such name can be registered"
        if length is None and not label:
            length = "length", "the host name has an empty part (two dots in a row)"
        elif length is None and len(label) > 63:
            length = "length", f"a part of the host name is {len(label)} characters long; DNS allows at most 63"
    return length


def to_unicode(hostname: str) -> str:
    """The Unicode form of an ASCII host (``xn--tera-43d.com`` → ``аtera.com``)."""
    if "xn--" not in hostname:
        return hostname
    import ada_url

    result: str = ada_url.idna_to_unicode(hostname)
    return result
