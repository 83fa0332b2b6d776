"""Revocation as the check judges it: the stapled OCSP response, then the OCSP responders and
CRLs the certificates name (over the run's HTTP client, GET only).

Chromium asks no OCSP responder and fetches no CRL for ordinary certificates
(``CertVerifyProcBuiltin``: revocation checking is off unless an enterprise
policy turns it on); it honours a stapled "revoked" answer and its own
CRLSet. This check asks anyway, because a revoked certificate may be in an
attacker's hands: signing in there is unsafe even though the browser opens
the page, and the finding says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from checks._certificate.chromium import ChromiumVerdict
from checks._certificate.describe import Cert
from checks._certificate.judges import label, role_in, which
from checks._certificate.revocation import Revocation, check_crl, check_ocsp, judge_ocsp
from checks._certificate.state import CertificateRun

SOURCES = {
    "stapled_ocsp": "the OCSP response the server stapled",
    "ocsp": "the OCSP responder",
    "crl": "the certificate revocation list",
}
BROWSERS = {
    "stapled_ocsp": "Browsers refuse the page too: they honour a stapled answer.",
    "fetched": ("Your browser will probably still open the page as if nothing were wrong: Chrome and Edge do not "
                "ask the authority about ordinary certificates (only a stapled answer or their own revocation "
                "list counts), and Firefox did not refuse it either when tested. Do not sign in anyway."),
}


async def judge_revocation(run: CertificateRun, verdict: ChromiumVerdict, stapled: bytes) -> None:
    """Ask every source about every certificate below the root; report each revoked one once."""
    pairs = _pairs(verdict)
    results = await _ask(run, pairs, stapled)
    run.details["revocation"] = {"stapled_ocsp": bool(stapled), "checked": [r.describe() for r in results]}
    reported: set[str] = set()
    for result in results:
        if result.status == "revoked" and result.certificate.fingerprint not in reported:
            reported.add(result.certificate.fingerprint)
            _revoked(run, verdict, result, results)


def _pairs(verdict: ChromiumVerdict) -> list[tuple[Cert, Cert]]:
    """(certificate, its issuer) along Chromium's path, the anchor excepted."""
    path = verdict.path
    last = len(path) - 1 if verdict.anchor is not None else len(path)
    return [(path[i], path[i + 1]) for i in range(min(last, len(path) - 1))]


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


def _revoked(run: CertificateRun, verdict: ChromiumVerdict, result: Revocation,
             results: Sequence[Revocation]) -> None:
    cert_role = role_in(verdict, verdict.path.index(result.certificate))
    stapled = any(r.source == "stapled_ocsp" and r.status == "revoked" and r.certificate is result.certificate
                  for r in results)
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
        "browser_refuses": stapled,
        "browser_note": BROWSERS["stapled_ocsp" if stapled else "fetched"],
    })
