"""Reading the chain: where to connect, the handshake that collects what the server sends,
missing issuers fetched from their AIA address, the stores, and the chain as the report shows it."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Sequence
from typing import Any

from checks._certificate.describe import Cert, iso, load_der
from checks._certificate.judges import role
from checks._certificate.paths import Verification, Walk, common_validity, verify, walk
from checks._certificate.state import CertificateRun, ProxyView
from checks._certificate.stores import TrustStore, ca_file_store, mozilla_store, os_store
from diagnose.facts import Reached
from diagnose.net import ChainFetch

AIA_LIMIT = 64 * 1024
MAX_AIA_FETCHES = 2

DIRECT_TIMEOUT = 4.0
"""Seconds the direct read gets when a proxy is in use (it is only compared, and networks with a
mandatory proxy drop direct connections silently)."""


async def address(run: CertificateRun) -> str | None:
    """The address connectivity reached (the browser's), else a fresh lookup."""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(run.host)
        return run.host
    reached = run.ctx.fact("connectivity", Reached)
    if reached is not None and reached.address:
        return reached.address
    async with run.step("resolve", f"the lookup of {run.host}", "the connectivity check reached no address"):
        lookup = await run.ctx.net.lookup(run.host, run.port)
    return str(lookup.addresses[0]) if lookup.ok else None


async def read_chain(run: CertificateRun, at: str) -> ChainFetch:
    """The chain ``at`` sends for the host (a handshake that verifies and sends nothing else)."""
    title = f"reading the certificate from {at} port {run.port}"
    async with run.step("read_chain", title, f"{run.host} resolved to {at}"):
        return await run.ctx.net.fetch_chain(at, run.port, run.host)


async def read_as_the_browser(run: CertificateRun, proxy: str) -> ChainFetch:
    """The chain as the browser sees it behind ``proxy``: read through its CONNECT tunnel.

    When the site can also be reached directly, that chain is read too and
    compared: a proxy that shows another certificate than the site's own is
    intercepting TLS (``run.proxy_view`` tells the trust judge).
    """
    label = run.ctx.redact.url(proxy)
    title = f"reading the certificate through the proxy {label}"
    async with run.step("read_chain", title, f"a proxy is configured for {run.host} ({label})"):
        proxied = await run.ctx.net.fetch_chain(run.host, run.port, run.host, proxy=proxy)
    direct = await _read_directly(run) if proxied.ok and proxied.certificates else None
    run.proxy_view = ProxyView.compare(label, proxied, direct)
    run.details["proxy"] = run.proxy_view.describe()
    return proxied


async def _read_directly(run: CertificateRun) -> ChainFetch | None:
    """The chain read without the proxy, if the site answers directly within a short time."""
    budget = run.budget(DIRECT_TIMEOUT)
    if budget.exhausted:
        return None
    async with run.step("read_chain_direct", f"reading the certificate of {run.host} without the proxy",
                        "the chain was read through the proxy"):
        lookup = await run.ctx.net.lookup(run.host, run.port)
        if not lookup.ok:
            return None
        return await run.ctx.net.fetch_chain(lookup.addresses[0], run.port, run.host, timeout=budget.seconds)


def stores(run: CertificateRun) -> dict[str, TrustStore]:
    """This device's store (or the lab's stand-in), Mozilla's public roots, and ``--ca-file``."""
    return {
        "operating_system": os_store(run.ctx.net.system_trust),
        "mozilla": mozilla_store(),
        "ca_file": ca_file_store(run.ctx.settings.ca_files),
    }


async def complete_chain(run: CertificateRun, walked: Walk, pool: list[Cert], everything: TrustStore
                         ) -> list[dict[str, Any]]:
    """Fetch missing issuers from the AIA caIssuers addresses, as some browsers do."""
    from cryptography.x509.oid import AuthorityInformationAccessOID

    from checks._certificate.fetch import http_get

    attempts: list[dict[str, Any]] = []
    current = walked
    for _ in range(MAX_AIA_FETCHES):
        urls = current.top.urls(AuthorityInformationAccessOID.CA_ISSUERS) if current.end == "issuer_missing" else []
        if not urls:
            break
        seen = f"the server did not send the issuer of {current.top.subject}"
        async with run.step("aia", f"downloading a missing intermediate certificate ({urls[0]})", seen):
            fetched = await http_get(run.ctx.net, urls[0], AIA_LIMIT)
        attempt: dict[str, Any] = {"for": current.top.subject, **fetched.describe()}
        attempts.append(attempt)
        found = certificates_in(fetched.data) if fetched.ok else []
        if fetched.ok and not found:
            attempt["error"] = "the address did not serve a certificate"
        if not found:
            break
        pool.extend(Cert(cert, "aia") for cert in found)
        attempt["certificates"] = [Cert(c).subject for c in found]
        current = walk(current.path[0], pool, everything)
    return attempts


def certificates_in(data: bytes) -> list[Any]:
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


def verifications(
    run: CertificateRun, leaf: Cert, pool: Sequence[Cert], stores: tuple[TrustStore, TrustStore],
    walked: Walk, strict: Verification,
) -> list[Verification]:
    """The strict verification, and the anchor question asked of each store (``stores``: this
    device's and Mozilla's) at a moment and for a name every certificate of the path is valid for."""
    from checks._certificate.names import match_host

    device, mozilla = stores
    out = [strict, verify(leaf, pool, mozilla, run.device_now, run.host)]
    certs = list(walked.path) + ([walked.anchor] if walked.anchor is not None else [])
    moment = common_validity(certs)
    name = run.host if match_host(leaf, run.host).matched else _any_name(leaf)
    if moment is not None and name and (moment != run.device_now or name != run.host):
        out.append(verify(leaf, pool, device, moment, name))
        out.append(verify(leaf, pool, mozilla, moment, name))
    return out


def _any_name(leaf: Cert) -> str:
    """A name the leaf is valid for, to ask the anchor question without the name getting in the way."""
    for name in leaf.dns_names:
        if not name.startswith("*."):
            return name
        return "x" + name[1:]
    return leaf.ip_names[0] if leaf.ip_names else ""


def describe_chain(run: CertificateRun, sent: Sequence[Cert], walked: Walk, aia: list[dict[str, Any]]) -> None:
    """The chain as sent, the path as built, and where it is anchored, for the report."""
    path = list(walked.path)
    on_path = {c.fingerprint: i for i, c in enumerate(path)}
    run.details["chain"] = [
        cert.describe(
            role(cert, on_path[cert.fingerprint], len(path)) if cert.fingerprint in on_path
            else "leaf" if cert.position == 0 else "unused"
        )
        for cert in sent
    ]
    run.details["path"] = [
        {"subject": c.subject, "fingerprint_sha256": c.fingerprint, "source": c.source, "role": role(c, i, len(path))}
        for i, c in enumerate(path)
    ]
    extra = [c for c in path if c.source == "aia"]
    if extra:
        run.details["fetched"] = [c.describe("intermediate") for c in extra]
    if walked.anchor is not None and walked.anchor.source != "sent":
        run.details["anchor"] = walked.anchor.describe("root") | {"store": walked.anchor.source}
    run.details["path_end"] = walked.end
    if aia:
        run.details["aia"] = aia
    if run.offset is not None:
        run.details["clock"] = {"offset_s": run.offset, "device_time": iso(run.device_now),
                                "true_time": iso(run.true_now)}
