"""Reading a certificate the way Chromium does: each extension on its own, and what makes it refuse one.

Chromium parses every certificate with BoringSSL's ``pki/parsed_certificate.cc``
before it builds a path. It refuses (ERR_CERT_INVALID for the site's
certificate; an intermediate that fails is simply not used) a certificate
whose extensions repeat, whose extensions are not v3, whose explicit
``critical`` is FALSE, or one of whose *path-relevant* extensions is malformed
(basicConstraints, keyUsage, extKeyUsage, subjectAltName, nameConstraints,
authorityInfoAccess, certificatePolicies, policyConstraints, policyMappings,
inhibitAnyPolicy, subject and authority key identifiers), and one whose
subject is empty while its subjectAltName is not critical. Other extensions
(CRL distribution points, SCTs, ...) are not read by path validation at all.

cryptography refuses *all* extensions when one is malformed or repeated; here
each one is parsed alone (:meth:`~checks._certificate.der.RawCertificate.with_extensions`)
so one bad extension neither crashes a judge nor hides the others.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from checks._certificate.der import DerError, RawCertificate, RawExtension, children, single
from checks._certificate.generalnames import GeneralNames, Name, general_names, normalized_name

EXTENSION_NAMES = {
    "2.5.29.19": "basicConstraints",
    "2.5.29.15": "keyUsage",
    "2.5.29.37": "extKeyUsage",
    "2.5.29.17": "subjectAltName",
    "2.5.29.30": "nameConstraints",
    "1.3.6.1.5.5.7.1.1": "authorityInfoAccess",
    "2.5.29.32": "certificatePolicies",
    "2.5.29.36": "policyConstraints",
    "2.5.29.33": "policyMappings",
    "2.5.29.54": "inhibitAnyPolicy",
    "2.5.29.14": "subjectKeyIdentifier",
    "2.5.29.35": "authorityKeyIdentifier",
    "2.5.29.31": "cRLDistributionPoints",
    "1.3.6.1.4.1.11129.2.4.2": "signedCertificateTimestampList",
    "1.3.6.1.5.5.7.1.24": "TLSFeature",
}
"""Extensions by OID, as messages name them."""

PARSED_BY_CHROMIUM = frozenset(list(EXTENSION_NAMES)[:12])
"""The extensions BoringSSL's ParsedCertificate parses; a malformed one makes it refuse the certificate."""

SAN = "2.5.29.17"
NAME_CONSTRAINTS = "2.5.29.30"
READ_HERE = frozenset({SAN, NAME_CONSTRAINTS})
"""Read with :mod:`~checks._certificate.generalnames` (BoringSSL's rules), not cryptography's stricter ones."""

_E = TypeVar("_E", bound=x509.ExtensionType)


def extension_name(oid: str) -> str:
    return EXTENSION_NAMES.get(oid, oid)


@dataclass(frozen=True)
class NameConstraints:
    """A nameConstraints extension as Chromium reads it."""

    permitted: GeneralNames | None
    excluded: GeneralNames | None
    critical: bool


@dataclass(frozen=True)
class Reading:
    """What could be read of one certificate, and what Chromium would refuse in it."""

    raw: RawCertificate | None
    extensions: tuple[x509.Extension[Any], ...]
    """Every extension cryptography could read (the first of a repeated one)."""
    refusals: tuple[str, ...]
    """Why Chromium refuses to parse this certificate (empty: it parses it)."""
    unreadable: tuple[str, ...]
    """Extensions browsers do not read for path validation that cryptography could not read either."""
    subject: Name | None = None
    issuer: Name | None = None
    """Normalised (Chromium's name matching); None when the name cannot be read."""
    san: GeneralNames | None = None
    name_constraints: NameConstraints | None = None

    def get(self, kind: type[_E]) -> _E | None:
        """The value of the extension of class ``kind`` (e.g. ``x509.SubjectAltName``), if it could be read."""
        for ext in self.extensions:
            if isinstance(ext.value, kind):
                return ext.value
        return None

    def critical(self, oid: str) -> bool:
        return self.raw is not None and any(e.oid == oid and e.critical for e in self.raw.extensions)

    def has(self, oid: str) -> bool:
        return self.raw is not None and any(e.oid == oid for e in self.raw.extensions)


@lru_cache(maxsize=512)
def read_certificate(cert: x509.Certificate) -> Reading:
    """Read ``cert`` extension by extension; never raises."""
    der = cert.public_bytes(Encoding.DER)
    try:
        raw = RawCertificate.parse(der)
    except DerError as exc:
        return Reading(None, (), (f"its structure cannot be read ({exc})",), ())
    refusals = _structure_refusals(raw)
    names, name_refusals = _names(raw)
    refusals += name_refusals
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            extensions: tuple[x509.Extension[Any], ...] = tuple(cert.extensions)
        unreadable: tuple[str, ...] = ()
    except Exception:  # cryptography refuses every extension when one is malformed or repeated
        extensions, malformed, unreadable = _one_by_one(raw)
        refusals += malformed
    if raw.extensions and not raw.subject and any(e.oid == SAN and not e.critical for e in raw.extensions):
        refusals += ("its subject is empty but its subjectAltName is not marked critical",)
    return Reading(raw, extensions, refusals, unreadable, **names)


def _names(raw: RawCertificate) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Subject, issuer, SAN and name constraints read with BoringSSL's rules, and what Chromium refuses in them."""
    found: dict[str, Any] = {}
    refusals = []
    for key, value in (("subject", raw.subject), ("issuer", raw.issuer)):
        try:
            found[key] = normalized_name(value)
        except DerError as exc:
            refusals.append(f"its {key} name cannot be read ({exc})")
    first = {e.oid: e for e in reversed(raw.extensions)}
    if SAN in first:
        try:
            found["san"] = general_names(first[SAN].value)
        except DerError as exc:
            refusals.append(f"the subjectAltName extension is malformed ({exc})")
    if NAME_CONSTRAINTS in first:
        try:
            found["name_constraints"] = _name_constraints(first[NAME_CONSTRAINTS])
        except DerError as exc:
            refusals.append(f"the nameConstraints extension is malformed ({exc})")
    return found, tuple(refusals)


def _name_constraints(ext: RawExtension) -> NameConstraints:
    outer = single(ext.value)
    if outer.tag != 0x30:
        raise DerError("NameConstraints is a SEQUENCE")
    parts = {p.tag: p for p in children(outer.value)}
    if not parts or set(parts) - {0xA0, 0xA1} or len(parts) != len(children(outer.value)):
        raise DerError("neither permitted nor excluded subtrees, or something else")
    subtrees = {tag: _subtrees(part.value) for tag, part in parts.items()}
    return NameConstraints(subtrees.get(0xA0), subtrees.get(0xA1), ext.critical)


def _subtrees(value: bytes) -> GeneralNames:
    from checks._certificate.generalnames import add_general_name

    items = children(value)
    if not items:
        raise DerError("empty GeneralSubtrees")
    names = GeneralNames()
    for item in items:
        inner = children(item.value)
        if item.tag != 0x30 or len(inner) != 1:
            raise DerError("a GeneralSubtree with minimum or maximum, or not a SEQUENCE")
        add_general_name(names, inner[0].tag, inner[0].value, constraint=True)
    return names


def _structure_refusals(raw: RawCertificate) -> tuple[str, ...]:
    out = []
    if raw.version_encoded and raw.version == 0:
        out.append("its version field says v1 explicitly (DER leaves it out)")
    if raw.version not in (0, 1, 2):
        out.append(f"its version number ({raw.version + 1}) does not exist")
    if raw.extensions_field and raw.version != 2:
        out.append("it carries extensions but is not a version 3 certificate")
    if raw.extensions_field and not raw.extensions:
        out.append("its extensions field is empty")
    for oid, count in Counter(e.oid for e in raw.extensions).items():
        if count > 1:
            out.append(f"the {extension_name(oid)} extension appears {count} times")
    out += [f"the {extension_name(e.oid)} extension is encoded as explicitly not critical (not DER)"
            for e in raw.extensions if e.false_encoded]
    return tuple(out)


def _one_by_one(raw: RawCertificate) -> tuple[tuple[x509.Extension[Any], ...], tuple[str, ...], tuple[str, ...]]:
    """Parse each extension alone: (readable ones, Chromium's refusals, unreadable others)."""
    readable: list[x509.Extension[Any]] = []
    refusals: list[str] = []
    unreadable: list[str] = []
    seen: set[str] = set()
    for ext in raw.extensions:
        if ext.oid in seen:
            continue
        seen.add(ext.oid)
        parsed, error = _parse_alone(raw, ext)
        if parsed is not None:
            readable.append(parsed)
        elif ext.oid in READ_HERE:
            continue  # read with BoringSSL's rules in _names()
        elif ext.oid in PARSED_BY_CHROMIUM:
            refusals.append(f"the {extension_name(ext.oid)} extension is malformed ({error})")
        else:
            unreadable.append(f"the {extension_name(ext.oid)} extension could not be read ({error})")
    return tuple(readable), tuple(refusals), tuple(unreadable)


def _parse_alone(raw: RawCertificate, ext: RawExtension) -> tuple[x509.Extension[Any] | None, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alone = x509.load_der_x509_certificate(raw.with_extensions((ext,)))
            return alone.extensions[0], ""
    except Exception as exc:  # ValueError, DuplicateExtension, UnsupportedGeneralNameType, TypeError ...
        return None, _short(exc)


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
