"""Trust: compromised roots, TLS interception, and why this device does not trust the chain.

"Trusted here but not publicly" means interception or a private CA: the
product is named when its issuer is a known inspection product, and roots
whose private keys are public are called out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checks._certificate.describe import Cert
from checks._certificate.judges import which
from checks._certificate.paths import Walk
from checks._certificate.state import CertificateRun
from diagnose.model import Severity


@dataclass(frozen=True, slots=True)
class Paths:
    """The chain as built from every store, from this device's, and from the public (Mozilla) one."""

    leaf: Cert
    path: Sequence[Cert]
    walked: Walk
    device: Walk
    public: Walk

    @property
    def everything(self) -> list[Cert]:
        """The path and its anchor."""
        return list(self.path) + ([self.walked.anchor] if self.walked.anchor is not None else [])


def judge_trust(run: CertificateRun, paths: Paths, aia: list[dict[str, Any]]) -> None:
    """Known-bad roots, interception, and, when this device does not trust the chain, why."""
    bad_name = _known_bad_root(run, paths)
    if not bad_name:
        _interception(run, paths)
    if paths.device.anchored:
        if aia and any(c.source == "aia" for c in paths.device.path):
            add_incomplete(run, paths.device, aia, completed=True)
        return
    _why_untrusted(run, paths.leaf, paths.walked, aia)


def _known_bad_root(run: CertificateRun, paths: Paths) -> str | None:
    """A root whose private key is public (or an issuer named like one); returns its name."""
    from checks._certificate.interception import match_bad_issuer, match_bad_root

    bad = match_bad_root([c for c in paths.everything if c.is_ca or c is not paths.leaf])
    named = match_bad_issuer(paths.leaf) if bad is None else None
    name = bad.root.name if bad is not None else named.name if named is not None else None
    if not name:
        return None
    trusted_here = paths.device.anchored
    run.add("certificate.known_bad_root", {
        "root": name,
        "matched_by": bad.matched_by if bad else "issuer name",
        "subject": bad.certificate.subject if bad else paths.leaf.issuer,
        "trusted_on_this_device": trusted_here,
        "trusted_note": (
            " This root is trusted on this device: it was installed here, so any site can be faked."
            if trusted_here else ""
        ),
    })
    return name


def _interception(run: CertificateRun, paths: Paths) -> None:
    """Trusted by this device through a root installed on it, or issued by a known inspection product."""
    from checks._certificate.interception import match_product, whom_to_ask

    anchor = paths.device.anchor
    trusted_here, trusted_publicly = paths.device.anchored, paths.public.anchored
    product = match_product(paths.everything)
    installed = trusted_here and not trusted_publicly and anchor is not None and anchor.source == "operating_system"
    replaced = run.proxy_view is not None and run.proxy_view.replaced  # the proxy shows another certificate
    if not (installed or product is not None or replaced):
        return
    evidence: dict[str, Any] = {
        "issuer": paths.leaf.issuer,
        "trusted_on_this_device": trusted_here,
        "trusted_publicly": trusted_publicly,
    }
    if anchor is not None:
        evidence["anchor"] = {"subject": anchor.subject, "fingerprint_sha256": anchor.fingerprint, "store": anchor.source}
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
    run.add("certificate.intercepted", evidence)


def _why_untrusted(run: CertificateRun, leaf: Cert, walked: Walk, aia: list[dict[str, Any]]) -> None:
    """Not trusted by this device: say why, from where the path ends."""
    end = walked.end
    if end == "self_signed_leaf":
        run.add("certificate.self_signed", {**which(leaf, "leaf"), "issuer": leaf.issuer})
    elif end == "untrusted_root":
        run.add("certificate.untrusted_root", {
            **which(walked.top, "root"), "root": walked.top.subject,
            "note": ", and no public authority vouches for it",
        })
    elif end == "issuer_missing" and walked.top.is_ca and not aia:
        # An intermediate whose issuer nobody has: servers are not meant to send
        # roots, so this is a root this device does not know, not a gap in the chain.
        run.add("certificate.untrusted_root", {
            **which(walked.top, "intermediate"), "root": walked.missing_issuer,
            "note": " (the root itself was not sent, and no store here or public one holds it)",
        })
    elif end == "issuer_missing":
        add_incomplete(run, walked, aia, completed=False)
    elif end == "anchored" and walked.anchor is not None:
        # Publicly trusted, but this device lacks the root.
        run.add("certificate.untrusted_root", {
            **which(walked.anchor, "root"), "root": walked.anchor.subject,
            "note": " (it is a public root, but this device's trust store lacks it: update the operating system)",
        })


def add_incomplete(run: CertificateRun, walked: Walk, aia: list[dict[str, Any]], *, completed: bool) -> None:
    """The server did not send an intermediate (``completed``: the AIA download supplied it)."""
    from cryptography.x509.oid import AuthorityInformationAccessOID

    top = next((c for c in walked.path if c.source == "aia"), None) if completed else walked.top
    below = walked.path[walked.path.index(top) - 1] if completed and top is not None else walked.top
    urls = below.urls(AuthorityInformationAccessOID.CA_ISSUERS)
    missing = top.subject if completed and top is not None else walked.missing_issuer
    run.add("certificate.incomplete_chain", {
        "missing": missing,
        "missing_issuer": missing,
        "aia_url": urls[0] if urls else None,
        "aia_note": _aia_note(urls, completed),
        "aia_fetches": aia,
        "completed_by_aia": completed,
        "certificates_sent": len([c for c in walked.path if c.source == "sent"]),
    }, severity=Severity.MEDIUM if completed else None)


def _aia_note(urls: Sequence[str], completed: bool) -> str:
    if urls and completed:
        return (f" The certificate names where to download it ({urls[0]}); that copy completes the chain, "
                "so browsers that download it work, but other apps fail.")
    if urls:
        return f" The certificate names where to download it ({urls[0]}), but that did not complete the chain."
    return " The certificate does not say where to download it."
