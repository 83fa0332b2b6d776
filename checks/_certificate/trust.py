"""Trust: compromised roots, TLS interception, and why the browser finds no trusted path.

Everything here reads Chromium's verdict (:mod:`.chromium`): the path it
built, the anchor it reached (a public root or one trusted on this device)
and, when it found none, where and why the search ended.

"Trusted here but not publicly" means interception or a private CA: the
product is named when its issuer is a known inspection product, and roots
whose private keys are public are called out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptography.x509.oid import AuthorityInformationAccessOID

from checks._certificate.chromium import ChromiumVerdict
from checks._certificate.describe import Cert
from checks._certificate.judges import label, role_in, which
from checks._certificate.state import CertificateRun
from diagnose.facts import Intercepted
from diagnose.model import Severity


def judge_trust(run: CertificateRun, verdict: ChromiumVerdict, aia: list[dict[str, Any]]) -> None:
    """Known-bad roots, interception, a path completed over AIA, and, without a trusted path, why."""
    bad_name = _known_bad_root(run, verdict)
    if not bad_name:
        _interception(run, verdict)
    if _bad_signature(run, verdict):
        return
    if verdict.anchor is not None:
        if any(c.source == "aia" for c in verdict.path):
            add_incomplete(run, verdict, aia, completed=True)
        return
    _why_untrusted(run, verdict, aia)


def _known_bad_root(run: CertificateRun, verdict: ChromiumVerdict) -> str | None:
    """A root whose private key is public (or an issuer named like one); returns its name."""
    from checks._certificate.interception import match_bad_issuer, match_bad_root

    leaf = verdict.path[0]
    bad = match_bad_root([c for c in verdict.path if c.is_ca or c is not leaf])
    named = match_bad_issuer(leaf) if bad is None else None
    name = bad.root.name if bad is not None else named.name if named is not None else None
    if not name:
        return None
    trusted_here = verdict.anchor is not None and not verdict.anchor.known
    run.add("certificate.known_bad_root", {
        "root": name,
        "matched_by": bad.matched_by if bad else "issuer name",
        "subject": bad.certificate.subject if bad else leaf.issuer,
        "trusted_on_this_device": trusted_here,
        "trusted_note": (
            " This root is trusted on this device: it was installed here, so any site can be faked."
            if trusted_here else ""
        ),
    })
    return name


def _interception(run: CertificateRun, verdict: ChromiumVerdict) -> None:
    """Trusted through a root installed on this device, or issued by a known inspection product."""
    from checks._certificate.interception import match_product, whom_to_ask

    anchor = verdict.anchor
    product = match_product(verdict.path)
    installed = anchor is not None and not anchor.known and anchor.cert.source == "operating_system"
    replaced = run.proxy_view is not None and run.proxy_view.replaced  # the proxy shows another certificate
    if not (installed or product is not None or replaced):
        return
    evidence: dict[str, Any] = {
        "issuer": verdict.path[0].issuer,
        "trusted_on_this_device": anchor is not None and not anchor.known,
        "trusted_publicly": anchor is not None and anchor.known,
    }
    if anchor is not None:
        evidence["anchor"] = {"subject": anchor.cert.subject, "fingerprint_sha256": anchor.cert.fingerprint,
                              "store": anchor.cert.source}
    if run.proxy_view is not None:
        evidence.update(proxy=run.proxy_view.proxy, certificate_replaced_by_proxy=replaced)
    if product is None and run.proxy_view is not None:
        how = ("whose own root certificate is installed on this device" if installed
               else "which replaces the site's certificate with its own")
        evidence.update(product=f"the web proxy {run.proxy_view.proxy}, {how}", product_kind="corporate",
                        whom=whom_to_ask("corporate"))
    elif product is not None:
        evidence.update(product=product.product.name, product_kind=product.product.kind,
                        matched=product.certificate.subject, product_source=product.product.source,
                        whom=product.whom)
    else:
        evidence.update(
            product="a program or network device that installed its own root certificate on this "
                    "device (not a known product; it may also be your organisation's private "
                    "certificate authority)",
            product_kind="unknown", whom=whom_to_ask("unknown"),
        )
    official = _official(run)
    evidence["official_site"] = official
    # Other checks (the browser check: does Firefox trust the same root?) read this as a typed fact.
    run.hand_on(Intercepted(
        issuer=verdict.path[0].issuer, product=str(evidence["product"]),
        root=anchor.cert.subject if anchor is not None else None,
        root_store=anchor.cert.source if anchor is not None else None,
    ))
    # The vendor's public site never needs a private root, and a proxy that shows another certificate
    # than the site's own is reading the traffic: that is interception. Any other site may be an
    # internal one under the organisation's own authority: say so, without failing.
    if product is not None or official or replaced:
        run.add("certificate.intercepted", evidence)
        return
    run.add("certificate.intercepted", evidence, severity=Severity.MEDIUM, message=(
        "The certificate of {host} is trusted only because a root certificate installed on this device "
        "vouches for it ({issuer}); no public authority does. That is either your organisation's own "
        "certificate authority, normal for an internal site, or a program or device reading your traffic."))


def _official(run: CertificateRun) -> bool:
    """Whether the host is one of the profile's official (public) domains or under one."""
    domains = getattr(run.ctx.profile, "official_domains", ()) or ()
    return any(run.host == d or run.host.endswith("." + d) for d in domains)


def _why_untrusted(run: CertificateRun, verdict: ChromiumVerdict, aia: list[dict[str, Any]]) -> None:
    """No trusted path: say why, from where Chromium's best path ended."""
    path = verdict.path
    top = path[-1]
    if verdict.has("iteration_limit"):
        run.add("certificate.verification_failed", {
            "detail": "the browser gave up searching for a path to a trusted root (too many candidate "
                      "certificates)", "family": "authority", "verifier": "Chromium's path builder (model)"})
    elif not verdict.has("no_issuer"):
        return
    elif len(path) == 1 and top.self_issued and _self_signed(top):
        run.add("certificate.self_signed", {**which(top, "leaf"), "issuer": top.issuer})
    elif top.self_issued and _self_signed(top):
        run.add("certificate.untrusted_root", {
            **which(top, "root"), "root": top.subject, "note": ", and no public authority vouches for it",
        })
    elif top.is_ca and not top.urls(AuthorityInformationAccessOID.CA_ISSUERS):
        # An intermediate whose issuer nobody has: servers are not meant to send
        # roots, so this is a root this device does not know, not a gap in the chain.
        run.add("certificate.untrusted_root", {
            **which(top, "intermediate"), "root": top.issuer,
            "note": " (the root itself was not sent, and no store here or public one holds it)",
        })
    else:
        add_incomplete(run, verdict, aia, completed=False)


def _bad_signature(run: CertificateRun, verdict: ChromiumVerdict) -> bool:
    """A certificate whose signature its named issuer's key did not make (forged or damaged)."""
    bad = next((p for p in verdict.problems if p.code == "bad_signature"), None)
    if bad is None or bad.index + 1 >= len(verdict.path):
        return False
    cert, issuer = verdict.path[bad.index], verdict.path[bad.index + 1]
    cert_role = role_in(verdict, bad.index)
    run.add("certificate.bad_signature", {**which(cert, cert_role), "which": label(cert_role),
                                          "issuer": issuer.subject})
    return True


def _self_signed(cert: Cert) -> bool:
    from checks._certificate.algorithms import signature_algorithm, signature_valid

    raw = cert.reading.raw
    algorithm = signature_algorithm(raw.outer_algorithm) if raw is not None else None
    return algorithm is not None and signature_valid(cert.cert, cert.cert, algorithm)


def add_incomplete(run: CertificateRun, verdict: ChromiumVerdict, aia: list[dict[str, Any]], *,
                   completed: bool) -> None:
    """The server did not send an intermediate (``completed``: the AIA download supplied it)."""
    path = verdict.path
    fetched = next((i for i, c in enumerate(path) if c.source == "aia"), None) if completed else None
    below = path[fetched - 1] if fetched else path[-1]
    urls = below.urls(AuthorityInformationAccessOID.CA_ISSUERS)
    missing = path[fetched].subject if fetched else below.issuer
    run.add("certificate.incomplete_chain", {
        "missing": missing,
        "missing_issuer": missing,
        "aia_url": urls[0] if urls else None,
        "aia_note": _aia_note(urls, completed),
        "aia_fetches": aia,
        "completed_by_aia": completed,
        "certificates_sent": len([c for c in path if c.source == "sent"]),
        "browsers": ("Chrome, Edge and Safari download the missing certificate and work; Firefox does not "
                     "download it (it only knows intermediates it has seen before) and may refuse the site"
                     if completed else "every browser refuses it"),
    }, severity=Severity.MEDIUM if completed else None)


def _aia_note(urls: Sequence[str], completed: bool) -> str:
    if urls and completed:
        return (f" The certificate names where to download it ({urls[0]}); that copy completes the chain, "
                "so browsers that download it work, but other apps fail.")
    if urls:
        return f" The certificate names where to download it ({urls[0]}), but that did not complete the chain."
    return " The certificate does not say where to download it."
