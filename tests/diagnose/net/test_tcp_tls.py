"""TCP probes and TLS handshakes against loopback servers that misbehave in each way."""

from __future__ import annotations

from diagnose.lab.pki import CertificateAuthority
from diagnose.lab.scenario import signin_app
from diagnose.lab.scenarios import connectivity as lab
from diagnose.lab.servers import LabServer, SynDropper, black_hole, closed_port, reset_immediately, server_context
from diagnose.net.tcp import TcpError, tcp_probe
from diagnose.net.tls import fetch_chain, handshake_context, tls_handshake

HOST = "app.atera-lab.test"


async def test_the_unroutable_address_is_refused_by_the_kernel() -> None:
    """The connect fails locally with an errno (no SYN is sent, so there is nothing to time out)."""
    probe = await tcp_probe(lab.UNROUTABLE, 443)
    assert probe.error is TcpError.UNREACHABLE, probe.detail


async def test_tcp_probe_tells_refused_from_dropped_from_open() -> None:
    refused = await tcp_probe("127.0.0.1", closed_port())
    assert refused.error is TcpError.REFUSED and refused.detail.startswith("ECONNREFUSED")
    with SynDropper() as dropper:
        dropped = await tcp_probe("127.0.0.1", dropper.port, timeout=0.3)
    assert dropped.error is TcpError.TIMEOUT and dropped.detail == "no answer within 0.3 s"
    async with LabServer(raw=black_hole) as server:
        opened = await tcp_probe("127.0.0.1", server.port)
    assert opened.ok and opened.as_evidence()["family"] == "ipv4"


async def test_tls_handshake_names_each_way_it_fails() -> None:
    async with LabServer(raw=lab.plain_http_server) as plain:
        not_tls = await tls_handshake("127.0.0.1", plain.port, HOST, handshake_context())
    assert (not_tls.ok, not_tls.error) == (False, "not_tls")
    async with LabServer(raw=black_hole) as silent:
        stalled = await tls_handshake("127.0.0.1", silent.port, HOST, handshake_context(), timeout=0.3)
    assert stalled.error == "timeout" and stalled.detail == "the handshake did not finish within 0.3 s"
    async with LabServer(raw=reset_immediately) as resetting:
        reset = await tls_handshake("127.0.0.1", resetting.port, HOST, handshake_context())
    assert reset.error in ("reset", "eof"), reset


async def test_tls_handshake_judges_no_certificate() -> None:
    """A certificate from an unknown CA still completes: whether TLS works is all it says."""
    stranger = CertificateAuthority.create("Not the lab CA").issue([HOST])
    async with LabServer(signin_app(), tls=server_context(stranger)) as server:
        done = await tls_handshake("127.0.0.1", server.port, HOST, handshake_context())
        chain = await fetch_chain("127.0.0.1", server.port, HOST)
    assert done.ok and done.version.startswith("TLSv1.") and done.peer_certificate
    assert chain.ok and chain.certificates[0] == done.peer_certificate
    assert server.requests == []  # nothing but handshakes


async def test_fetch_chain_names_each_way_it_fails() -> None:
    refused = await fetch_chain("127.0.0.1", closed_port(), HOST)
    assert refused.error == "refused" and not refused.legacy  # no second try against a closed port
    async with LabServer(raw=lab.plain_http_server) as plain:
        not_tls = await fetch_chain("127.0.0.1", plain.port, HOST)
    assert not_tls.error == "not_tls"
    async with LabServer(raw=black_hole) as silent:
        stalled = await fetch_chain("127.0.0.1", silent.port, HOST, timeout=0.3)
    assert stalled.error == "timeout" and "0.3 s" in stalled.detail


def test_the_system_context_holds_the_systems_roots_once_loaded() -> None:
    """What truststore loads on Linux (OpenSSL's default bundle), loaded into the context itself, so
    a handshake does not re-read it: every root of the bundle is in the context's store."""
    import re
    import ssl

    from diagnose.net.tls import system_context

    bundle = ssl.get_default_verify_paths().cafile
    assert bundle, "this machine has no OpenSSL default CA bundle (ca-certificates)"
    with open(bundle, "rb") as f:
        in_bundle = len(re.findall(rb"-----BEGIN CERTIFICATE-----", f.read()))
    ctx = system_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert 100 < ctx.cert_store_stats()["x509_ca"] <= in_bundle
