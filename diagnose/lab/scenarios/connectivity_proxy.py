"""Connectivity scenarios with an explicit web proxy: one that wants a sign-in, one that is down,
a plain CONNECT tunnel, and a TLS-inspecting proxy (:class:`~diagnose.lab.proxy.LabProxy`) with
its CA installed on the device, as corporate gateways (Zscaler, Blue Coat, Forcepoint) run.

The proxy is set the way ``HTTPS_PROXY`` sets it (the run's ``proxy_env``). It
only ever connects to the lab's loopback servers: its routes name them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from diagnose.lab.pki import CertificateAuthority
from diagnose.lab.proxy import LabProxy, loopback_routes
from diagnose.lab.scenario import Lab, LabRun, scenario
from diagnose.lab.scenarios.connectivity import CONNECTIVITY, FAIL, HOST, signin_site, signin_url, zone
from diagnose.lab.servers import LabRequest, LabResponse, closed_port
from diagnose.model import Status
from diagnose.net import Net

WITH_CERTIFICATE = ("connectivity", "certificate")

INSPECTION_CA = "login-doctor Lab Inspection Proxy CA"


def with_proxy(net: Net, proxy_url: str) -> Net:
    """The lab's network with ``proxy_url`` as the https proxy (as ``HTTPS_PROXY`` would set it)."""
    return replace(net, proxy_env={"https": proxy_url})


def device_store(lab: Lab, ca: CertificateAuthority) -> Path:
    """A PEM file standing in for the device's trust store: the OS bundle plus ``ca`` (installed by IT)."""
    import ssl

    path = lab.dir / "device-store-with-inspection-ca.pem"
    system = ssl.get_default_verify_paths().cafile
    base = Path(system).read_bytes() if system and Path(system).is_file() else b""
    path.write_bytes(base + ca.certificate.public_bytes(serialization.Encoding.PEM))
    return path


@scenario(
    "http-proxy-auth-required",
    "Web traffic goes through a proxy that demands a sign-in (407 to CONNECT); the site behind it is fine.",
    expect=FAIL,
    codes=["connectivity.http_proxy_auth_required", "connectivity.proxy_in_use"],
    area="connectivity",
)
async def http_proxy_auth_required(lab: Lab) -> AsyncIterator[LabRun]:
    def proxy(request: LabRequest) -> LabResponse:
        # Never connects onwards: every request, CONNECT or not, gets the 407.
        return LabResponse(
            407, [("Proxy-Authenticate", 'Basic realm="lab proxy"')], b"Proxy authentication required"
        )

    site = await signin_site(lab)
    proxy_server = await lab.http(proxy)
    dns = await lab.dns(zone(["127.0.0.1"]))
    run = lab.run(signin_url(site.port), dns=dns, only=CONNECTIVITY)
    run.net = with_proxy(run.net, proxy_server.url("/"))
    run.observed["proxy_requests"] = proxy_server.requests
    run.observed["site_requests"] = site.requests
    yield run


@scenario(
    "proxy-unreachable",
    "The configured web proxy is down (its port refuses connections); the site itself is fine.",
    expect=FAIL,
    codes=["connectivity.proxy_unreachable", "connectivity.proxy_in_use"],
    area="connectivity",
)
async def proxy_unreachable(lab: Lab) -> AsyncIterator[LabRun]:
    site = await signin_site(lab)
    dns = await lab.dns(zone(["127.0.0.1"]))
    run = lab.run(signin_url(site.port), dns=dns, only=CONNECTIVITY)
    run.net = with_proxy(run.net, f"http://127.0.0.1:{closed_port()}")
    run.observed["site_requests"] = site.requests
    yield run


@scenario(
    "proxy-tunnel",
    "Web traffic goes through a proxy that tunnels TLS untouched (CONNECT): the certificate read through "
    "it is the site's own.",
    expect={"connectivity": Status.PASS, "certificate": Status.PASS},
    codes=["connectivity.proxy_in_use"],
    area="connectivity",
)
async def proxy_tunnel(lab: Lab) -> AsyncIterator[LabRun]:
    site = await signin_site(lab)
    proxy: LabProxy = await lab.enter(LabProxy(loopback_routes([HOST])))
    dns = await lab.dns(zone(["127.0.0.1"]))
    run = lab.run(signin_url(site.port), dns=dns, only=WITH_CERTIFICATE)
    run.net = with_proxy(run.net, proxy.url)
    run.observed.update(proxy_requests=proxy.requests, site_requests=site.requests)
    yield run


async def _inspecting(lab: Lab, *, installed: bool) -> LabRun:
    site = await signin_site(lab)
    ca = CertificateAuthority.create(INSPECTION_CA, organization="login-doctor lab web gateway")
    proxy: LabProxy = await lab.enter(LabProxy(loopback_routes([HOST]), ca=ca, intercept=True))
    dns = await lab.dns(zone(["127.0.0.1"]))
    run = lab.run(signin_url(site.port), dns=dns, only=WITH_CERTIFICATE)
    run.net = with_proxy(run.net, proxy.url)
    if installed:
        run.net.system_trust = (device_store(lab, ca),)
    run.observed.update(proxy_requests=proxy.requests, site_requests=site.requests,
                        inspection_ca=ca.write_pem(lab.dir / "inspection-ca.pem"))
    return run


@scenario(
    "proxy-tls-inspection",
    "A corporate web gateway: the explicit proxy intercepts TLS with its own CA, which IT installed on the "
    "device. The browser signs in; the chain read through the proxy is the gateway's, not the site's.",
    expect={"connectivity": Status.PASS, "certificate": Status.FAIL},
    codes=["certificate.intercepted", "connectivity.proxy_in_use"],
    area="connectivity",
)
async def proxy_tls_inspection(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _inspecting(lab, installed=True)


@scenario(
    "proxy-tls-inspection-untrusted",
    "The explicit proxy intercepts TLS with a CA this device does not trust (not installed): the browser "
    "refuses the certificate; the chain through the proxy differs from the site's own.",
    expect={"connectivity": Status.PASS, "certificate": Status.FAIL},
    codes=["certificate.intercepted", "connectivity.proxy_in_use"],
    area="connectivity",
)
async def proxy_tls_inspection_untrusted(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _inspecting(lab, installed=False)


@scenario(
    "proxy-auto-config",
    "The device picks its proxy with a PAC script (auto_proxy): login-doctor detects it and says which path "
    "it tested instead (the script is not run).",
    expect={"connectivity": Status.WARN},
    codes=["connectivity.proxy_auto_config"],
    area="connectivity",
)
async def proxy_auto_config(lab: Lab) -> AsyncIterator[LabRun]:
    site = await signin_site(lab)
    dns = await lab.dns(zone(["127.0.0.1"]))
    run = lab.run(signin_url(site.port), dns=dns, only=CONNECTIVITY)
    run.net = replace(run.net, proxy_env={"auto": "http://wpad.atera-lab.test/proxy.pac"})
    yield run
