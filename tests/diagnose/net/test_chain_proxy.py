"""Reading the chain through a proxy's CONNECT tunnel, and measuring an oversized Certificate message."""

from __future__ import annotations

import ssl

from diagnose.lab.pki import CertificateAuthority
from diagnose.lab.proxy import LabProxy, loopback_routes
from diagnose.lab.scenario import signin_app
from diagnose.lab.scenarios.connectivity_tls import filler_certificates
from diagnose.lab.servers import LabServer, closed_port, server_context
from diagnose.net import Net, chromium
from diagnose.net.flight import measure_certificate_message
from diagnose.net.tls import fetch_chain, handshake_context, tls_handshake

HOST = "app.atera-lab.test"


async def test_the_chain_through_a_tunnel_is_the_sites_and_through_an_inspecting_proxy_the_proxys() -> None:
    root = CertificateAuthority.create("site root")
    gateway = CertificateAuthority.create("gateway root")
    issued = root.issue([HOST])
    async with LabServer(signin_app(), tls=server_context(issued)) as site, \
            LabProxy(loopback_routes([HOST])) as tunnel, \
            LabProxy(loopback_routes([HOST]), ca=gateway, intercept=True) as inspecting:
        net = Net(proxy_env={})
        direct = await net.fetch_chain("127.0.0.1", site.port, HOST)
        tunnelled = await net.fetch_chain("ignored", site.port, HOST, proxy=tunnel.url)
        inspected = await net.fetch_chain("ignored", site.port, HOST, proxy=inspecting.url)
        tunnel_url, site_port = tunnel.url, site.port
    assert direct.ok and tunnelled.ok and inspected.ok
    assert tunnelled.certificates[0] == direct.certificates[0] and tunnelled.proxy == tunnel_url
    assert inspected.certificates[0] != direct.certificates[0]
    assert [r.method for r in tunnel.requests] == ["CONNECT"]
    assert tunnel.requests[0].target == f"{HOST}:{site_port}"


async def test_a_proxy_that_refuses_or_is_down_is_named() -> None:
    async with LabProxy({}, require_auth=True) as asks, LabProxy({}) as no_route:
        net = Net(proxy_env={})
        auth = await net.fetch_chain("x", 443, HOST, proxy=asks.url)
        gateway = await net.fetch_chain("x", 443, HOST, proxy=no_route.url)
        assert [r.answered for r in asks.requests + no_route.requests] == [407, 502]
    down = await Net(proxy_env={}).fetch_chain("x", 443, HOST, proxy=f"http://127.0.0.1:{closed_port()}")
    assert (auth.error, gateway.error, down.error) == ("proxy_auth", "proxy", "proxy")
    assert "407" in auth.detail and "502" in gateway.detail and "cannot be reached" in down.detail
    socks = await Net(proxy_env={}).fetch_chain("x", 443, HOST, proxy="socks5://127.0.0.1:1080")
    assert socks.error == "proxy" and "not an http:// proxy" in socks.detail


async def test_an_oversized_chain_is_measured_over_tls_12_and_estimated_over_tls_13() -> None:
    root = CertificateAuthority.create("site root")
    issued = root.issue([HOST])
    fillers = filler_certificates(600)
    both = server_context(issued, chain=fillers)
    only13 = server_context(issued, chain=fillers, minimum_version=ssl.TLSVersion.TLSv1_3)
    async with LabServer(signin_app(), tls=both) as server, LabServer(signin_app(), tls=only13) as modern:
        handshake = await tls_handshake("127.0.0.1", server.port, HOST, handshake_context())
        chain = await fetch_chain("127.0.0.1", server.port, HOST)
        estimated = await measure_certificate_message("127.0.0.1", modern.port, HOST, 5.0)
    assert handshake.error == "too_large" and chain.error == "too_large"
    measured = handshake.certificate_message
    assert measured is not None and measured.exact and measured.certificates == 601
    assert measured.size > chromium.MAX_CERTIFICATE_MESSAGE
    assert chain.certificate_message == measured and "601 certificates" in chain.detail
    assert estimated is not None and not estimated.exact and estimated.certificates is None
    assert abs(estimated.size - measured.size) < 2000  # TLS 1.3 adds 2 bytes per certificate
