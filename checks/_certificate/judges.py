"""Independent judgements on a chain, one per kind of defect, with Chromium's thresholds.

Verifiers stop at the first error (badssl#150); these do not: a certificate
that is both expired and for the wrong host gets both findings. Each judge
returns :class:`Issue` values; the check turns them into findings, and runs
each judge on its own so one that cannot read something does not stop the
others.

A defect Chromium refuses is a failing finding (its rules: RSA keys of at
least 1024 bits, EC keys on P-256/384/521, no SHA-1 or unsupported signature
algorithm, dates of the site's certificate, the intermediates and a root
trusted locally). A stricter rule it does not enforce (RSA under 2048 bits,
which Safari refuses) is an advice-level ``certificate.advice``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checks._certificate.algorithms import key_problem, signature_algorithm
from checks._certificate.describe import Cert, iso
from checks._certificate.names import match_host
from diagnose.model import Severity

if TYPE_CHECKING:
    from checks._certificate.chromium import ChromiumVerdict

MIN_RSA_BITS_STRICT = 2048

Role = tuple[Cert, str]
"""A certificate of the path and its role: ``leaf``, ``intermediate`` or ``root``."""


@dataclass(frozen=True)
class Issue:
    code: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    message: str | None = None


def role_in(verdict: ChromiumVerdict, index: int) -> str:
    """The role of the certificate at ``index`` of Chromium's path."""
    if index == 0:
        return "leaf"
    if verdict.anchor is not None and index == len(verdict.path) - 1:
        return "root"
    return "intermediate"


def roles(verdict: ChromiumVerdict) -> list[Role]:
    return [(cert, role_in(verdict, i)) for i, cert in enumerate(verdict.path)]


def which(cert: Cert, cert_role: str) -> dict[str, Any]:
    """Evidence naming one certificate of the chain."""
    return {
        "certificate": cert_role,
        "subject": cert.subject,
        "position": cert.position,
        "source": cert.source,
        "fingerprint_sha256": cert.fingerprint,
    }


def _plural(days: int) -> str:
    return "less than a day" if days <= 0 else f"{days} day" if days == 1 else f"{days} days"


def _days(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 86400)


def label(cert_role: str) -> str:
    """How a message names a certificate of the chain."""
    return {"leaf": "certificate", "intermediate": "intermediate certificate",
            "root": "root certificate", "local root": "root certificate trusted on this device"}.get(
        cert_role, f"{cert_role} certificate")


_EXPIRED_ROOT = (
    "The root certificate {subject}, which this device trusts (it was installed here; it is not a public "
    "root), expired on {date}, {days_text} ago, so browsers refuse every site it vouches for, {host} included.")


def dates(path: Sequence[Role], now: dt.datetime, soon_days: int, *, local_root: bool) -> list[Issue]:
    """Expired, not yet valid, or expiring within ``soon_days``: the site's certificate, the intermediates,
    and a root trusted locally (Chromium enforces its dates; a public root's it does not)."""
    issues = []
    now = now.replace(microsecond=0)  # certificates and Chromium count whole seconds
    for cert, cert_role in path:
        if cert_role == "root" and not local_root:
            continue
        named = "local root" if cert_role == "root" else cert_role
        base = {**which(cert, cert_role), "which": label(named),
                "not_before": iso(cert.not_before), "not_after": iso(cert.not_after), "now": iso(now)}
        if now > cert.not_after:
            days = _days(now - cert.not_after)
            issues.append(Issue("certificate.expired", {**base, "date": iso(cert.not_after)[:10], "days": days,
                                                        "days_text": _plural(days)},
                                message=_EXPIRED_ROOT if named == "local root" else None))
        elif now < cert.not_before:
            days = max(1, _days(cert.not_before - now))
            issues.append(Issue("certificate.not_yet_valid", {**base, "date": iso(cert.not_before)[:10],
                                                              "days": days, "days_text": _plural(days)}))
        elif cert.not_after - now < dt.timedelta(days=soon_days):
            days = _days(cert.not_after - now)
            issues.append(Issue("certificate.expires_soon", {**base, "date": iso(cert.not_after)[:10],
                                                             "days": days, "days_text": _plural(days),
                                                             "threshold_days": soon_days}))
    return issues


def names(leaf: Cert, host: str) -> list[Issue]:
    """No SAN at all, and the host not covered (both can hold), by Chromium's rules."""
    if leaf.has_san and leaf.reading.san is None:
        return []  # the subjectAltName cannot be read: certificate.malformed says so
    issues = []
    verdict = match_host(leaf, host)
    if not leaf.has_san:
        issues.append(Issue("certificate.no_san", {
            **which(leaf, "leaf"), "host": host, "common_name": ", ".join(leaf.common_names) or "(none)",
            "common_name_matches": verdict.common_name_matches,
        }))
    if not verdict.matched and leaf.has_san:
        valid_for = list(verdict.valid_for)
        issues.append(Issue("certificate.hostname_mismatch", {
            **which(leaf, "leaf"), "host": host,
            "names": ", ".join(valid_for) or "(no name at all)",
            "valid_for": valid_for,
            "note": verdict.note,
            "note_text": f" Note: {verdict.note}." if verdict.note else "",
        }))
    return issues


def keys(path: Sequence[Role]) -> list[Issue]:
    """Keys Chromium refuses (RSA under 1024 bits, EC curves other than P-256/384/521, other types),
    anywhere on the path; RSA keys under 2048 bits it accepts are advice (Safari refuses them)."""
    issues = []
    for cert, cert_role in path:
        code, why = key_problem(cert.cert)
        kind, bits = cert.key.get("type"), cert.key.get("bits")
        base = {**which(cert, cert_role), "which": label(cert_role), "key_type": kind, "key_bits": bits}
        if code == "weak_key":
            issues.append(Issue("certificate.weak_key", {**base, "minimum_bits": 1024 if kind == "RSA" else 256,
                                                         "detail": why}))
        elif code:
            issues.append(Issue("certificate.malformed", {**base, "detail": why}))
        elif kind == "RSA" and isinstance(bits, int) and bits < MIN_RSA_BITS_STRICT:
            issues.append(advice(
                "rsa-under-2048", f"the {label(cert_role)} ({cert.subject}) has a {bits}-bit RSA key; "
                "at least 2048 bits are required", "CA/Browser Forum Baseline Requirements 6.1.5",
                "Safari (macOS 10.15 and later, iOS 13 and later) enforces, and so do apps built on OpenSSL "
                "at its default security level (Python, curl)", cert, cert_role, severity=Severity.LOW))
    return issues


def signatures(path: Sequence[Role]) -> list[Issue]:
    """SHA-1 and algorithms Chromium does not support, on the site's certificate and the intermediates.

    The signature on the root is not checked by anyone, so it does not count.
    """
    issues = []
    for cert, cert_role in path:
        raw = cert.reading.raw
        if cert_role == "root" or raw is None:
            continue
        algorithm = signature_algorithm(raw.outer_algorithm)
        base = {**which(cert, cert_role), "which": label(cert_role), "algorithm": cert.signature_name,
                "hash": cert.signature[1]}
        if algorithm is None:
            issues.append(Issue("certificate.weak_signature", base, message=(
                "The {which} of {host} ({subject}) is signed with {algorithm}, a method browsers do not "
                "support, so they refuse it.")))
        elif algorithm.weak:
            issues.append(Issue("certificate.weak_signature", base))
    return issues


def order(sent: Sequence[Cert], path: Sequence[Cert]) -> list[Issue]:
    """sslyze's rule, on the certificates the path uses: each must be sent before its issuer.

    Browsers rebuild the chain from whatever was sent (and ignore the rest, such
    as a cross-signed copy for older clients), so a wrong order costs only strict
    clients (older Java, embedded devices); hence a low finding.
    """
    rank = {c.fingerprint: i for i, c in enumerate(path)}
    used = [c for c in sent if c.fingerprint in rank]
    for index in range(1, len(used)):
        if rank[used[index].fingerprint] < rank[used[index - 1].fingerprint]:
            return [Issue("certificate.chain_misordered", {
                "sent_order": [c.subject for c in sent],
                "expected_order": [c.subject for c in path],
                "position": used[index].position,
                "subject": used[index].subject,
            })]
    return []


def advice(rule_id: str, rule: str, source: str, who_fails: str, cert: Cert | None = None, cert_role: str = "",
           *, severity: Severity = Severity.INFO, **more: Any) -> Issue:
    """An advice-level finding: browsers accept this today, but it breaks a rule someone enforces."""
    evidence: dict[str, Any] = {"rule_id": rule_id, "rule": rule, "source": source, "who_fails": who_fails, **more}
    if cert is not None:
        evidence.update(which(cert, cert_role))
    return Issue("certificate.advice", evidence, severity)
