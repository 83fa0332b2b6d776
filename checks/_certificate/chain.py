"""Reading the chain: where to connect, the handshake that collects what the server sends,
the stores, and the chain as the report shows it. (Missing issuers are fetched by
:mod:`~checks._certificate.aia` when the path builder asks for them.)"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Sequence
from typing import Any

from checks._certificate.chromium import ChromiumVerdict
from checks._certificate.describe import Cert, iso
from checks._certificate.judges import role_in
from checks._certificate.state import CertificateRun, ProxyView
from checks._certificate.stores import TrustStore, ca_file_store, mozilla_store, os_store
from diagnose.facts import Reached
from diagnose.net import ChainFetch

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


def describe_chain(run: CertificateRun, sent: Sequence[Cert], verdict: ChromiumVerdict,
                   aia: list[dict[str, Any]]) -> None:
    """The chain as sent, the path as built, and where it is anchored, for the report."""
    path = list(verdict.path)
    on_path = {c.fingerprint: i for i, c in enumerate(path)}
    run.details["chain"] = [
        cert.describe(
            role_in(verdict, on_path[cert.fingerprint]) if cert.fingerprint in on_path
            else "leaf" if cert.position == 0 else "unused"
        )
        for cert in sent
    ]
    anchored = verdict.anchor is not None
    run.details["path"] = [
        {"subject": c.subject, "fingerprint_sha256": c.fingerprint, "source": c.source, "role": role_in(verdict, i)}
        for i, c in enumerate(path[:-1] if anchored and path[-1].source != "sent" else path)
    ]
    extra = [c for c in path if c.source == "aia"]
    if extra:
        run.details["fetched"] = [c.describe("intermediate") for c in extra]
    if verdict.anchor is not None and verdict.anchor.cert.source != "sent":
        run.details["anchor"] = verdict.anchor.cert.describe("root") | {
            "store": verdict.anchor.cert.source, "public_root": verdict.anchor.known}
    run.details["path_end"] = "anchored" if anchored else next(
        (p.code for p in verdict.problems if p.code in ("no_issuer", "bad_signature", "iteration_limit")), "invalid")
    if aia:
        run.details["aia"] = aia
    if run.offset is not None:
        run.details["clock"] = {"offset_s": run.offset, "device_time": iso(run.device_now),
                                "true_time": iso(run.true_now)}
