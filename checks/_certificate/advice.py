"""Advice: rules the certificate breaks that browsers do not enforce (yet), and who does.

Chromium is the judge of whether sign-in works; RFC 5280 and the CA/Browser
Forum Baseline Requirements are stricter, and so are some clients: Safari
(Apple's TLS certificate requirements, support.apple.com/HT210176: RSA keys of
2048 bits, serverAuth EKU, at most 825 days), Firefox (no CA certificate as
the site's certificate), and strict libraries (Python's cryptography
verifier, rustls-webpki, Go). Two sources:

* cryptography's verifier (``PolicyBuilder``, web-PKI policy, every check on)
  at the device's time for the real host: its first refusal, named;
* lints for rules that verifier does not check either (the common name among
  the subjectAltName entries, key identifiers, EKU on roots, serial numbers,
  the criticality of constraints, wildcards under private public suffixes).

Each becomes a ``certificate.advice`` finding: ``info`` when only libraries
enforce the rule, ``low`` when a browser (Safari, Firefox) refuses it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Sequence

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from checks._certificate.describe import Cert
from checks._certificate.judges import Issue, Role, advice, label
from checks._certificate.paths import verify
from checks._certificate.stores import TrustStore
from diagnose.model import Severity

RFC = "RFC 5280"
BR = "CA/Browser Forum Baseline Requirements"
LIBRARIES = "strict TLS libraries enforce (Python's cryptography verifier, rustls-webpki)"
SAFARI = "Safari (macOS 10.15 and later, iOS 13 and later) enforces"
FIREFOX = "Firefox enforces (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY)"
APPLE_825_DAYS = dt.timedelta(days=825)
APPLE_FROM = dt.datetime(2019, 7, 1, tzinfo=dt.UTC)

_STRICT = (
    (r"2\.5\.29\.35: Certificate is missing required", "aki-missing", RFC + " 4.2.1.1"),
    (r"authorityKeyIdentifier must", "aki-fields", BR + " 7.1.2.1.3"),
    (r"2\.5\.29\.30: Certificate contains prohibited", "nc-in-leaf", BR + " 7.1.2.7"),
    (r"name constraint|malformed SAN", "nc-malformed-name", RFC + " 4.2.1.10"),
    (r"invalid domain name", "host-not-dns-name", "RFC 1034 preferred name syntax (RFC 5280 4.2.1.6)"),
    (r"serial", "serial-number", RFC + " 4.1.2.2"),
    (r"has no basicConstraints|2\.5\.29\.19.*criticality", "ca-basic-constraints", RFC + " 4.2.1.9"),
    (r"EE keyUsage must not assert keyCertSign", "leaf-key-usage", RFC + " 4.2.1.3"),
    (r"keyUsage|2\.5\.29\.15", "ca-key-usage", RFC + " 4.2.1.3"),
    (r"basicConstraints\.cA must not", "ca-as-leaf", BR + " 7.1.2.7.8"),
    (r"subjectAltName MUST NOT be critical", "san-critical-with-subject", BR + " 7.1.2.7.12"),
    (r"2\.5\.29\.37.*criticality|extended key usage|EKU", "eku", BR + " 7.1.2.7.10"),
    (r"criticality", "extension-criticality", RFC + " 4.2"),
    (r"RSA key is too weak", "rsa-under-2048", BR + " 6.1.5"),
    (r"Forbidden public key", "key-algorithm", BR + " 6.1.5"),
    (r"Forbidden signature", "signature-algorithm", BR + " 7.1.3.2"),
    (r"not valid at validation time", "validity", RFC + " 4.1.2.5"),
)


PLAIN = {
    "aki-missing": "a certificate other than a root must name its issuer's key (authority key identifier)",
    "aki-fields": "a root's authority key identifier must only repeat its own key identifier",
    "nc-in-leaf": "only certificate authorities may carry name constraints",
    "nc-malformed-name": "a name in the name constraints or the subjectAltName is not a valid DNS name",
    "host-not-dns-name": "the host name is not a valid DNS name (it contains characters such as '_')",
    "serial-number": "a certificate's serial number must be positive and at most 20 bytes",
    "ca-basic-constraints": "a certificate authority's certificate must have critical basicConstraints",
    "ca-key-usage": "a certificate authority's certificate must have a keyUsage extension allowing "
                    "certificate signing",
    "ca-as-leaf": "the site's certificate must not be a certificate authority's certificate",
    "leaf-key-usage": "the site's certificate must not be allowed to sign certificates (keyCertSign)",
    "san-critical-with-subject": "the subjectAltName must not be marked critical when the certificate has a "
                                 "subject",
    "eku": "the extended key usage extension breaks the web PKI profile",
    "extension-criticality": "an extension is marked critical (or not) against the profile",
    "rsa-under-2048": "RSA keys must have at least 2048 bits",
    "key-algorithm": "the public key's algorithm or curve is not allowed in the web PKI",
    "signature-algorithm": "the signature algorithm is not allowed in the web PKI",
    "validity": "a certificate is outside its validity period",
    "path-building": "strict verifiers find no acceptable path to a trusted root",
    "rfc5280": "the chain breaks RFC 5280",
}
"""Each rule in plain words (cryptography's own message is kept in the evidence)."""


def strict_advice(leaf: Cert, intermediates: Sequence[Cert], store: TrustStore, when: dt.datetime,
                  host: str) -> list[Issue]:
    """cryptography's verifier's first refusal of a chain Chromium accepts, as advice."""
    result = verify(leaf, intermediates, store, when, host)
    if result.ok:
        return []
    text = re.sub(r"\s*\(encountered processing.*$", "", result.error).strip()
    rule_id, source = next(((r, s) for pattern, r, s in _STRICT if re.search(pattern, text)),
                           ("path-building" if "candidates exhausted" in text else "rfc5280", RFC))
    return [advice(rule_id, PLAIN[rule_id], source, LIBRARIES, verifier=result.describe(), verifier_message=text)]


def lints(path: Sequence[Role], host: str) -> list[Issue]:
    """Rules neither Chromium nor cryptography's verifier check, on the path Chromium built."""
    out: list[Issue] = []
    for cert, cert_role in path:
        out += _identifiers(cert, cert_role) + _constraints(cert, cert_role) + _serial(cert, cert_role)
        if cert_role == "leaf":
            out += _leaf(cert, host)
        elif cert.reading.has("2.5.29.37") and cert_role == "root":
            out.append(advice("eku", f"the {label(cert_role)} ({cert.subject}) has an extended key usage "
                              "extension, which roots must not have", BR + " 7.1.2.1", LIBRARIES, cert, cert_role))
        bits = cert.key.get("bits")
        if cert.key.get("type") == "RSA" and isinstance(bits, int) and bits % 8:
            out.append(advice("rsa-modulus", f"the {label(cert_role)} ({cert.subject}) has an RSA modulus of "
                              f"{bits} bits, not a multiple of 8", BR + " 6.1.5", LIBRARIES, cert, cert_role))
    return out


def _identifiers(cert: Cert, cert_role: str) -> list[Issue]:
    aki = cert.reading.get(x509.AuthorityKeyIdentifier)
    ski = cert.reading.get(x509.SubjectKeyIdentifier)
    out = []
    if cert.is_ca and ski is None:
        out.append(advice("ski-missing", f"the {label(cert_role)} ({cert.subject}) has no subject key identifier",
                          RFC + " 4.2.1.2", LIBRARIES, cert, cert_role))
    if not cert.self_issued and aki is None and cert_role != "root":
        out.append(advice("aki-missing", f"the {label(cert_role)} ({cert.subject}) has no authority key identifier",
                          RFC + " 4.2.1.1", LIBRARIES, cert, cert_role))
    if cert.self_issued and aki is not None and (
            aki.authority_cert_issuer is not None or (ski is not None and aki.key_identifier not in (None, ski.digest))):
        out.append(advice("aki-fields", f"the {label(cert_role)} ({cert.subject}) has an authority key identifier "
                          "that does not simply repeat its own key identifier", BR + " 7.1.2.1.3", LIBRARIES,
                          cert, cert_role))
    return out


def _constraints(cert: Cert, cert_role: str) -> list[Issue]:
    out = []
    for oid, name, section in (("2.5.29.30", "name constraints", "4.2.1.10"),
                               ("2.5.29.36", "policy constraints", "4.2.1.11")):
        if cert.reading.has(oid) and not cert.reading.critical(oid) and cert_role != "leaf":
            out.append(advice("extension-criticality", f"the {name} of the {label(cert_role)} ({cert.subject}) "
                              "are not marked critical", f"{RFC} {section}", LIBRARIES, cert, cert_role))
    if cert_role == "leaf" and cert.reading.has("2.5.29.30"):
        out.append(advice("nc-in-leaf", "the site's certificate carries name constraints, which only authorities "
                          "may carry", BR + " 7.1.2.7", LIBRARIES, cert, cert_role))
    return out


def _serial(cert: Cert, cert_role: str) -> list[Issue]:
    raw = cert.reading.raw
    if raw is None:
        return []
    serial = raw.serial
    if serial in (b"", b"\x00") or serial[0] & 0x80 or len(serial) > 20:
        return [advice("serial-number", f"the {label(cert_role)} ({cert.subject}) has a serial number that is "
                       "zero, negative or longer than 20 bytes", RFC + " 4.1.2.2", LIBRARIES, cert, cert_role)]
    return []


def _leaf(cert: Cert, host: str) -> list[Issue]:
    out = []
    basic = cert.reading.get(x509.BasicConstraints)
    if basic is not None and basic.ca:
        out.append(advice("ca-as-leaf", "the site's certificate is a certificate authority's certificate "
                          f"({cert.subject})", BR + " 7.1.2.7.8", FIREFOX, cert, "leaf", severity=Severity.LOW))
    usage = cert.reading.get(x509.ExtendedKeyUsage)
    if usage is None:
        out.append(advice("eku", "the site's certificate has no extended key usage allowing server "
                          "authentication (serverAuth)", "Apple's TLS certificate requirements (HT210176); "
                          + BR + " 7.1.2.7.10", SAFARI, cert, "leaf", severity=Severity.LOW))
    elif ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usage:
        out.append(advice("eku", "the site's certificate allows any purpose (anyExtendedKeyUsage)",
                          BR + " 7.1.2.7.10", LIBRARIES, cert, "leaf"))
    if cert.not_before >= APPLE_FROM and cert.not_after - cert.not_before > APPLE_825_DAYS:
        days = (cert.not_after - cert.not_before).days
        out.append(advice("validity-825-days", f"the site's certificate is valid for {days} days, more than 825",
                          "Apple's TLS certificate requirements (HT210176)", SAFARI, cert, "leaf",
                          severity=Severity.LOW))
    out += _common_name(cert) + _private_suffix_wildcard(cert, host)
    return out


def _common_name(cert: Cert) -> list[Issue]:
    out = []
    for cn in cert.common_names:
        if cn in cert.dns_names or any(_same_ip_text(cn, ip) for ip in cert.ip_names):
            continue
        out.append(advice("cn-not-in-san", f"the common name {cn!r} is not written exactly as one of the "
                          "subjectAltName entries", BR + " 7.1.4.3", LIBRARIES, cert, "leaf"))
    return out


def _same_ip_text(cn: str, ip: str) -> bool:
    try:
        return str(ipaddress.ip_address(cn)) == cn and ipaddress.ip_address(cn) == ipaddress.ip_address(ip)
    except ValueError:
        return False


def _private_suffix_wildcard(cert: Cert, host: str) -> list[Issue]:
    from diagnose.psl import public_suffix_list

    psl = public_suffix_list()
    for name in cert.dns_names:
        domain = name[2:].lower() if name.startswith("*.") else ""
        if domain and psl.publicsuffix(domain, accept_unknown=False) == domain:
            return [advice("wildcard-public-suffix", f"the wildcard {name} stands directly under a public suffix "
                           f"({domain})", BR + " 3.2.2.6", LIBRARIES, cert, "leaf")]
    return []
