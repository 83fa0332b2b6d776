"""The ``certificate`` check: is the HTTPS certificate valid, and if not, exactly why?

A browser says "Your connection is not private"; Python's ssl module says one
code about the first problem it met. Helpdesk staff need the whole story, so
this check:

1. **Collects the chain as sent** with one handshake that verifies nothing
   and sends nothing else (:meth:`diagnose.net.Net.fetch_chain`), plus any
   stapled OCSP response.
2. **Judges it with independent checks** (:mod:`checks._certificate.judges`):
   dates of every certificate, the host against the SAN (browser rules), key
   sizes (the leaf too), signature hashes, chain order. A certificate that is
   both expired and for the wrong host reports both.
3. **Builds the path** against three stores: this device's (the operating
   system's, what the browser uses), Mozilla's public roots (certifi) and
   ``--ca-file``; fetches a missing intermediate from its AIA address.
   Trusted here but not publicly means interception or a private CA: the
   product is named when its issuer is a known inspection product, and roots
   whose private keys are public are called out.
4. **Revocation**: the stapled OCSP response, then the OCSP responders and
   CRLs the certificates name (over the run's HTTP client, GET only).
5. **Clock**: the dates are judged by this device's clock during the run
   (what the browser does), and re-judged at the end of the run with the
   ``clock`` check's measured offset (:meth:`CertificateCheck.reconcile`; the
   two checks run side by side, so a blocked NTP never delays this one): when
   the certificate is valid by the correct time, the clock is the cause
   (Chrome's bad-clock interstitial), not the certificate. When nothing
   measured the clock and the certificate is out of date by days, the other
   official sites' certificates decide whether the clock is the likely cause.

No verdict comes from a verification with checks turned off: "trusted" is
only ever said by cryptography's verifier with every check on, at the
device's time, for the real host. If it refuses a chain that no judge
explains, that refusal itself is a finding (``certificate.verification_failed``),
so the check never passes a certificate the verifier rejects.

Reads from the ``connectivity`` result its :class:`~diagnose.facts.Reached`
fact (the address a browser would connect to), and, when reconciling, from the
``clock`` result (may be absent) its :class:`~diagnose.facts.ClockOffset`
fact and status. Nothing else of them is relied on.

The steps live in :mod:`checks._certificate`: :mod:`~checks._certificate.chain`
(reading and completing the chain), :mod:`~checks._certificate.dating`,
:mod:`~checks._certificate.trust`, :mod:`~checks._certificate.revoked`.
"""

from __future__ import annotations

from collections.abc import Mapping

from checks._certificate import chain
from checks._certificate.dating import call_witnesses, judge_dates, rejudge, valid_summary
from checks._certificate.describe import Cert, load_der
from checks._certificate.judges import keys, names, order, signatures
from checks._certificate.paths import Verification, verify, walk
from checks._certificate.revoked import judge_revocation
from checks._certificate.state import CertificateRun
from checks._certificate.stores import union
from checks._certificate.trust import Paths, judge_trust
from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.model import CheckResult, Status

__all__ = ["CertificateCheck"]


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
    reconciles_with = ("clock",)
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

    def reconcile(self, own: CheckResult, others: Mapping[str, CheckResult]) -> Outcome | None:
        """Re-judge the dates with the clock check's measured offset (blame the clock where it explains
        them), or, when nothing measured it, with the other official sites' certificates."""
        return rejudge(self, own, others.get("clock"))


async def _judge(run: CertificateRun) -> Outcome:
    """Read the chain, judge it independently on every count, and never pass what the verifier refuses."""
    read = await _read(run)
    if isinstance(read, Outcome):
        return read
    sent, stapled = read
    leaf = sent[0]
    stores = chain.stores(run)
    pool = list(sent[1:])
    everything = union("any", "any store", list(stores.values()))
    walked = walk(leaf, pool, everything)
    aia = await chain.complete_chain(run, walked, pool, everything)
    if aia:
        walked = walk(leaf, pool, everything)
    device = union("device", "this device (operating system and --ca-file)",
                   [stores["operating_system"], stores["ca_file"]])
    paths = Paths(leaf, list(walked.path), walked, walk(leaf, pool, device), walk(leaf, pool, stores["mozilla"]))
    chain.describe_chain(run, sent, walked, aia)
    strict = verify(leaf, pool, device, run.device_now, run.host)
    run.details["trust"] = {
        "stores": {name: store.describe() for name, store in stores.items()},
        "paths": {"this_device": paths.device.describe(), "mozilla": paths.public.describe()},
        "verifier": [v.describe() for v in chain.verifications(run, leaf, pool, (device, stores["mozilla"]),
                                                               walked, strict)],
    }
    _independent_judgements(run, sent, paths)
    await call_witnesses(run)
    judge_trust(run, paths, aia)
    await judge_revocation(run, paths.path, walked, stapled)
    _safety_net(run, strict)
    return _done(run, leaf)


async def _read(run: CertificateRun) -> tuple[list[Cert], bytes] | Outcome:
    """The certificates as sent (leaf first) and the stapled OCSP response; or the outcome that
    says why there are none."""
    at = await chain.address(run)
    if at is None:
        return run.undecided(f"{run.host} could not be resolved again to read its certificate.")
    if run.ctx.net.proxy_for(run.ctx.target.url):
        # Read directly: a proxy that inspects TLS would show its own chain to the browser,
        # and connectivity reports the proxy; tunnelling through it is not done yet.
        run.details["proxy_note"] = "a proxy is configured; the chain was read directly from the server"
    fetched = await chain.read_chain(run, at)
    run.details["tls"] = fetched.as_evidence()
    if not fetched.ok or not fetched.certificates:
        reason = fetched.detail or fetched.error or "no certificate sent"
        return run.undecided(f"The certificate of {run.host} could not be read: {reason}.")
    try:
        sent = [Cert(load_der(der), "sent", i) for i, der in enumerate(fetched.certificates)]
    except ValueError as exc:
        run.details["parse_error"] = str(exc)
        return run.undecided(f"The server for {run.host} sent a certificate that cannot be read ({exc}).")
    return sent, fetched.stapled_ocsp


def _independent_judgements(run: CertificateRun, sent: list[Cert], paths: Paths) -> None:
    """Dates, names, keys, signatures and order: each its own finding, none stops the others."""
    judge_dates(run, paths.path)
    anchor = [paths.walked.anchor] if paths.walked.anchor is not None and paths.walked.anchor is not paths.leaf else []
    for issue in (*names(paths.leaf, run.host), *keys([*paths.path, *anchor]), *signatures(paths.path),
                  *order(sent, [*paths.path, *anchor])):
        run.add_issue(issue)


def _safety_net(run: CertificateRun, strict: Verification) -> None:
    """Never pass a chain cryptography's verifier refuses at the device's time for the real host."""
    if run.failing():
        return
    if not strict.ok:
        run.add("certificate.verification_failed", {
            "detail": strict.error, "verifier": "cryptography (PolicyBuilder, web PKI rules)",
            "store": "this device", "time": strict.at,
        })
        return
    explained = [f for f in run.findings if f.code not in ("certificate.expires_soon", "certificate.chain_misordered")]
    previous = run.ctx.result("connectivity")
    if previous is None or explained:
        return
    refused = next((f for f in previous.findings if f.code == "connectivity.http_not_verified"), None)
    if refused is not None:
        run.add("certificate.verification_failed", {
            "detail": f"this system's TLS library refused it ({refused.evidence.get('detail', '')})",
            "verifier": "operating system (connectivity check)",
        })


def _done(run: CertificateRun, leaf: Cert) -> Outcome:
    if not run.findings:
        return run.outcome(valid_summary(run.host, leaf))
    summary = run.by_severity()[0].message
    others = len(run.findings) - 1
    if others:
        summary += f" ({others} more finding{'s' if others > 1 else ''} below.)"
    return run.outcome(summary)

