"""Revocation as the check judges it: the stapled OCSP response, then the OCSP responders and
CRLs the certificates name (over the run's HTTP client, GET only)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from checks._certificate.describe import Cert
from checks._certificate.judges import label, role, which
from checks._certificate.paths import Walk
from checks._certificate.revocation import Revocation, check_crl, check_ocsp, judge_ocsp
from checks._certificate.state import CertificateRun

SOURCES = {
    "stapled_ocsp": "the OCSP response the server stapled",
    "ocsp": "the OCSP responder",
    "crl": "the certificate revocation list",
}


async def judge_revocation(run: CertificateRun, path: Sequence[Cert], walked: Walk, stapled: bytes) -> None:
    """Ask every source about every certificate below the root; report each revoked one once."""
    pairs = _pairs(path, walked)
    results = await _ask(run, pairs, stapled)
    run.details["revocation"] = {"stapled_ocsp": bool(stapled), "checked": [r.describe() for r in results]}
    reported: set[str] = set()
    for result in results:
        if result.status == "revoked" and result.certificate.fingerprint not in reported:
            reported.add(result.certificate.fingerprint)
            _revoked(run, path, result, results)


def _pairs(path: Sequence[Cert], walked: Walk) -> list[tuple[Cert, Cert]]:
    """(certificate, its issuer) for every certificate of the path but the root."""
    pairs: list[tuple[Cert, Cert]] = []
    for index, cert in enumerate(path):
        if role(cert, index, len(path)) == "root":
            continue
        issuer = path[index + 1] if index + 1 < len(path) else walked.anchor
        if issuer is not None and issuer is not cert:
            pairs.append((cert, issuer))
    return pairs


async def _ask(run: CertificateRun, pairs: Sequence[tuple[Cert, Cert]], stapled: bytes) -> list[Revocation]:
    results: list[Revocation] = []
    if stapled and pairs:
        results.append(judge_ocsp("stapled_ocsp", stapled, pairs[0][0], pairs[0][1], run.true_now))
    net = run.ctx.net
    tasks = [check_ocsp(net, c, i, run.true_now) for c, i in pairs]
    tasks += [check_crl(net, c, i, run.true_now) for c, i in pairs]
    if not tasks:
        return results
    seen = f"the certificate chain was read and judged ({len(run.findings)} finding(s) so far)"
    async with run.step("revocation", "the revocation check (OCSP and CRL)", seen):
        for batch in await asyncio.gather(*tasks):
            results.extend(batch)
    return results


def _revoked(run: CertificateRun, path: Sequence[Cert], result: Revocation, results: Sequence[Revocation]) -> None:
    cert_role = role(result.certificate, path.index(result.certificate), len(path))
    run.add("certificate.revoked", {
        **which(result.certificate, cert_role),
        "which": label(cert_role),
        "source": result.source,
        "source_label": SOURCES[result.source] + (f" at {result.url}" if result.url else ""),
        "url": result.url or None,
        "revoked_at": result.revoked_at[:10] if result.revoked_at else "an unknown date",
        "revocation_time": result.revoked_at or None,
        "reason": result.reason or None,
        "reason_note": f" (reason: {result.reason.replace('_', ' ')})" if result.reason else "",
        "also_reported_by": [r.source for r in results if r.status == "revoked" and r.certificate is result.certificate],
    })
