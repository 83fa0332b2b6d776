"""The ``certificate`` check: would the browser accept this certificate, and if not, exactly why?

A browser says "Your connection is not private"; Python's ssl module says one
code about the first problem it met, and RFC 5280 linters refuse certificates
browsers accept every day. The verdict here is the browser's:

1. **Collects the chain as sent** with one handshake that verifies nothing
   and sends nothing else (:meth:`diagnose.net.Net.fetch_chain`), plus any
   stapled OCSP response.
2. **Reaches Chromium's verdict** (:mod:`checks._certificate.chromium`): the
   certificates read as Chromium reads them, paths built with backtracking
   over every candidate issuer and verified with its rules, against the public
   roots and the roots trusted on this device (``--ca-file`` too), missing
   issuers downloaded from their AIA address as Chromium on Linux does.
3. **Explains it with independent judges** (dates, names, keys, signatures,
   order, trust, constraints, malformed input), each run on its own: a
   certificate that is both expired and for the wrong host reports both, and
   a judge that cannot read something reports that instead of crashing.
4. **Revocation**: the stapled OCSP response, then the OCSP responders and
   CRLs the certificates name (the browser does not ask them; the finding
   says so). **Interception** and **compromised roots** are named.
5. **Advice**: rules the certificate breaks that Chrome does not enforce
   (cryptography's strict verifier, Safari's and Firefox's stricter rules) are
   info/low findings, never a failure of a sign-in that works.
6. **Reconciles** (:mod:`checks._certificate.browser`): when Chromium accepts,
   nothing it judges fails the check; when it refuses, a failing finding names
   the same defect. Revocation, compromised roots and interception are the
   deliberate differences (docs/certificate.md).

The clock: when the ``clock`` check measured this device's offset and the
certificate is valid by the correct time, the clock is the cause (Chrome's
bad-clock interstitial), not the certificate.

Reads from the ``connectivity`` result its :class:`~diagnose.facts.Reached`
fact (the address a browser would connect to), and from the ``clock`` result
(optional, may be absent) its status and :class:`~diagnose.facts.ClockOffset`
fact. Nothing else of them is relied on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checks._certificate import chain
from checks._certificate.advice import lints, strict_advice
from checks._certificate.aia import AiaFetcher
from checks._certificate.browser import constraint_findings, malformed_findings, reconcile
from checks._certificate.chromium import ChromiumVerdict, browser_anchors, chromium_verdict
from checks._certificate.dating import judge_dates
from checks._certificate.describe import Cert, iso, load_der
from checks._certificate.judges import Issue, keys, names, order, roles, signatures
from checks._certificate.revoked import judge_revocation
from checks._certificate.state import CertificateRun, clock_offset
from checks._certificate.stores import union
from checks._certificate.trust import judge_trust
from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.model import Severity, Status

__all__ = ["CertificateCheck", "clock_offset"]


class CertificateCheck(Check):
    id = "certificate"
    title = "The HTTPS certificate is valid and not intercepted"
    failure_title = "The HTTPS certificate is not valid, or the connection is intercepted"
    description = (
        "Reads the certificate chain the server sends and explains every defect separately: "
        "expired or not yet valid (which certificate, since when), wrong address, missing names, "
        "self-signed, unknown or compromised root, missing intermediate, weak key or signature, "
        "revoked (CRL, OCSP, stapled OCSP), and TLS interception (trusted by this device but "
        "not publicly, with the inspection product named)."
    )
    requires = ("connectivity",)
    optional = ("clock",)
    timeout = 20.0
    findings = load_catalogue("certificate")

    async def run(self, ctx: CheckContext) -> Outcome:
        run = CertificateRun(self, ctx)
        if run.scheme != "https":
            run.details["skipped"] = "the address is not https"
            return run.outcome(
                f"{run.host} is not an https address, so it has no certificate to check.", Status.SKIP
            )
        return await run.conclude(_judge(run))


async def _judge(run: CertificateRun) -> Outcome:
    """Read the chain, reach the browser's verdict, explain it on every count, never contradict it."""
    read = await _read(run)
    if isinstance(read, Outcome):
        return read
    sent, stapled = read
    stores = chain.stores(run)
    anchors = browser_anchors(stores["mozilla"], [stores["operating_system"], stores["ca_file"]])
    fetcher = AiaFetcher(run)
    verdict = await chromium_verdict(sent, anchors, when=run.device_now, host=run.host, stapled=stapled,
                                     fetch=fetcher)
    chain.describe_chain(run, sent, verdict, fetcher.attempts)
    run.details["browser"] = {"models": "Chromium 156 (its builtin certificate verifier)", **verdict.describe()}
    everything = union("any", "every store", list(stores.values()))
    steps: list[tuple[str, Callable[[], object]]] = [
        ("dates", lambda: _dates(run, verdict)),
        ("names", lambda: _issues(run, names(verdict.path[0], run.host))),
        ("keys", lambda: _issues(run, keys(roles(verdict)))),
        ("signatures", lambda: _issues(run, signatures(roles(verdict)))),
        ("order", lambda: _issues(run, order(sent, verdict.path))),
        ("trust", lambda: judge_trust(run, verdict, fetcher.attempts)),
        ("constraints", lambda: constraint_findings(run, verdict)),
        ("malformed", lambda: malformed_findings(run, sent, verdict)),
        ("advice", lambda: _advice(run, verdict, everything)),
    ]
    for name, step in steps:
        _isolated(run, name, step)
    try:
        await judge_revocation(run, verdict, stapled)
    except Exception as exc:  # a revocation answer this check cannot read: say so, judge the rest
        _could_not(run, "revocation", exc)
    _isolated(run, "reconcile", lambda: reconcile(run, verdict))
    _isolated(run, "system", lambda: _system_tls(run))
    return _done(run, sent[0])


def _isolated(run: CertificateRun, name: str, step: Callable[[], object]) -> None:
    """Run one judge; if it cannot read what it looks at, that is a finding and the others still run."""
    try:
        step()
    except Exception as exc:
        _could_not(run, name, exc)


def _could_not(run: CertificateRun, name: str, exc: Exception) -> None:
    run.add("certificate.malformed", {
        "which": "certificate", "judge": name, "detail": f"{type(exc).__name__}: {str(exc)[:200]}"},
        severity=Severity.INFO, message=(
            "This check could not judge the {judge} of the certificate of {host} ({detail}); the other "
            "judgements stand."))


def _issues(run: CertificateRun, issues: list[Issue]) -> None:
    for issue in issues:
        run.add_issue(issue)


def _dates(run: CertificateRun, verdict: ChromiumVerdict) -> None:
    judge_dates(run, roles(verdict), local_root=verdict.anchor is not None and not verdict.anchor.known)


def _advice(run: CertificateRun, verdict: ChromiumVerdict, everything: Any) -> None:
    """What stricter rules say, once the browser accepts the chain."""
    if not verdict.ok:
        return
    pool = [c for c in verdict.path[1:] if c.source != "mozilla"]
    given = {f.evidence.get("rule_id") for f in run.findings if f.code == "certificate.advice"}
    for issue in [*lints(roles(verdict), run.host),
                  *strict_advice(verdict.path[0], pool, everything, run.device_now, run.host)]:
        rule_id = issue.evidence.get("rule_id")
        if rule_id not in given:
            given.add(rule_id)
            run.add_issue(issue)


async def _read(run: CertificateRun) -> tuple[list[Cert], bytes] | Outcome:
    """The certificates as sent (leaf first) and the stapled OCSP response; or the outcome that
    says why there are none."""
    proxy = run.ctx.net.proxy_for(run.ctx.target.url)
    if proxy:
        # The browser sees the chain the proxy shows it (a TLS-inspecting proxy's own).
        fetched = await chain.read_as_the_browser(run, proxy)
    else:
        at = await chain.address(run)
        if at is None:
            return run.undecided(f"{run.host} could not be resolved again to read its certificate.")
        fetched = await chain.read_chain(run, at)
    run.details["tls"] = fetched.as_evidence()
    if not fetched.ok or not fetched.certificates:
        reason = fetched.detail or fetched.error or "no certificate sent"
        return run.undecided(f"The certificate of {run.host} could not be read: {reason}.")
    sent = _parse_sent(run, fetched.certificates)
    if isinstance(sent, Outcome):
        return sent
    return sent, fetched.stapled_ocsp


def _parse_sent(run: CertificateRun, ders: tuple[bytes, ...] | list[bytes]) -> list[Cert] | Outcome:
    """The certificates as sent; one that cannot be parsed at all is a finding (the site's: a failure)."""
    sent = []
    for position, der in enumerate(ders):
        try:
            sent.append(Cert(load_der(der), "sent", position))
        except ValueError as exc:
            run.details.setdefault("parse_errors", []).append({"position": position, "error": str(exc)[:300]})
            which = "certificate" if position == 0 else "intermediate certificate"
            run.add("certificate.malformed", {"which": which, "position": position, "detail": str(exc)[:200]},
                    severity=None if position == 0 else Severity.INFO)
            if position == 0:
                return run.outcome(f"The server for {run.host} sent a certificate that cannot be read ({exc}).")
    return sent


def _system_tls(run: CertificateRun) -> None:
    """This system's TLS library refused what the browser accepts: say so, as advice."""
    if any(f.code not in ("certificate.expires_soon", "certificate.chain_misordered") for f in run.findings):
        return  # a finding already explains why strict clients refuse it
    previous = run.ctx.result("connectivity")
    refused = next((f for f in previous.findings if f.code == "connectivity.http_not_verified"), None) if previous else None
    if refused is not None:
        run.add("certificate.advice", {
            "rule_id": "system-tls", "rule": f"this system's TLS library refused it ({refused.evidence.get('detail', '')})",
            "source": "OpenSSL's default security level", "who_fails": "apps built on this system's TLS library "
            "(Python, curl) enforce"}, severity=Severity.LOW)


def _done(run: CertificateRun, leaf: Cert) -> Outcome:
    if not run.findings:
        return run.outcome(
            f"The certificate of {run.host} is valid and trusted: issued by {leaf.issuer}, "
            f"valid until {iso(leaf.not_after)[:10]}."
        )
    summary = run.by_severity()[0].message
    others = len(run.findings) - 1
    if others:
        summary += f" ({others} more finding{'s' if others > 1 else ''} below.)"
    return run.outcome(summary)

