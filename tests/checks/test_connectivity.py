"""The connectivity check against the lab: every broken network it must tell apart.

Each scenario (diagnose/lab/scenarios/connectivity.py) starts real loopback
servers, and the real check runs through a real Diagnosis (``diagnose_scenario``).
The tests assert the status, the finding codes, the evidence a helpdesk reads,
and where it matters the server's side (``observed``): the sinkhole trap was
never touched, the proxy received a CONNECT and nothing else was contacted,
the portal received the probe.

``test_scenario_matches_its_declaration`` runs EVERY registered scenario, of
every area, and holds it to its own ``expect``/``codes``: a scenario that
declares what it cannot produce fails here.

Scenarios are diagnosed once per session, several at a time (most of their
time is waiting on a timeout), so the whole module takes about as long as its
slowest scenario.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Any

import pytest

from diagnose.check import load_catalogue
from diagnose.facts import OutOfTime
from diagnose.lab.scenario import LAB_DOMAIN, DiagnosedScenario, Lab, all_scenarios, diagnose_scenario
from diagnose.lab.scenarios import connectivity as lab
from diagnose.model import CheckResult, Finding, Report, Status, report_to_json
from diagnose.net import TCP_TIMEOUT, TcpError
from reports.schema import validation_errors

SCENARIOS = all_scenarios()
CONNECTIVITY_SCENARIOS = sorted(n for n, s in SCENARIOS.items() if s.area == "connectivity")
CONCURRENCY = 6


class Diagnosed:
    """Every registered scenario, diagnosed on first use (all together), then looked up by name."""

    def __init__(self) -> None:
        self._results: dict[str, DiagnosedScenario | BaseException] | None = None

    def __getitem__(self, name: str) -> DiagnosedScenario:
        if self._results is None:
            self._results = asyncio.run(_diagnose_all(list(SCENARIOS)))
        result = self._results[name]
        if isinstance(result, BaseException):
            raise result
        return result


async def _diagnose_all(names: Sequence[str]) -> dict[str, DiagnosedScenario | BaseException]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(name: str) -> DiagnosedScenario:
        async with gate:
            return await diagnose_scenario(name)

    results = await asyncio.gather(*(one(n) for n in names), return_exceptions=True)
    return dict(zip(names, results, strict=True))


@pytest.fixture(scope="session")
def diagnosed() -> Diagnosed:
    return Diagnosed()


# ----------------------------------------------------------------------------- helpers


def connectivity(report: Report) -> CheckResult:
    result = report.check("connectivity")
    assert result is not None, "the connectivity check did not run"
    return result


def codes(result: CheckResult) -> list[str]:
    return sorted(f.code for f in result.findings)


def finding(result: CheckResult, code: str) -> Finding:
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, f"expected one {code}, got {codes(result)}"
    return found[0]


def checklist_status(report: Report, item: str) -> Status:
    return next(i.status for i in report.checklist if i.id == item)


def valid(report: Report) -> dict[str, Any]:
    data = report_to_json(report)
    assert validation_errors(data) == []
    return data


def diagnose(diagnosed: Diagnosed, name: str, status: Status, expected_codes: Sequence[str]) -> DiagnosedScenario:
    """The scenario's diagnosis, after asserting the connectivity status, the exact codes and the schema."""
    result = diagnosed[name]
    check = connectivity(result.report)
    assert check.status is status, check.summary
    assert codes(check) == sorted(expected_codes), check.summary
    valid(result.report)
    return result


# ----------------------------------------------------------------------------- catalogue coverage


def test_every_connectivity_code_has_a_scenario() -> None:
    covered = {code for s in SCENARIOS.values() if s.area == "connectivity" for code in s.codes}
    assert set(load_catalogue("connectivity")) - covered == set()


def test_scenario_codes_exist_in_the_catalogue() -> None:
    catalogue = set(load_catalogue("connectivity"))
    declared = {code for s in SCENARIOS.values() for code in s.codes if code.startswith("connectivity.")}
    assert declared <= catalogue


# ----------------------------------------------------------------------------- every scenario, every area


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_matches_its_declaration(diagnosed: Diagnosed, name: str) -> None:
    scenario = SCENARIOS[name]
    assert scenario.expect, f"{name} declares no expected status, so it could never fail"
    report = diagnosed[name].report
    for check_id, status in scenario.expect.items():
        result = report.check(check_id)
        assert result is not None, f"{name}: the {check_id} check did not run"
        assert result.status is status, f"{name}: {check_id} is {result.status.value}: {result.summary}"
    reported = {f.code for c in report.checks for f in c.findings}
    assert set(scenario.codes) <= reported, f"{name}: missing {set(scenario.codes) - reported}"
    assert validation_errors(report_to_json(report)) == []


# ----------------------------------------------------------------------------- DNS


def test_offline(diagnosed: Diagnosed) -> None:
    report = diagnose(diagnosed, "offline", Status.FAIL, ["connectivity.offline"]).report
    check = connectivity(report)
    evidence = finding(check, "connectivity.offline").evidence
    looked_up = [(lk["name"], lk["error"]) for lk in evidence["lookups"]]
    assert looked_up == [
        (lab.HOST, "nxdomain"), (LAB_DOMAIN, "nxdomain"), (f"support.{LAB_DOMAIN}", "nxdomain"),
    ]
    # The reason given depends on this machine: no default route at all, or DNS finds nothing.
    if check.details["default_route"] is False:
        assert "no network route" in check.summary
    else:
        assert "no internet name can be looked up" in check.summary
    assert "tcp" not in check.details  # nothing probed, least of all an address by IP
    assert checklist_status(report, "internet-connection") is Status.FAIL
    assert report.status is Status.FAIL


@pytest.mark.parametrize(
    ("name", "code", "error", "said"),
    [
        ("dns-nxdomain", "connectivity.dns_nxdomain", "nxdomain", "NXDOMAIN"),
        ("dns-servfail", "connectivity.dns_servfail", "servfail", "SERVFAIL"),
        ("dns-refused", "connectivity.dns_refused", "refused", "REFUSED"),
        ("dns-timeout", "connectivity.dns_timeout", "timeout", "no answer"),
        ("dns-no-answer", "connectivity.dns_no_answer", "no_answer", "no A record"),
    ],
)
def test_dns_failure_of_the_signin_name(diagnosed: Diagnosed, name: str, code: str, error: str, said: str) -> None:
    check = connectivity(diagnose(diagnosed, name, Status.FAIL, [code]).report)
    evidence = finding(check, code).evidence
    assert evidence["name"] == lab.HOST
    assert evidence["resolver"].startswith("system")
    assert said in evidence["detail"]
    assert [lk["error"] for lk in check.details["dns"]] == [error]
    # The vendor's other names resolve, so this is not "offline" but this one name.
    assert check.details["control_lookups"] and all(lk["addresses"] for lk in check.details["control_lookups"])
    assert "tcp" not in check.details


def test_dns_bogon_is_flagged_and_never_connected_to(diagnosed: Diagnosed) -> None:
    result = diagnose(diagnosed, "dns-bogon", Status.FAIL, ["connectivity.dns_bogon"])
    check = connectivity(result.report)
    evidence = finding(check, "connectivity.dns_bogon").evidence
    assert evidence["name"] == "app.atera.com"
    assert set(evidence["addresses"].split(", ")) == {"0.0.0.0", "127.0.0.1"}
    assert "tcp" not in check.details and "tls" not in check.details
    assert result.extra["trap_connections"] == []


async def test_the_bogon_trap_sees_a_connection() -> None:
    """The trap behind the sinkhole answers counts connections, so its silence above means something."""
    async with Lab() as the_lab, SCENARIOS["dns-bogon"].factory(the_lab) as run:
        lookup = await run.net.system().lookup("app.atera.com")
        port = int(run.url.split(":")[2].split("/")[0])
        probes = [await run.net.tcp_probe(address, port) for address in lookup.addresses]
        await asyncio.sleep(0.05)
        assert all(p.ok for p in probes)
        assert len(run.observed["trap_connections"]) == 2


def test_resolvers_disagree(diagnosed: Diagnosed) -> None:
    check = connectivity(
        diagnose(diagnosed, "dns-resolvers-disagree", Status.WARN, ["connectivity.dns_resolvers_disagree"]).report
    )
    evidence = finding(check, "connectivity.dns_resolvers_disagree").evidence
    assert "127.0.0.1" in evidence["answers"] and "127.0.0.9" in evidence["answers"]
    assert [lk["resolver"].split()[0] for lk in evidence["lookups"]] == ["system", "dns"]
    assert [p["address"] for p in check.details["tcp"]["ipv4"]] == ["127.0.0.1"]  # the system's answer only
    assert check.details["http"]["status_code"] == 200


# ----------------------------------------------------------------------------- TCP


def _tcp_evidence(check: CheckResult, code: str) -> dict[str, Any]:
    evidence = dict(finding(check, code).evidence)
    assert evidence["port"] == check.details["port"]
    return evidence


def _no_portal(result: DiagnosedScenario) -> None:
    """The genuine portal probe was fetched and gave its known answer: no captive portal invented."""
    check = connectivity(result.report)
    assert [p["result"] for p in check.details["captive_portal_probes"]] == ["expected answer"]
    assert [r.path for r in result.extra["probe_requests"]] == [lab.PROBE_PATH]


def test_tcp_refused(diagnosed: Diagnosed) -> None:
    result = diagnose(diagnosed, "tcp-refused", Status.FAIL, ["connectivity.tcp_refused"])
    evidence = _tcp_evidence(connectivity(result.report), "connectivity.tcp_refused")
    assert evidence["address"] == "127.0.0.1"
    assert [p["error"] for p in evidence["probes"]] == [TcpError.REFUSED.value]
    assert "ECONNREFUSED" in evidence["detail"]
    _no_portal(result)


def test_tcp_timeout(diagnosed: Diagnosed) -> None:
    result = diagnose(diagnosed, "tcp-timeout", Status.FAIL, ["connectivity.tcp_timeout"])
    evidence = _tcp_evidence(connectivity(result.report), "connectivity.tcp_timeout")
    assert [p["error"] for p in evidence["probes"]] == [TcpError.TIMEOUT.value]
    assert evidence["timeout"] == f"{TCP_TIMEOUT:g}"
    _no_portal(result)


def test_tcp_unreachable(diagnosed: Diagnosed) -> None:
    result = diagnose(diagnosed, "tcp-unreachable", Status.FAIL, ["connectivity.tcp_unreachable"])
    evidence = _tcp_evidence(connectivity(result.report), "connectivity.tcp_unreachable")
    assert evidence["address"] == lab.UNROUTABLE
    assert [p["error"] for p in evidence["probes"]] == [TcpError.UNREACHABLE.value]
    if sys.platform == "linux":
        assert evidence["detail"].startswith("ENETUNREACH")
    _no_portal(result)


def test_ip_family_broken(diagnosed: Diagnosed) -> None:
    check = connectivity(diagnose(diagnosed, "ip-family-broken", Status.WARN, ["connectivity.ip_family_broken"]).report)
    evidence = finding(check, "connectivity.ip_family_broken").evidence
    assert (evidence["working"], evidence["broken"]) == ("IPv4", "IPv6")
    assert [p["address"] for p in evidence["probes"]] == ["::1"]
    assert [p["ok"] for p in check.details["tcp"]["ipv4"]] == [True]
    assert [p["ok"] for p in check.details["tcp"]["ipv6"]] == [False]
    assert check.details["http"]["status_code"] == 200


@pytest.mark.parametrize(("name", "step"), [("black-hole", "tls_handshake"), ("syn-dropped-deadline", "tcp_connect")])
def test_black_holed_target_ends_at_the_deadline_with_a_report(diagnosed: Diagnosed, name: str, step: str) -> None:
    report = diagnose(diagnosed, name, Status.ERROR, []).report
    check = connectivity(report)
    # The check budgets its steps from the run's deadline and concludes by itself, naming the
    # step the deadline cut short and what it saw until then, instead of being cut off blind.
    assert check.details["out_of_time"]["step"] == step
    assert "ran out of time during" in check.summary and check.details["out_of_time"]["title"] in check.summary
    fact = check.fact(OutOfTime)
    assert fact is not None and fact.step == step
    assert "error" not in check.details  # not the runner's "cut off"
    assert check.duration_ms < lab.DEADLINE * 1000
    assert any(f"{lab.DEADLINE:g} s time limit" in w and "ran out of time" in w for w in report.warnings)
    assert report.status is Status.ERROR
    assert checklist_status(report, "internet-connection") is Status.ERROR  # never shown as passed


# ----------------------------------------------------------------------------- TLS


def test_tls_reset(diagnosed: Diagnosed) -> None:
    result = diagnose(diagnosed, "tls-reset", Status.FAIL, ["connectivity.tls_handshake_failed"])
    check = connectivity(result.report)
    evidence = finding(check, "connectivity.tls_handshake_failed").evidence
    assert evidence["error"] == "reset"
    assert "reset" in evidence["detail"]
    # A reset could be a TLS 1.0-only server: the legacy handshake was tried, and was reset too.
    assert check.details["tls_legacy"]["error"] == "reset"
    _no_portal(result)


def test_tls_not_tls(diagnosed: Diagnosed) -> None:
    result = diagnose(diagnosed, "tls-not-tls", Status.FAIL, ["connectivity.tls_handshake_failed"])
    check = connectivity(result.report)
    evidence = finding(check, "connectivity.tls_handshake_failed").evidence
    assert evidence["error"] == "not_tls"
    assert "did not answer with TLS" in evidence["detail"]
    _no_portal(result)


def test_tls_protocol_too_old(diagnosed: Diagnosed) -> None:
    result = diagnose(diagnosed, "tls-protocol-too-old", Status.FAIL, ["connectivity.tls_protocol_too_old"])
    check = connectivity(result.report)
    evidence = finding(check, "connectivity.tls_protocol_too_old").evidence
    assert evidence["version"] in ("TLS 1", "TLS 1.1")
    assert check.details["tls"]["ok"] is False
    assert check.details["tls_legacy"]["ok"] is True
    assert "http" not in check.details  # a browser would refuse: the page is not requested


# ----------------------------------------------------------------------------- HTTP


def test_http_server_error(diagnosed: Diagnosed) -> None:
    check = connectivity(diagnose(diagnosed, "http-server-error", Status.FAIL, ["connectivity.http_server_error"]).report)
    evidence = finding(check, "connectivity.http_server_error").evidence
    assert evidence == {"status_code": 503, "reason": "Service Unavailable", "server": "lab"}
    assert "not yours" in check.summary


def test_http_no_response(diagnosed: Diagnosed) -> None:
    check = connectivity(diagnose(diagnosed, "http-no-response", Status.FAIL, ["connectivity.http_failed"]).report)
    f = finding(check, "connectivity.http_failed")
    assert "disconnected without sending a response" in f.evidence["detail"]
    assert not f.message.endswith("..")
    assert check.details["tls"]["ok"] is True


def test_proxy_asking_for_authentication(diagnosed: Diagnosed) -> None:
    result = diagnose(
        diagnosed,
        "http-proxy-auth-required",
        Status.FAIL,
        ["connectivity.http_proxy_auth_required", "connectivity.proxy_in_use"],
    )
    check = connectivity(result.report)
    evidence = finding(check, "connectivity.http_proxy_auth_required").evidence
    assert evidence["status_code"] == 407
    assert evidence["proxy"].startswith("http://127.0.0.1:")
    assert check.details["direct_probes"].startswith("not attempted")
    # The proxy received exactly one CONNECT for the sign-in host, with no credentials,
    # and the site itself was never contacted directly.
    [connect] = result.extra["proxy_requests"]
    assert connect.method == "CONNECT"
    assert connect.target == f"{lab.HOST}:{check.details['port']}"
    assert connect.header("proxy-authorization") is None
    assert result.extra["site_requests"] == []
    assert result.report.environment["proxy"] == {"https": evidence["proxy"]}


def test_captive_portal(diagnosed: Diagnosed) -> None:
    result = diagnose(
        diagnosed,
        "captive-portal",
        Status.FAIL,
        ["connectivity.http_captive_portal", "connectivity.http_not_verified"],
    )
    check = connectivity(result.report)
    evidence = finding(check, "connectivity.http_captive_portal").evidence
    portal = result.extra["portal_address"]
    assert evidence["probe"].startswith(f"http://{lab.PROBE_HOST}:")
    assert evidence["status_code"] == 302
    assert "/login" in evidence["portal"] and portal in evidence["portal"]
    assert check.summary == finding(check, "connectivity.http_captive_portal").message
    # The portal got the probe; the genuine probe server and the genuine site got nothing.
    assert [r.path for r in result.extra["portal_requests"]] == [lab.PROBE_PATH]
    assert result.extra["probe_requests"] == []
    assert result.extra["site_requests"] == []
    assert [lk["addresses"] for lk in check.details["dns"]] == [[portal]]
