"""What "official" means for one profile, precomputed once per process.

Judging thousands of addresses per second needs every per-profile fact ready:
official domains with their registrable domains, sign-in hosts and paths,
the brand's skeletons and its typosquat permutation table. :func:`policy_for`
builds them on first use and caches them by the profile's relevant content,
so the check, the ``url`` command and the benchmark share one build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from checks._url import homograph, hosts, typosquat
from checks._url.redirects import SHORTENERS
from diagnose.profiles import Profile

BUILDS = 0
"""How many policies were built in this process (the benchmark reports it)."""


@dataclass(frozen=True, slots=True)
class SignIn:
    """One official sign-in address: https, this host, this path (trailing ``/`` ignored).

    ``port`` is the explicit port the profile's address names ("" for the
    default): a vendor whose sign-in page lives on :8443 (or the lab, on an
    ephemeral port) does not get that port flagged as unusual.
    """

    host: str
    path: str
    port: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """The facts the judge compares an address with."""

    vendor: str
    official_domains: tuple[str, ...]
    signins: tuple[SignIn, ...]
    default_signin: str
    brand_labels: tuple[str, ...]
    """Registrable labels of the official domains plus the profile's brand (``atera``), ASCII."""
    brand_shapes: tuple[str, ...]
    """Skeletons of the brand labels (Unicode form): what "mentions the brand" compares."""
    brand_display: str
    """The brand as a person writes it, for messages."""
    official_suffixes: Mapping[str, str]
    """Brand label → the official public suffix (``atera`` → ``com``)."""
    domain_skeletons: Mapping[str, str]
    """Skeleton of each official registrable domain and sign-in host → that name."""
    label_skeletons: Mapping[str, str]
    """Skeleton of each brand label → the official domain it stands for."""
    permutations: Mapping[str, tuple[str, str]]
    """Typosquat label → (dnstwist class, official domain imitated)."""
    shorteners: frozenset[str]
    mentions_official: re.Pattern[str]
    """Matches an official domain written as a whole name inside other text."""

    @property
    def signin_hosts(self) -> frozenset[str]:
        return frozenset(s.host for s in self.signins)

    def is_signin(self, host: str, path: str) -> bool:
        """True when ``host`` + ``path`` is one of the profile's sign-in addresses."""
        wanted = _norm_path(path)
        return any(s.host == host and s.path == wanted for s in self.signins)

    def imitated(self, label: str) -> str:
        """The official domain a brand label stands for (``atera`` → ``atera.com``)."""
        suffix = self.official_suffixes.get(label)
        return f"{label}.{suffix}" if suffix else self.official_domains[0]


def policy_for(profile: Profile) -> Policy:
    """The (cached) policy of ``profile``."""
    section = profile.section("url")
    return _build(
        profile.vendor,
        tuple(profile.official_domains),
        tuple(profile.signin_urls),
        profile.default_url,
        profile.brand,
        tuple(_strings(section.get("brand_keywords"))),
        tuple(_strings(section.get("shorteners"))),
    )


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, list):
        return [str(v).lower() for v in value if isinstance(v, str) and v]
    return []


@lru_cache(maxsize=8)
def _build(
    vendor: str,
    official_domains: tuple[str, ...],
    signin_urls: tuple[str, ...],
    default_signin: str,
    brand: str,
    keywords: tuple[str, ...],
    shorteners: tuple[str, ...],
) -> Policy:
    global BUILDS
    BUILDS += 1
    # Hosts are compared in the ASCII form the WHATWG parser produces (xn-- for IDNs).
    official_domains = tuple(_ascii_domain(d) for d in official_domains)
    signins = _signins(signin_urls)
    names = _names(official_domains, signins, brand)
    labels = names.labels
    return Policy(
        vendor=vendor,
        official_domains=official_domains,
        signins=signins,
        default_signin=default_signin,
        brand_labels=tuple(labels),
        brand_shapes=tuple(dict.fromkeys(homograph.skeleton(hosts.to_unicode(label)) for label in labels)),
        brand_display=brand.strip() or hosts.to_unicode(labels[0]),
        official_suffixes=names.suffixes,
        domain_skeletons=names.domain_skeletons,
        label_skeletons=names.label_skeletons,
        permutations=_typosquat_table(labels, names.suffixes, signins, keywords, official_domains[0]),
        shorteners=SHORTENERS | frozenset(shorteners),
        mentions_official=re.compile(
            r"(?:^|[^0-9a-z-])(?:" + "|".join(re.escape(d) for d in official_domains) + r")(?:$|[^0-9a-z-])"
        ),
    )


def _signins(signin_urls: Iterable[str]) -> tuple[SignIn, ...]:
    """The https sign-in addresses among ``signin_urls`` (others are ignored)."""
    import ada_url

    signins: list[SignIn] = []
    for text in signin_urls:
        try:
            url = ada_url.URL(text)
        except ValueError:
            continue
        if url.protocol == "https:" and url.hostname:
            signins.append(SignIn(url.hostname.rstrip("."), _norm_path(url.pathname), url.port))
    return tuple(signins)


@dataclass(frozen=True, slots=True)
class _Names:
    """The official names in the shapes the judge compares: brand labels, suffixes and skeletons."""

    labels: list[str]
    suffixes: dict[str, str]
    domain_skeletons: dict[str, str]
    label_skeletons: dict[str, str]


def _names(official_domains: tuple[str, ...], signins: tuple[SignIn, ...], brand: str) -> _Names:
    """Each official domain's registrable label and suffix, the skeletons of the domains, sign-in
    hosts and labels, and the profile's brand as one more label when it is another word."""
    suffixes: dict[str, str] = {}
    domain_skeletons: dict[str, str] = {}
    label_skeletons: dict[str, str] = {}
    for domain in official_domains:
        owner = hosts.registrable(domain) or domain
        suffix = hosts.public_suffix(owner)
        label = owner[: -len(suffix) - 1] if owner.endswith("." + suffix) else owner.split(".", 1)[0]
        suffixes.setdefault(label, suffix)
        domain_skeletons.setdefault(homograph.skeleton(owner), owner)
        label_skeletons.setdefault(homograph.skeleton(label), owner)
    for signin in signins:
        domain_skeletons.setdefault(homograph.skeleton(signin.host), signin.host)
    labels = list(suffixes)
    brand_label = brand.lower().strip()
    if brand_label and brand_label not in suffixes and brand_label.isascii() and brand_label.isalnum():
        labels.append(brand_label)
        label_skeletons.setdefault(homograph.skeleton(brand_label), official_domains[0])
    return _Names(labels, suffixes, domain_skeletons, label_skeletons)


def _typosquat_table(labels: list[str], suffixes: Mapping[str, str], signins: tuple[SignIn, ...],
                     keywords: tuple[str, ...], first_domain: str) -> dict[str, tuple[str, str]]:
    """Typosquat label → (dnstwist class, official domain it imitates), for every brand label."""
    subdomains = sorted({s.host.split(".", 1)[0] for s in signins if s.host.count(".") >= 2})
    words = tuple(dict.fromkeys((*typosquat.DEFAULT_KEYWORDS, *keywords)))
    table: dict[str, tuple[str, str]] = {}
    for label in labels:
        owner = f"{label}.{suffixes[label]}" if label in suffixes else first_domain
        perms = typosquat.permutations(label, subdomains, suffixes.get(label, ""), words)
        for candidate, kind in perms.items():
            if candidate not in suffixes:
                table.setdefault(candidate, (kind, owner))
    return table


def _ascii_domain(domain: str) -> str:
    import ada_url

    if domain.isascii():
        return domain.lower()
    encoded = ada_url.idna_to_ascii(domain)
    text = encoded.decode("ascii") if isinstance(encoded, bytes) else str(encoded)
    return text or domain


def _norm_path(path: str) -> str:
    """Sign-in paths compare without a trailing ``/`` and case-insensitively (the
    vendor's own server decides; ``/Users/Login`` is the same page on most)."""
    return (path.rstrip("/") or "/").lower()
