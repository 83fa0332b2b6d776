"""Chromium's verdict on a certificate chain: the browser's judgement, reproduced.

``CertVerifyProcBuiltin::VerifyInternal`` (``net/cert/cert_verify_proc_builtin.cc``)
then ``CertVerifyProc::Verify`` (``net/cert/cert_verify_proc.cc``), in order:

1. the site's certificate must parse (:mod:`.parsing`), else ERR_CERT_INVALID;
   intermediates and anchors that do not parse are ignored;
2. paths are built and verified (:mod:`.pathbuild`, :mod:`.pathcheck`) against
   the browser's trust anchors: the public roots (Mozilla's list stands in for
   the Chrome Root Store) and the roots trusted locally (this device's store
   beyond the public roots, ``--ca-file``); missing issuers come from AIA
   caIssuers addresses (http only, at most 5 per certificate, 64 KiB, 10 s);
   a SHA-1 signature is refused like any unsupported algorithm (Chromium 156
   makes no second attempt allowing it, as its net-log shows);
3. a valid path is checked against the stapled OCSP response (a "revoked" one
   is honoured; Chromium asks no OCSP responder or CRL itself);
4. then on the chain that was built: unknown or mismatched signature
   algorithms (INVALID), the host name (COMMON_NAME_INVALID), RSA keys under
   1024 bits (WEAK_KEY), SHA-1 (WEAK_SIGNATURE_ALGORITHM) and, for public
   roots only, a validity over 398 days and non-unique host names.

The net error is the most serious status, in ``MapCertStatusToNetError``'s order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from checks._certificate.algorithms import signature_algorithm
from checks._certificate.describe import Cert
from checks._certificate.names import match_host
from checks._certificate.pathbuild import Anchor, Anchors, BuiltPath, NeedAia, best_path, build_paths
from checks._certificate.pathcheck import Problem
from checks._certificate.stores import TrustStore

PRIORITY = (
    ("KEY_USAGE_INCOMPATIBLE", "ERR_SSL_KEY_USAGE_INCOMPATIBLE"), ("INVALID", "ERR_CERT_INVALID"), ("REVOKED", "ERR_CERT_REVOKED"),
    ("AUTHORITY_INVALID", "ERR_CERT_AUTHORITY_INVALID"), ("COMMON_NAME_INVALID", "ERR_CERT_COMMON_NAME_INVALID"),
    ("WEAK_SIGNATURE_ALGORITHM", "ERR_CERT_WEAK_SIGNATURE_ALGORITHM"), ("WEAK_KEY", "ERR_CERT_WEAK_KEY"),
    ("DATE_INVALID", "ERR_CERT_DATE_INVALID"), ("VALIDITY_TOO_LONG", "ERR_CERT_VALIDITY_TOO_LONG"),
    ("NON_UNIQUE_NAME", "ERR_CERT_NON_UNIQUE_NAME"),
)
FAMILIES = {
    "ERR_CERT_DATE_INVALID": "date", "ERR_CERT_VALIDITY_TOO_LONG": "date",
    "ERR_CERT_COMMON_NAME_INVALID": "name", "ERR_CERT_NON_UNIQUE_NAME": "name",
    "ERR_CERT_AUTHORITY_INVALID": "authority", "ERR_CERT_REVOKED": "revocation",
    "ERR_CERT_WEAK_SIGNATURE_ALGORITHM": "algorithm", "ERR_CERT_WEAK_KEY": "algorithm",
    "ERR_CERT_INVALID": "constraint", "ERR_CERT_NAME_CONSTRAINT_VIOLATION": "constraint",
    "ERR_SSL_KEY_USAGE_INCOMPATIBLE": "constraint",
}
"""The error family of each net error (what the differential test compares)."""
MAX_VALIDITY = dt.timedelta(days=398)
MAX_AIA_ROUNDS = 4

AiaFetch = Callable[[Cert], Awaitable[Sequence[Cert]]]


@dataclass(frozen=True)
class ChromiumVerdict:
    """What Chromium would decide, and why."""

    net_error: str | None
    status: tuple[str, ...]
    path: tuple[Cert, ...]
    """The path Chromium built (site's certificate first; ends at the anchor when one was reached)."""
    anchor: Anchor | None
    problems: tuple[Problem, ...]
    paths_tried: int

    @property
    def ok(self) -> bool:
        return self.net_error is None

    @property
    def family(self) -> str | None:
        return FAMILIES.get(self.net_error or "", "constraint") if self.net_error else None

    def has(self, *codes: str) -> bool:
        return any(p.code in codes for p in self.problems)

    def describe(self) -> dict[str, Any]:
        return {
            "net_error": self.net_error,
            "cert_status": list(self.status),
            "path": [c.fingerprint for c in self.path],
            "anchor": None if self.anchor is None else {
                "subject": self.anchor.cert.subject, "fingerprint_sha256": self.anchor.cert.fingerprint,
                "public_root": self.anchor.known,
            },
            "problems": [p.describe() for p in self.problems],
            "paths_tried": self.paths_tried,
        }


def browser_anchors(public: TrustStore, local: Sequence[TrustStore]) -> Anchors:
    """The anchors Chromium trusts: public roots (known) and locally trusted ones (their limits enforced)."""
    known = {c.fingerprint for c in public.certificates}
    anchors = [Anchor(c, True) for c in public.certificates]
    seen = set(known)
    for store in local:
        for cert in store.certificates:
            if cert.fingerprint not in seen:
                seen.add(cert.fingerprint)
                anchors.append(Anchor(cert, False))
    return Anchors(anchors)


async def chromium_verdict(sent: Sequence[Cert], anchors: Anchors, *, when: dt.datetime, host: str,
                           stapled: bytes = b"", fetch: AiaFetch | None = None) -> ChromiumVerdict:
    """Chromium's verdict on the chain ``sent`` (as the server sent it) for ``host`` at ``when``."""
    fetched: dict[str, Sequence[Cert]] = {}
    for _ in range(MAX_AIA_ROUNDS + 1):
        try:
            return decide(sent, anchors, when=when, host=host, stapled=stapled, fetched=fetched)
        except NeedAia as need:
            fetched[need.cert.fingerprint] = await fetch(need.cert) if fetch is not None else ()
    return decide(sent, anchors, when=when, host=host, stapled=stapled,
                  fetched=_AllFetched(fetched))


class _AllFetched(dict[str, Sequence[Cert]]):
    """After the last AIA round: every certificate counts as fetched (with nothing)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Sequence[Cert]:
        return super().get(key, ())


def decide(sent: Sequence[Cert], anchors: Anchors, *, when: dt.datetime, host: str, stapled: bytes,
           fetched: Mapping[str, Sequence[Cert]]) -> ChromiumVerdict:
    """The verdict with the AIA answers so far (raises NeedAia when the search needs more)."""
    leaf = sent[0]
    if leaf.reading.refusals:
        problem = Problem(0, "malformed", "; ".join(leaf.reading.refusals))
        return _verdict({"INVALID"}, (leaf,), None, [problem], 0)
    usage = leaf.reading.get(x509.KeyUsage)
    if usage is not None and not usage.digital_signature:
        # ssl_client_socket_impl.cc: the handshake signature needs digitalSignature, before any verification
        problem = Problem(0, "key_usage", "its keyUsage does not allow the signature a TLS handshake needs "
                          "(digitalSignature)")
        return _verdict({"KEY_USAGE_INCOMPATIBLE"}, (leaf,), None, [problem], 0)
    pool = [c for c in sent[1:] if not c.reading.refusals] + [
        c for certs in fetched.values() for c in certs if not c.reading.refusals]
    pool = list({c.fingerprint: c for c in pool}.values())
    # Chromium 156 makes one attempt: its net-log shows no second "digest_policy" attempt allowing
    # SHA-1 (older sources had one), so a SHA-1 signature is an unsupported algorithm: ERR_CERT_INVALID.
    paths = build_paths(leaf, pool, anchors, when, fetched=fetched)
    best = best_path(paths)
    if best is None:
        problem = Problem(0, "no_issuer", f"no issuer found for {leaf.subject}")
        return _verdict({"AUTHORITY_INVALID"}, (leaf,), None, [problem], 0)
    problems = list(best.problems)
    if best.valid and stapled and len(best.certs) > 1:
        problems += _stapled(best, stapled, when)
    status = {p.status for p in problems}
    problems += _after_path(best, host, status)
    return _verdict(status, best.certs, best.anchor, problems, len(paths))


def _stapled(path: BuiltPath, stapled: bytes, when: dt.datetime) -> list[Problem]:
    from checks._certificate.revocation import judge_ocsp

    answer = judge_ocsp("stapled_ocsp", stapled, path.certs[0], path.certs[1], when)
    if answer.status == "revoked":
        return [Problem(0, "revoked", f"the stapled OCSP response says it was revoked on {answer.revoked_at[:10]}")]
    return []


def _after_path(path: BuiltPath, host: str, status: set[str]) -> list[Problem]:
    """``CertVerifyProc::Verify``'s checks on the chain that was built; adds to ``status``."""
    certs = path.certs
    problems = []
    if len(certs) > 1:
        for index, cert in enumerate(certs[:-1]):
            raw = cert.reading.raw
            outer = signature_algorithm(raw.outer_algorithm) if raw else None
            if raw is None or outer is None or outer != signature_algorithm(raw.inner_algorithm):
                problems.append(Problem(index, "unsupported_algorithm", "an unknown or mismatched signature algorithm"))
                status.add("INVALID")
            elif outer.weak:
                problems.append(Problem(index, "sha1", "it is signed with SHA-1"))
                status.add("WEAK_SIGNATURE_ALGORITHM")
    if not match_host(certs[0], host).matched:
        problems.append(Problem(0, "name_mismatch", f"it is not valid for {host}"))
        status.add("COMMON_NAME_INVALID")
    for index, cert in enumerate(certs):
        bits = cert.key.get("bits")
        if cert.key.get("type") == "RSA" and isinstance(bits, int) and bits < 1024:
            status.add("WEAK_KEY")
            if not any(p.index == index and p.code == "weak_key" for p in path.problems):
                problems.append(Problem(index, "weak_key", f"a {bits}-bit RSA key"))
    if path.anchor is not None and path.anchor.known:
        leaf = certs[0]
        if leaf.not_after - leaf.not_before > MAX_VALIDITY:
            problems.append(Problem(0, "validity_too_long", f"valid for {(leaf.not_after - leaf.not_before).days} "
                                    "days (publicly trusted certificates: at most 398)"))
            status.add("VALIDITY_TOO_LONG")
        if _non_unique(host):
            problems.append(Problem(0, "non_unique_name", f"{host} is an internal name"))
            status.add("NON_UNIQUE_NAME")
    return problems


def _non_unique(host: str) -> bool:
    import ipaddress

    from diagnose.psl import public_suffix_list

    try:
        return not ipaddress.ip_address(host.strip("[]")).is_global
    except ValueError:
        return public_suffix_list(icann_only=True).publicsuffix(host, accept_unknown=False) is None


def _verdict(status: set[str], path: tuple[Cert, ...], anchor: Anchor | None, problems: list[Problem],
             tried: int) -> ChromiumVerdict:
    if status and not any(flag in status for flag, _e in PRIORITY):
        status.add("INVALID")
    error = next((e for flag, e in PRIORITY if flag in status), None)
    return ChromiumVerdict(error, tuple(sorted(status)), path, anchor, tuple(problems), tried)


