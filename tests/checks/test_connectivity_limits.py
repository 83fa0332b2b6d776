"""The connectivity check with the browser's limits (issue 12) and the DNS comparison (issue 14 item 4).

Each test runs one lab scenario (diagnose/lab/scenarios/connectivity*.py) through
a real Diagnosis and holds the diagnosis to what Chromium 156 does with the same
server (measured in tests/differential/test_connectivity.py): refused ports fail
before any packet, an 8 s handshake is a warning with its time, an RSA-key-exchange
server is reached with the suite named, a 1,000-certificate chain is a named
finding with its size and the browser's limit. The scenarios run together, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from diagnose.lab.scenario import DiagnosedScenario, diagnose_scenario
from diagnose.model import CheckResult, Finding, Status
from diagnose.net import chromium

NAMES = (
    "unsafe-port", "tls-slow-handshake", "tls-rsa-key-exchange", "tls-cbc-sha1", "tls-cbc-sha256-only",
    "tls-huge-chain", "tls-protocol-too-old", "dns-named-resolver-sinkhole", "dns-named-resolver-blocks",
    "dns-system-dead-named-nxdomain", "proxy-unreachable", "proxy-tunnel", "proxy-tls-inspection",
    "proxy-tls-inspection-untrusted", "proxy-auto-config",
)


@pytest.fixture(scope="module")
def results() -> dict[str, DiagnosedScenario]:
    async def all_of_them() -> list[DiagnosedScenario]:
        gate = asyncio.Semaphore(5)

        async def one(name: str) -> DiagnosedScenario:
            async with gate:
                return await diagnose_scenario(name)

        return await asyncio.gather(*(one(n) for n in NAMES))

    return dict(zip(NAMES, asyncio.run(all_of_them()), strict=True))


def check(result: DiagnosedScenario, check_id: str = "connectivity") -> CheckResult:
    found = result.report.check(check_id)
    assert found is not None, f"{check_id} did not run"
    return found


def only(result: CheckResult, code: str) -> Finding:
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, [f.code for f in result.findings]
    return found[0]


def codes(result: CheckResult) -> Sequence[str]:
    return sorted(f.code for f in result.findings)


# ----------------------------------------------------------------------------- the port


def test_a_port_chromium_refuses_fails_before_any_packet(results: dict[str, DiagnosedScenario]) -> None:
    result = results["unsafe-port"]
    connectivity = check(result)
    assert connectivity.status is Status.FAIL
    finding = only(connectivity, "connectivity.unsafe_port")
    assert finding.evidence["port"] == 6666
    assert "6666" in finding.message and "ERR_UNSAFE_PORT" in finding.message
    assert "--explicitly-allowed-ports=6666" in finding.remediation
    assert result.extra["dns_queries"] == []  # like Chromium: not even a DNS query
    assert "dns" not in connectivity.details and "tcp" not in connectivity.details


def test_the_port_lists_are_chromiums_and_firefoxs() -> None:
    assert chromium.is_unsafe_port(6666) and chromium.is_unsafe_port(0) and chromium.is_unsafe_port(10080)
    assert not chromium.is_unsafe_port(443) and not chromium.is_unsafe_port(8443)
    assert not chromium.is_unsafe_port(4190) and chromium.firefox_refuses(4190)  # measured in Chromium 156
    assert not chromium.firefox_refuses(0) and chromium.firefox_refuses(6666)
    assert chromium.is_unsafe_port(70000)


# ----------------------------------------------------------------------------- the handshake


def test_an_8_second_handshake_is_a_warning_with_the_time(results: dict[str, DiagnosedScenario]) -> None:
    connectivity = check(results["tls-slow-handshake"])
    assert connectivity.status is Status.WARN, connectivity.summary
    assert codes(connectivity) == ["connectivity.tls_slow_handshake"]
    finding = only(connectivity, "connectivity.tls_slow_handshake")
    assert 7900 <= finding.evidence["duration_ms"] < 30_000
    assert "took 8." in finding.message and "30 s" in finding.message
    assert connectivity.details["http"]["status_code"] == 200  # the page itself was fetched, slowly


def test_rsa_key_exchange_is_reached_and_the_suite_named(results: dict[str, DiagnosedScenario]) -> None:
    connectivity = check(results["tls-rsa-key-exchange"])
    assert connectivity.status is Status.WARN
    finding = only(connectivity, "connectivity.tls_obsolete")
    assert finding.evidence["suite"] == "TLS_RSA_WITH_AES_128_GCM_SHA256"
    assert finding.evidence["obsolete"] == ["key exchange"]
    assert connectivity.details["http"]["status_code"] == 200
    cbc = only(check(results["tls-cbc-sha1"]), "connectivity.tls_obsolete")
    assert cbc.evidence["suite"] == "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" and cbc.evidence["obsolete"] == ["cipher"]


def test_a_suite_chromium_does_not_offer_is_named(results: dict[str, DiagnosedScenario]) -> None:
    connectivity = check(results["tls-cbc-sha256-only"])
    finding = only(connectivity, "connectivity.tls_cipher_not_offered")
    assert finding.evidence["suite"] == "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"
    too_old = only(check(results["tls-protocol-too-old"]), "connectivity.tls_protocol_too_old")
    assert too_old.evidence["version"] == "TLS 1.1"


def test_a_1000_certificate_chain_names_its_size_and_the_limit(results: dict[str, DiagnosedScenario]) -> None:
    connectivity = check(results["tls-huge-chain"])
    finding = only(connectivity, "connectivity.tls_certificate_too_large")
    assert finding.evidence["certificates"] == 1000
    assert finding.evidence["size_bytes"] > chromium.MAX_CERTIFICATE_MESSAGE
    assert "102,400" in finding.message and "1,000 certificates" in finding.message
    assert "EXCESSIVE_MESSAGE_SIZE" not in finding.message


def test_the_suites_offered_are_chromiums() -> None:
    from diagnose.net.tls import handshake_context

    offered = {c["name"] for c in handshake_context().get_ciphers()}
    assert {name for name in offered if not name.startswith("TLS_")} == {s.openssl for s in chromium.SUITES}
    assert chromium.obsolete("AES128-GCM-SHA256", "TLSv1.2") == ("key exchange",)
    assert chromium.obsolete("TLS_AES_128_GCM_SHA256", "TLSv1.3") == ()


# ----------------------------------------------------------------------------- DNS (issue 14 item 4)


def test_a_named_resolver_answering_0000_is_a_bogon_not_a_working_answer(
    results: dict[str, DiagnosedScenario],
) -> None:
    connectivity = check(results["dns-named-resolver-sinkhole"])
    assert connectivity.status is Status.FAIL
    assert codes(connectivity) == ["connectivity.dns_bogon", "connectivity.dns_nxdomain"]
    bogon = only(connectivity, "connectivity.dns_bogon")
    assert bogon.evidence["resolver"].startswith("dns 127.0.0.1:")
    assert "0.0.0.0" in bogon.evidence["addresses"]
    nxdomain = only(connectivity, "connectivity.dns_nxdomain")
    assert "Another DNS server" not in nxdomain.message
    assert "a blocking (sinkhole) answer" in nxdomain.message
    assert connectivity.summary == nxdomain.message  # the browser's own resolver is the headline


def test_a_named_resolver_that_blocks_is_a_warning_when_the_system_works(
    results: dict[str, DiagnosedScenario],
) -> None:
    connectivity = check(results["dns-named-resolver-blocks"])
    assert connectivity.status is Status.WARN
    bogon = only(connectivity, "connectivity.dns_bogon")
    assert bogon.severity.value == "low" and bogon.evidence["resolver"].startswith("dns ")
    assert "connectivity.dns_resolvers_disagree" not in codes(connectivity)


def test_the_offline_verdict_keeps_what_the_named_server_said(results: dict[str, DiagnosedScenario]) -> None:
    connectivity = check(results["dns-system-dead-named-nxdomain"])
    offline = only(connectivity, "connectivity.offline")
    named = offline.evidence["named_resolvers"]
    assert [n["error"] for n in named] == ["nxdomain"]
    assert named[0]["resolver"] in offline.message and "NXDOMAIN" in offline.message


# ----------------------------------------------------------------------------- proxies


def test_an_unreachable_proxy_is_named(results: dict[str, DiagnosedScenario]) -> None:
    result = results["proxy-unreachable"]
    finding = only(check(result), "connectivity.proxy_unreachable")
    assert "refused" in finding.message
    assert result.extra["site_requests"] == []


def test_a_plain_tunnel_shows_the_sites_own_chain(results: dict[str, DiagnosedScenario]) -> None:
    result = results["proxy-tunnel"]
    assert check(result).status is Status.PASS
    certificate = check(result, "certificate")
    assert certificate.status is Status.PASS, certificate.summary
    proxy = certificate.details["proxy"]
    assert proxy["read_through_proxy"] and proxy["direct_path"] and not proxy["certificate_replaced_by_proxy"]
    assert [r.method for r in result.extra["proxy_requests"]][:1] == ["CONNECT"]


def test_an_inspecting_proxy_is_reported_as_interception(results: dict[str, DiagnosedScenario]) -> None:
    result = results["proxy-tls-inspection"]
    assert check(result).status is Status.PASS  # the browser signs in: the gateway's CA is installed
    certificate = check(result, "certificate")
    intercepted = only(certificate, "certificate.intercepted")
    assert intercepted.evidence["certificate_replaced_by_proxy"] is True
    assert intercepted.evidence["proxy"].startswith("http://127.0.0.1:")
    assert "Inspection Proxy CA" in intercepted.evidence["issuer"]
    assert certificate.details["tls"]["proxy"] == intercepted.evidence["proxy"]
    assert any(r.intercepted for r in result.extra["proxy_requests"])


def test_an_inspecting_proxy_with_an_untrusted_ca(results: dict[str, DiagnosedScenario]) -> None:
    certificate = check(results["proxy-tls-inspection-untrusted"], "certificate")
    assert codes(certificate) == ["certificate.intercepted", "certificate.untrusted_root"]
    intercepted = only(certificate, "certificate.intercepted")
    assert "replaces the site's certificate" in intercepted.message


def test_a_pac_script_is_detected_and_the_tested_path_named(results: dict[str, DiagnosedScenario]) -> None:
    connectivity = check(results["proxy-auto-config"])
    assert connectivity.status is Status.WARN
    pac = only(connectivity, "connectivity.proxy_auto_config")
    assert pac.evidence["url"] == "http://wpad.atera-lab.test/proxy.pac"
    assert "directly, without a proxy" in pac.message
    assert connectivity.details["http"]["status_code"] == 200
