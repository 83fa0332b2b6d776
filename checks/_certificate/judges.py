"""Independent judgements on a chain, one per kind of defect.

Verifiers stop at the first error (badssl#150); these do not: a certificate
that is both expired and for the wrong host gets both findings. Each judge
returns :class:`Issue` values; the check turns them into findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from checks._certificate.describe import Cert, iso
from checks._certificate.names import match_host
from diagnose.model import Severity

WEAK_HASHES = {"MD2", "MD4", "MD5", "SHA1"}
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
MIN_DSA_BITS = 2048


@dataclass(frozen=True)
class Issue:
    code: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None


def role(cert: Cert, index: int, path_length: int) -> str:
    """``leaf``, ``intermediate`` or ``root`` (a self-signed CA at the top)."""
    if index == 0:
        return "leaf"
    if cert.self_issued and index == path_length - 1:
        return "root"
    return "intermediate"


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
            "root": "root certificate"}.get(cert_role, f"{cert_role} certificate")


def dates(path: Sequence[Cert], now: dt.datetime, soon_days: int) -> list[Issue]:
    """Expired, not yet valid, or expiring within ``soon_days``: leaf and intermediates."""
    issues = []
    for index, cert in enumerate(path):
        cert_role = role(cert, index, len(path))
        if cert_role == "root":
            continue  # a sent root is ignored by clients; the store's copy is what counts
        base = {**which(cert, cert_role), "which": label(cert_role),
                "not_before": iso(cert.not_before), "not_after": iso(cert.not_after), "now": iso(now)}
        if now > cert.not_after:
            issues.append(Issue("certificate.expired", {**base, "date": iso(cert.not_after)[:10],
                                                        "days": _days(now - cert.not_after),
                                                        "days_text": _plural(_days(now - cert.not_after))}))
        elif now < cert.not_before:
            issues.append(Issue("certificate.not_yet_valid", {**base, "date": iso(cert.not_before)[:10],
                                                              "days": max(1, _days(cert.not_before - now)),
                                                              "days_text": _plural(max(1, _days(cert.not_before - now)))}))
        elif cert.not_after - now < dt.timedelta(days=soon_days):
            issues.append(Issue("certificate.expires_soon", {**base, "date": iso(cert.not_after)[:10],
                                                             "days": _days(cert.not_after - now),
                                                             "days_text": _plural(_days(cert.not_after - now)),
                                                             "threshold_days": soon_days}))
    return issues


def names(leaf: Cert, host: str) -> list[Issue]:
    """No SAN at all, and the host not covered (both can hold)."""
    issues = []
    verdict = match_host(leaf, host)
    if not leaf.has_san:
        issues.append(Issue("certificate.no_san", {
            **which(leaf, "leaf"), "host": host, "common_name": ", ".join(leaf.common_names) or "(none)",
            "common_name_matches": verdict.common_name_matches,
        }))
    cn_only_ok = not leaf.has_san and verdict.common_name_matches
    if not verdict.matched and not cn_only_ok:
        valid_for = list(verdict.valid_for) or [f"{cn} (common name only)" for cn in leaf.common_names]
        issues.append(Issue("certificate.hostname_mismatch", {
            **which(leaf, "leaf"), "host": host,
            "names": ", ".join(valid_for) or "(no name at all)",
            "valid_for": valid_for,
            "note": verdict.note,
            "note_text": f" Note: {verdict.note}." if verdict.note else "",
        }))
    return issues


def keys(path: Sequence[Cert]) -> list[Issue]:
    """RSA/DSA under 2048 bits, EC under 256 bits, anywhere on the path (the leaf too:
    cryptography's verifier only checks keys that verify signatures)."""
    issues = []
    for index, cert in enumerate(path):
        key = cert.key
        bits = key.get("bits")
        kind = key.get("type")
        minimum = {"RSA": MIN_RSA_BITS, "DSA": MIN_DSA_BITS, "EC": MIN_EC_BITS}.get(str(kind))
        if minimum is not None and isinstance(bits, int) and bits < minimum:
            cert_role = role(cert, index, len(path))
            issues.append(Issue("certificate.weak_key", {
                **which(cert, cert_role), "which": label(cert_role),
                "key_type": kind, "key_bits": bits, "minimum_bits": minimum,
            }))
    return issues


def signatures(path: Sequence[Cert]) -> list[Issue]:
    """SHA-1 and MD5 (and older) signatures on the leaf and intermediates.

    The signature on a self-signed root is not checked by anyone, so it does not count.
    """
    issues = []
    for index, cert in enumerate(path):
        cert_role = role(cert, index, len(path))
        if cert_role == "root":
            continue
        _key_alg, digest = cert.signature
        if digest in WEAK_HASHES:
            issues.append(Issue("certificate.weak_signature", {
                **which(cert, cert_role), "which": label(cert_role),
                "algorithm": cert.signature_name, "hash": digest,
            }))
    return issues


def order(sent: Sequence[Cert], path: Sequence[Cert]) -> list[Issue]:
    """sslyze's rule: each certificate sent must be issued by the one sent after it.

    Browsers rebuild the chain from whatever was sent, so a wrong order costs
    only strict clients (older Java, embedded devices); hence a low finding.
    """
    on_path = {c.fingerprint for c in path}
    for index in range(1, len(sent)):
        if sent[index - 1].cert.issuer != sent[index].cert.subject and (
            sent[index].fingerprint in on_path or sent[index - 1].fingerprint in on_path
        ):
            expected = [c.subject for c in path]
            return [Issue("certificate.chain_misordered", {
                "sent_order": [c.subject for c in sent],
                "expected_order": expected,
                "position": index,
                "subject": sent[index].subject,
            })]
    return []
