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
5. **Clock**: when the ``clock`` check measured this device's offset and the
   certificate is valid by the correct time, the clock is the cause (Chrome's
   bad-clock interstitial), not the certificate.

No verdict comes from a verification with checks turned off: "trusted" is
only ever said by cryptography's verifier with every check on, at the
device's time, for the real host. If it refuses a chain that no judge
explains, that refusal itself is a finding (``certificate.verification_failed``),
so the check never passes a certificate the verifier rejects.

Reads from the ``clock`` result (optional, may be absent): ``status`` and
``details["offset_s"]`` (float seconds, this device's clock minus the true
time). Nothing else of it is relied on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import math
from collections.abc import Sequence
from typing import Any

from checks._certificate.describe import Cert, iso, load_der
from checks._certificate.judges import Issue, dates, keys, label, names, order, role, signatures, which
from checks._certificate.paths import Verification, Walk, common_validity, verify, walk
from checks._certificate.stores import TrustStore, ca_file_store, mozilla_store, os_store, union
from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.model import Finding, Severity, Status

DEFAULT_EXPIRES_SOON_DAYS = 14
AIA_LIMIT = 64 * 1024
MAX_AIA_FETCHES = 2


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
        return await _Run(self, ctx).go()


class _Run:
    """State of one certificate run: the chain, the stores, the findings."""

    def __init__(self, check: CertificateCheck, ctx: CheckContext) -> None:
        import ada_url

        self.check = check
        self.ctx = ctx
        url = ada_url.URL(ctx.target.url)
        self.scheme = url.protocol.rstrip(":")
        self.host = ctx.target.host.strip("[]").rstrip(".").lower()
        self.port = int(url.port) if url.port else 443
        self.facts = {**ctx.profile.facts_for_messages(), "host": self.host}
        self.device_now = dt.datetime.fromtimestamp(ctx.clock.time(), dt.UTC)
        self.offset = clock_offset(ctx)
        self.true_now = (
            self.device_now - dt.timedelta(seconds=self.offset) if self.offset is not None else self.device_now
        )
        settings = ctx.profile.section("certificate")
        self.soon_days = int(settings.get("expires_soon_days", DEFAULT_EXPIRES_SOON_DAYS))
        self.findings: list[Finding] = []
        self.details: dict[str, Any] = {"host": self.host, "port": self.port}

    # -- helpers ----------------------------------------------------------------------

    def add(self, code: str, evidence: dict[str, Any], *, severity: str | None = None) -> None:
        evidence = {"host": self.host, **evidence}
        self.findings.append(self.check.finding(
            code, evidence=evidence, facts=self.facts, severity=Severity(severity) if severity else None,
        ))

    def add_issue(self, issue: Issue) -> None:
        self.add(issue.code, issue.evidence, severity=issue.severity)

    def has(self, *codes: str) -> bool:
        return any(f.code in codes for f in self.findings)

    def undecided(self, summary: str) -> Outcome:
        """The check could not judge the certificate: never a pass."""
        return self.check.outcome(summary, self.findings, self.details, status=Status.ERROR)

    # -- the run ----------------------------------------------------------------------

    async def go(self) -> Outcome:
        if self.scheme != "https":
            self.details["skipped"] = "the address is not https"
            return self.check.outcome(
                f"{self.host} is not an https address, so it has no certificate to check.",
                details=self.details, status=Status.SKIP,
            )
        address = await self.address()
        if address is None:
            return self.undecided(f"{self.host} could not be resolved again to read its certificate.")
        if self.ctx.net.proxy_for(self.ctx.target.url):
            # Read directly: a proxy that inspects TLS would show its own chain to the browser,
            # and connectivity reports the proxy; tunnelling through it is not done yet.
            self.details["proxy_note"] = "a proxy is configured; the chain was read directly from the server"
        fetched = await self.ctx.net.fetch_chain(address, self.port, self.host)
        self.details["tls"] = fetched.as_evidence()
        if not fetched.ok or not fetched.certificates:
            return self.undecided(
                f"The certificate of {self.host} could not be read: {fetched.detail or fetched.error or 'no certificate sent'}."
            )
        try:
            sent = [Cert(load_der(der), "sent", i) for i, der in enumerate(fetched.certificates)]
        except ValueError as exc:
            self.details["parse_error"] = str(exc)
            return self.undecided(f"The server for {self.host} sent a certificate that cannot be read ({exc}).")
        leaf = sent[0]

        stores = self.stores()
        pool = list(sent[1:])
        everything = union("any", "any store", list(stores.values()))
        walked = walk(leaf, pool, everything)
        aia = await self.complete_chain(walked, pool, everything)
        if aia:
            walked = walk(leaf, pool, everything)
        device = union("device", "this device (operating system and --ca-file)",
                       [stores["operating_system"], stores["ca_file"]])
        device_walk = walk(leaf, pool, device)
        public_walk = walk(leaf, pool, stores["mozilla"])

        path = list(walked.path)
        self.describe_chain(sent, path, walked, aia)
        strict = verify(leaf, pool, device, self.device_now, self.host)
        verifications = self.verifications(leaf, pool, device, stores["mozilla"], path, walked, strict)
        self.details["trust"] = {
            "stores": {name: store.describe() for name, store in stores.items()},
            "paths": {
                "this_device": device_walk.describe(),
                "mozilla": public_walk.describe(),
            },
            "verifier": [v.describe() for v in verifications],
        }

        # Independent judgements.
        self.judge_dates(path)
        for issue in names(leaf, self.host):
            self.add_issue(issue)
        anchor = [walked.anchor] if walked.anchor is not None and walked.anchor is not leaf else []
        for issue in keys(path + anchor):
            self.add_issue(issue)
        for issue in signatures(path):
            self.add_issue(issue)
        for issue in order(sent, path + anchor):
            self.add_issue(issue)
        self.judge_trust(leaf, path, walked, device_walk, public_walk, aia)
        await self.judge_revocation(path, walked, fetched.stapled_ocsp)
        self.safety_net(strict)
        return self.done(leaf, device_walk)

    async def address(self) -> str | None:
        """The address connectivity reached (the browser's), else a fresh lookup."""
        try:
            ipaddress.ip_address(self.host)
            return self.host
        except ValueError:
            pass
        previous = self.ctx.result("connectivity")
        tcp = previous.details.get("tcp") if previous is not None else None
        if isinstance(tcp, dict):
            for probes in tcp.values():
                for probe in probes if isinstance(probes, list) else []:
                    if isinstance(probe, dict) and probe.get("ok") and probe.get("address"):
                        return str(probe["address"])
        lookup = await self.ctx.net.resolver_for(self.host, self.port).lookup(self.host)
        return str(lookup.addresses[0]) if lookup.ok else None

    def stores(self) -> dict[str, TrustStore]:
        net = self.ctx.net
        return {
            "operating_system": os_store(getattr(net, "system_trust", None)),
            "mozilla": mozilla_store(),
            "ca_file": ca_file_store(self.ctx.settings.ca_files),
        }

    async def complete_chain(self, walked: Walk, pool: list[Cert], everything: TrustStore) -> list[dict[str, Any]]:
        """Fetch missing issuers from the AIA caIssuers addresses, as some browsers do."""
        from cryptography.x509.oid import AuthorityInformationAccessOID

        from checks._certificate.fetch import http_get

        attempts: list[dict[str, Any]] = []
        current = walked
        for _ in range(MAX_AIA_FETCHES):
            if current.end != "issuer_missing":
                break
            urls = current.top.urls(AuthorityInformationAccessOID.CA_ISSUERS)
            if not urls:
                break
            fetched = await http_get(self.ctx.net, urls[0], AIA_LIMIT)
            attempt: dict[str, Any] = {"for": current.top.subject, **fetched.describe()}
            attempts.append(attempt)
            if not fetched.ok:
                break
            found = _certificates_in(fetched.data)
            if not found:
                attempt["error"] = "the address did not serve a certificate"
                break
            for cert in found:
                pool.append(Cert(cert, "aia"))
            attempt["certificates"] = [Cert(c).subject for c in found]
            leaf = current.path[0]
            current = walk(leaf, pool, everything)
        return attempts

    def verifications(
        self, leaf: Cert, pool: Sequence[Cert], device: TrustStore, mozilla: TrustStore,
        path: Sequence[Cert], walked: Walk, strict: Verification,
    ) -> list[Verification]:
        """The strict verification, and the anchor question asked of each store."""
        public = verify(leaf, pool, mozilla, self.device_now, self.host)
        out = [strict, public]
        certs = list(path) + ([walked.anchor] if walked.anchor is not None else [])
        moment = common_validity(certs)
        name = self.host if not self.has_name_problem(leaf) else _any_name(leaf)
        if moment is not None and name and (moment != self.device_now or name != self.host):
            out.append(verify(leaf, pool, device, moment, name))
            out.append(verify(leaf, pool, mozilla, moment, name))
        return out

    def has_name_problem(self, leaf: Cert) -> bool:
        from checks._certificate.names import match_host

        return not match_host(leaf, self.host).matched

    # -- dates and the clock ----------------------------------------------------------

    def judge_dates(self, path: Sequence[Cert]) -> None:
        """Dates by this device's clock, unless the clock check knows better."""
        issues = dates(path, self.device_now, self.soon_days)
        if self.offset is None:
            for issue in issues:
                self.add_issue(issue)
            return
        truth = {(i.code, i.evidence["fingerprint_sha256"]) for i in dates(path, self.true_now, self.soon_days)}
        explained = []
        for issue in issues:
            if issue.code in ("certificate.expired", "certificate.not_yet_valid") and (
                (issue.code, issue.evidence["fingerprint_sha256"]) not in truth
            ):
                explained.append(issue)
            elif issue.code == "certificate.expires_soon" and (issue.code, issue.evidence["fingerprint_sha256"]) not in truth:
                continue
            else:
                self.add_issue(Issue(issue.code, {**issue.evidence, "clock_offset_s": self.offset}, issue.severity))
        for issue in dates(path, self.true_now, self.soon_days):
            if issue.code == "certificate.expires_soon" and not any(
                i.code == issue.code and i.evidence["fingerprint_sha256"] == issue.evidence["fingerprint_sha256"]
                for i in issues
            ):
                self.add_issue(issue)
        if explained:
            first = explained[0].evidence
            self.add("certificate.clock_skew", {
                "looks": "expired" if explained[0].code == "certificate.expired" else "not yet valid",
                "offset": _plain_offset(self.offset),
                "clock_offset_s": self.offset,
                "device_time": iso(self.device_now),
                "true_time": iso(self.true_now),
                "valid_from": first["not_before"][:10],
                "valid_until": first["not_after"][:10],
                "certificates": [
                    {k: i.evidence[k] for k in ("certificate", "subject", "not_before", "not_after")}
                    for i in explained
                ],
            })

    # -- trust ------------------------------------------------------------------------

    def judge_trust(
        self, leaf: Cert, path: Sequence[Cert], walked: Walk, device_walk: Walk, public_walk: Walk,
        aia: list[dict[str, Any]],
    ) -> None:
        from checks._certificate.interception import match_bad_issuer, match_bad_root, match_product

        anchor = device_walk.anchor
        trusted_here = device_walk.anchored
        trusted_publicly = public_walk.anchored
        everything = list(path) + ([walked.anchor] if walked.anchor is not None else [])

        bad = match_bad_root([c for c in everything if c.is_ca or c is not leaf])
        bad_name = bad.root.name if bad else None
        if bad is None:
            named = match_bad_issuer(leaf)
            bad_name = named.name if named else None
        if bad_name:
            self.add("certificate.known_bad_root", {
                "root": bad_name,
                "matched_by": bad.matched_by if bad else "issuer name",
                "subject": bad.certificate.subject if bad else leaf.issuer,
                "trusted_on_this_device": trusted_here,
                "trusted_note": (
                    " This root is trusted on this device: it was installed here, so any site can be faked."
                    if trusted_here else ""
                ),
            })

        product = match_product(everything)
        locally_installed = trusted_here and not trusted_publicly and anchor is not None and (
            anchor.source == "operating_system"
        )
        if not bad_name and (locally_installed or product is not None):
            evidence: dict[str, Any] = {
                "issuer": leaf.issuer,
                "trusted_on_this_device": trusted_here,
                "trusted_publicly": trusted_publicly,
            }
            if anchor is not None:
                evidence["anchor"] = {"subject": anchor.subject, "fingerprint_sha256": anchor.fingerprint,
                                      "store": anchor.source}
            if product is not None:
                evidence.update(product=product.product.name, product_kind=product.product.kind,
                                matched=product.certificate.subject, product_source=product.product.source,
                                whom=product.whom)
            else:
                from checks._certificate.interception import whom_to_ask

                evidence.update(
                    product="a program or network device that installed its own root certificate on this "
                            "device (not a known product; it may also be your organisation's private "
                            "certificate authority)",
                    product_kind="unknown", whom=whom_to_ask("unknown"),
                )
            self.add("certificate.intercepted", evidence)

        if trusted_here:
            if aia and any(c.source == "aia" for c in device_walk.path):
                self.add_incomplete(device_walk, aia, completed=True)
            return

        # Not trusted by this device: say why, from where the path ends.
        end = walked.end
        if end == "self_signed_leaf":
            self.add("certificate.self_signed", {**which(leaf, "leaf"), "issuer": leaf.issuer})
        elif end == "untrusted_root":
            top = walked.top
            self.add("certificate.untrusted_root", {
                **which(top, "root"), "root": top.subject, "note": ", and no public authority vouches for it",
            })
        elif end == "issuer_missing" and walked.top.is_ca and not aia:
            # An intermediate whose issuer nobody has: servers are not meant to send
            # roots, so this is a root this device does not know, not a gap in the chain.
            self.add("certificate.untrusted_root", {
                **which(walked.top, "intermediate"), "root": walked.missing_issuer,
                "note": " (the root itself was not sent, and no store here or public one holds it)",
            })
        elif end == "issuer_missing":
            self.add_incomplete(walked, aia, completed=False)
        elif end == "anchored" and walked.anchor is not None:
            # Publicly trusted, but this device lacks the root.
            self.add("certificate.untrusted_root", {
                **which(walked.anchor, "root"), "root": walked.anchor.subject,
                "note": " (it is a public root, but this device's trust store lacks it: update the operating system)",
            })

    def add_incomplete(self, walked: Walk, aia: list[dict[str, Any]], *, completed: bool) -> None:
        from cryptography.x509.oid import AuthorityInformationAccessOID

        top = next((c for c in walked.path if c.source == "aia"), None) if completed else walked.top
        below = walked.path[walked.path.index(top) - 1] if completed and top is not None else walked.top
        urls = below.urls(AuthorityInformationAccessOID.CA_ISSUERS)
        missing = top.subject if completed and top is not None else walked.missing_issuer
        if urls and completed:
            note = (f" The certificate names where to download it ({urls[0]}); that copy completes the chain, "
                    "so browsers that download it work, but other apps fail.")
        elif urls:
            note = f" The certificate names where to download it ({urls[0]}), but that did not complete the chain."
        else:
            note = " The certificate does not say where to download it."
        self.add("certificate.incomplete_chain", {
            "missing": missing,
            "missing_issuer": missing,
            "aia_url": urls[0] if urls else None,
            "aia_note": note,
            "aia_fetches": aia,
            "completed_by_aia": completed,
            "certificates_sent": len([c for c in walked.path if c.source == "sent"]),
        }, severity="medium" if completed else None)

    # -- revocation -------------------------------------------------------------------

    async def judge_revocation(self, path: Sequence[Cert], walked: Walk, stapled: bytes) -> None:
        from checks._certificate.revocation import Revocation, check_crl, check_ocsp, judge_ocsp

        pairs: list[tuple[Cert, Cert]] = []
        for index, cert in enumerate(path):
            if role(cert, index, len(path)) == "root":
                continue
            issuer = path[index + 1] if index + 1 < len(path) else walked.anchor
            if issuer is not None and issuer is not cert:
                pairs.append((cert, issuer))
        results: list[Revocation] = []
        if stapled and pairs:
            results.append(judge_ocsp("stapled_ocsp", stapled, pairs[0][0], pairs[0][1], self.true_now))
        tasks = [check_ocsp(self.ctx.net, c, i, self.true_now) for c, i in pairs]
        tasks += [check_crl(self.ctx.net, c, i, self.true_now) for c, i in pairs]
        for batch in await asyncio.gather(*tasks):
            results.extend(batch)
        self.details["revocation"] = {
            "stapled_ocsp": bool(stapled),
            "checked": [r.describe() for r in results],
        }
        reported: set[str] = set()
        labels = {"stapled_ocsp": "the OCSP response the server stapled", "ocsp": "the OCSP responder",
                  "crl": "the certificate revocation list"}
        for result in results:
            if result.status != "revoked" or result.certificate.fingerprint in reported:
                continue
            reported.add(result.certificate.fingerprint)
            index = path.index(result.certificate)
            cert_role = role(result.certificate, index, len(path))
            self.add("certificate.revoked", {
                **which(result.certificate, cert_role),
                "which": label(cert_role),
                "source": result.source,
                "source_label": labels[result.source] + (f" at {result.url}" if result.url else ""),
                "url": result.url or None,
                "revoked_at": result.revoked_at[:10] if result.revoked_at else "an unknown date",
                "revocation_time": result.revoked_at or None,
                "reason": result.reason or None,
                "reason_note": f" (reason: {result.reason.replace('_', ' ')})" if result.reason else "",
                "also_reported_by": [r.source for r in results
                                     if r.status == "revoked" and r.certificate is result.certificate],
            })

    # -- the verdict ------------------------------------------------------------------

    def safety_net(self, strict: Verification) -> None:
        """Never pass a chain cryptography's verifier refuses at the device's time for the real host."""
        decisive = any(f.severity in (Severity.CRITICAL, Severity.HIGH) for f in self.findings)
        if decisive:
            return
        if not strict.ok:
            self.add("certificate.verification_failed", {
                "detail": strict.error, "verifier": "cryptography (PolicyBuilder, web PKI rules)",
                "store": "this device", "time": strict.at,
            })
            return
        explained = [f for f in self.findings if f.code not in ("certificate.expires_soon", "certificate.chain_misordered")]
        previous = self.ctx.result("connectivity")
        if previous is not None and not explained:
            refused = next((f for f in previous.findings if f.code == "connectivity.http_not_verified"), None)
            if refused is not None:
                self.add("certificate.verification_failed", {
                    "detail": f"this system's TLS library refused it ({refused.evidence.get('detail', '')})",
                    "verifier": "operating system (connectivity check)",
                })

    def describe_chain(self, sent: Sequence[Cert], path: Sequence[Cert], walked: Walk,
                       aia: list[dict[str, Any]]) -> None:
        on_path = {c.fingerprint: i for i, c in enumerate(path)}
        chain = []
        for cert in sent:
            index = on_path.get(cert.fingerprint)
            cert_role = role(cert, index, len(path)) if index is not None else (
                "leaf" if cert.position == 0 else "unused")
            chain.append(cert.describe(cert_role))
        self.details["chain"] = chain
        self.details["path"] = [
            {"subject": c.subject, "fingerprint_sha256": c.fingerprint, "source": c.source,
             "role": role(c, i, len(path))}
            for i, c in enumerate(path)
        ]
        extra = [c for c in path if c.source == "aia"]
        if extra:
            self.details["fetched"] = [c.describe("intermediate") for c in extra]
        if walked.anchor is not None and walked.anchor.source != "sent":
            self.details["anchor"] = walked.anchor.describe("root") | {"store": walked.anchor.source}
        self.details["path_end"] = walked.end
        if aia:
            self.details["aia"] = aia
        if self.offset is not None:
            self.details["clock"] = {"offset_s": self.offset, "device_time": iso(self.device_now),
                                     "true_time": iso(self.true_now)}

    def done(self, leaf: Cert, device_walk: Walk) -> Outcome:
        if not self.findings:
            issuer = leaf.issuer
            return self.check.outcome(
                f"The certificate of {self.host} is valid and trusted: issued by {issuer}, "
                f"valid until {iso(leaf.not_after)[:10]}.",
                self.findings, self.details,
            )
        worst = sorted(self.findings, key=lambda f: f.severity.rank)
        summary = worst[0].message
        others = len(self.findings) - 1
        if others:
            summary += f" ({others} more finding{'s' if others > 1 else ''} below.)"
        return self.check.outcome(summary, self.findings, self.details)


def clock_offset(ctx: CheckContext) -> float | None:
    """This device's clock minus the true time, in seconds, from the ``clock`` check if it measured it.

    Relies only on the clock result's ``details["offset_s"]`` (a finite number)
    and on its status not being skip/error; anything else means "unknown".
    """
    result = ctx.result("clock")
    if result is None or result.status in (Status.SKIP, Status.ERROR):
        return None
    value = result.details.get("offset_s")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _plain_offset(seconds: float) -> str:
    direction = "ahead" if seconds > 0 else "behind"
    span = abs(seconds)
    if span >= 2 * 86400:
        amount = f"{span / 86400:.0f} days"
    elif span >= 2 * 3600:
        amount = f"{span / 3600:.0f} hours"
    elif span >= 120:
        amount = f"{span / 60:.0f} minutes"
    else:
        amount = f"{span:.0f} seconds"
    return f"{amount} ({direction})"


def _any_name(leaf: Cert) -> str:
    """A name the leaf is valid for, to ask the anchor question without the name getting in the way."""
    for name in leaf.dns_names:
        if not name.startswith("*."):
            return name
        return "x" + name[1:]
    return leaf.ip_names[0] if leaf.ip_names else ""


def _certificates_in(data: bytes) -> list[Any]:
    """Certificates in an AIA answer: DER, PEM, or a PKCS#7 bundle (.p7c)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import pkcs7

    with contextlib.suppress(ValueError):
        return [load_der(data)]
    for loader in (x509.load_pem_x509_certificates, pkcs7.load_der_pkcs7_certificates,
                   pkcs7.load_pem_pkcs7_certificates):
        with contextlib.suppress(ValueError):
            found = list(loader(data))
            if found:
                return found
    return []
