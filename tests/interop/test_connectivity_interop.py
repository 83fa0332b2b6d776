"""The connectivity check against real daemons: dnsmasq for DNS, nginx for HTTPS.

The lab's own servers are written for the scenarios; these tests make sure
the check also reads real implementations right. dnsmasq serves a small zone
(``--address``, ``--host-record``, ``--local`` for NXDOMAIN, a Pi-hole-style
``0.0.0.0`` sinkhole, REFUSED for names it cannot forward) and is both the
"system" resolver (injected as a :class:`DnsServerResolver`) and a
``--dns-server``. nginx serves the sign-in page over HTTPS with a certificate
from a lab CA. Everything binds 127.0.0.1 on ephemeral ports.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.message
import dns.rcode
import pytest

from diagnose.lab.pki import CertificateAuthority
from diagnose.model import CheckResult, Report, Status, report_to_json
from diagnose.net import DnsServerResolver, Net
from diagnose.profiles import Profile, profile_from_mapping
from diagnose.registry import discover
from diagnose.session import Diagnosis, make_target
from diagnose.settings import Endpoint, Settings
from reports.schema import validation_errors
from tests.conftest import run_cli_inprocess
from tests.interop.conftest import (
    Process,
    StartProcess,
    free_port,
    nginx_config,
    require_binary,
    run_async,
    tcp_ready,
    udp_ready,
)

pytestmark = pytest.mark.interop

LAB = "atera-lab.test"
HOST = f"app.{LAB}"
SIGNIN_PAGE = "<!doctype html><title>Sign in</title><form method=post><input name=email></form>"

PROFILE: dict[str, Any] = {
    "name": "atera-lab",
    "vendor": "Atera (lab)",
    "default_url": f"https://{HOST}/users/login",
    "official_domains": [LAB],
    "signin_urls": [f"https://{HOST}/users/login"],
    "support_url": f"https://support.{LAB}",
    "connectivity": {"control_hosts": [LAB, f"support.{LAB}"]},
}

PROFILE_TOML = f"""
name = "atera-lab"
vendor = "Atera (lab)"
default_url = "https://{HOST}/users/login"
official_domains = ["{LAB}"]
signin_urls = ["https://{HOST}/users/login"]
support_url = "https://support.{LAB}"

[connectivity]
control_hosts = ["{LAB}", "support.{LAB}"]
"""


# ----------------------------------------------------------------------------- daemons


@dataclass
class Dnsmasq:
    port: int
    process: Process

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint("127.0.0.1", self.port)

    def resolver(self) -> DnsServerResolver:
        return DnsServerResolver("127.0.0.1", self.port, label=f"system (dnsmasq {self.port})", timeout=2.0)


def _noerror(reply: bytes) -> bool:
    try:
        return bool(dns.message.from_wire(reply).rcode() == dns.rcode.NOERROR)
    except Exception:
        return False


@pytest.fixture
def dnsmasq(start_process: StartProcess, tmp_path: Path) -> Dnsmasq:
    binary = require_binary("dnsmasq")
    port = free_port(udp_too=True)
    argv = [
        binary,
        "--keep-in-foreground",
        "--conf-file=/dev/null",  # not the system's /etc/dnsmasq.conf
        f"--pid-file={tmp_path / 'dnsmasq.pid'}",
        f"--port={port}",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--no-resolv",  # no upstream: nothing is ever forwarded off this machine
        "--no-hosts",
        f"--local=/{LAB}/",  # answered here only: unknown lab names are NXDOMAIN
        f"--address=/{HOST}/127.0.0.1",
        f"--host-record={LAB},127.0.0.1",
        f"--host-record=support.{LAB},127.0.0.1",
        "--address=/app.atera.com/0.0.0.0",  # a Pi-hole style sinkhole for a public name
        "--log-queries",
        f"--log-facility={tmp_path / 'dnsmasq-queries.log'}",
    ]
    if os.geteuid() == 0:
        argv.append("--user=root")  # stay root: the tmp dir is not readable for "nobody"
    query = dns.message.make_query(HOST, "A").to_wire()
    process = start_process(argv, ready=udp_ready("127.0.0.1", port, query, accept=_noerror), name="dnsmasq")
    return Dnsmasq(port, process)


@dataclass
class Pki:
    ca_file: Path
    cert: Path
    key: Path


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    root = CertificateAuthority.create("login-doctor Interop Root CA")
    issuing = root.intermediate("login-doctor Interop Issuing CA")
    cert, key = issuing.issue([HOST, LAB]).write(tmp_path, "nginx")
    return Pki(root.write_pem(tmp_path / "interop-root-ca.pem"), cert, key)


@dataclass
class Nginx:
    port: int
    process: Process
    access_log: Path


def nginx_conf(tmp: Path, port: int, cert: Path, key: Path) -> str:
    """nginx serving the lab's sign-in page over HTTPS, modern TLS only."""
    page = SIGNIN_PAGE.replace('"', '\\"')
    return nginx_config(
        tmp, port=port, server_name=HOST, cert=cert, key=key,
        extra_server="ssl_protocols TLSv1.2 TLSv1.3;",
        locations=f"""        location = /users/login {{ default_type text/html; return 200 "{page}"; }}
        location / {{ return 302 /users/login; }}""",
    )


@pytest.fixture
def nginx(start_process: StartProcess, tmp_path: Path, pki: Pki) -> Nginx:
    binary = require_binary("nginx")
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path, port, pki.cert, pki.key))
    process = start_process(
        [binary, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "nginx-startup.log")],
        ready=tcp_ready("127.0.0.1", port),
        name="nginx",
    )
    return Nginx(port, process, tmp_path / "nginx-access.log")


# ----------------------------------------------------------------------------- helpers


def diagnose(url: str, dnsmasq: Dnsmasq, pki: Pki, profile: Profile | None = None) -> Report:
    """The connectivity check through a real Diagnosis, dnsmasq as system resolver and --dns-server."""
    profile = profile or profile_from_mapping(PROFILE, origin="interop")
    settings = Settings(ca_files=(pki.ca_file,), dns_servers=(dnsmasq.endpoint,), timeout=20)
    net = Net(settings, system_resolver=dnsmasq.resolver(), proxy_env={})
    diagnosis = Diagnosis(
        target=make_target(url, profile),
        profile=profile,
        plan=discover(plugins=False).plan(["connectivity"]),
        settings=settings,
        net=net,
    )
    report = run_async(diagnosis.run())
    assert validation_errors(report_to_json(report)) == []
    return report


def connectivity(report: Report) -> CheckResult:
    result = report.check("connectivity")
    assert result is not None
    return result


# ----------------------------------------------------------------------------- tests


def test_passes_against_nginx_and_dnsmasq_through_the_command_line(
    dnsmasq: Dnsmasq, nginx: Nginx, pki: Pki, tmp_path: Path
) -> None:
    """The real CLI flags: --dns-server names dnsmasq, --ca-file the lab CA, --profile a TOML file."""
    profile_file = tmp_path / "atera-lab.toml"
    profile_file.write_text(PROFILE_TOML)
    assert profile_from_mapping(tomllib.loads(PROFILE_TOML)) == profile_from_mapping(PROFILE)
    result = run_cli_inprocess(
        [
            f"https://{HOST}:{nginx.port}/users/login",
            "--only", "connectivity",
            "--profile", str(profile_file),
            "--dns-server", f"127.0.0.1:{dnsmasq.port}",
            "--ca-file", str(pki.ca_file),
            "--format", "json",
            "--no-plugins",
        ],
        net_factory=lambda settings: Net(settings, system_resolver=dnsmasq.resolver(), proxy_env={}),
    )
    assert result.code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert validation_errors(report) == []
    [check] = report["checks"]
    assert (check["id"], check["status"], check["findings"]) == ("connectivity", "pass", [])
    details = check["details"]
    assert [(lk["resolver"].split()[0], lk["addresses"]) for lk in details["dns"]] == [
        ("system", ["127.0.0.1"]), ("dns", ["127.0.0.1"]),
    ]
    assert details["tls"]["ok"] and details["tls"]["version"] in ("TLSv1.2", "TLSv1.3")
    assert details["http"]["status_code"] == 200
    assert details["http"]["server"].startswith("nginx")
    assert "GET /users/login" in nginx.access_log.read_text()
    assert f"query[A] {HOST}" in (nginx.access_log.parent / "dnsmasq-queries.log").read_text()


def test_dnsmasq_nxdomain(dnsmasq: Dnsmasq, pki: Pki) -> None:
    missing = f"missing.{LAB}"
    check = connectivity(diagnose(f"https://{missing}/users/login", dnsmasq, pki))
    assert check.status is Status.FAIL
    assert [f.code for f in check.findings] == ["connectivity.dns_nxdomain"]
    assert [lk["error"] for lk in check.details["dns"]] == ["nxdomain", "nxdomain"]
    assert all(lk["addresses"] == ["127.0.0.1"] for lk in check.details["control_lookups"])
    assert f"query[A] {missing}" in (dnsmasq.process.log.parent / "dnsmasq-queries.log").read_text()


def test_tcp_refused_when_nginx_is_stopped(dnsmasq: Dnsmasq, nginx: Nginx, pki: Pki) -> None:
    url = f"https://{HOST}:{nginx.port}/users/login"
    assert connectivity(diagnose(url, dnsmasq, pki)).status is Status.PASS
    nginx.process.stop()
    check = connectivity(diagnose(url, dnsmasq, pki))
    assert check.status is Status.FAIL
    [finding] = check.findings
    assert finding.code == "connectivity.tcp_refused"
    assert (finding.evidence["address"], finding.evidence["port"]) == ("127.0.0.1", nginx.port)


def test_dnsmasq_sinkhole_of_a_public_name_is_a_bogon(dnsmasq: Dnsmasq, pki: Pki) -> None:
    profile = profile_from_mapping(
        {**PROFILE, "name": "atera-public", "official_domains": ["atera.com"],
         "default_url": "https://app.atera.com/users/login", "signin_urls": ["https://app.atera.com/users/login"]},
        origin="interop",
    )
    check = connectivity(diagnose("https://app.atera.com/users/login", dnsmasq, pki, profile))
    assert [f.code for f in check.findings] == ["connectivity.dns_bogon"]
    assert check.findings[0].evidence["addresses"] == "0.0.0.0"
    assert "tcp" not in check.details


def test_dnsmasq_refuses_what_it_cannot_forward(dnsmasq: Dnsmasq, pki: Pki) -> None:
    check = connectivity(diagnose("https://app.example.org/users/login", dnsmasq, pki))
    assert [f.code for f in check.findings] == ["connectivity.dns_refused"]
    assert "REFUSED" in check.findings[0].evidence["detail"]



def test_a_dnsmasq_sinkhole_named_with_dns_server_is_a_bogon_for_that_resolver(dnsmasq: Dnsmasq, pki: Pki) -> None:
    """Issue 14: the system resolver is dead and ``--dns-server`` is a dnsmasq that sinkholes the name
    (``address=/app.atera.com/0.0.0.0``): that answer is a bogon of that resolver, never "another DNS
    server does find it", and the offline verdict keeps what it said."""
    profile = profile_from_mapping(
        {**PROFILE, "name": "atera-public", "official_domains": ["atera.com"],
         "default_url": "https://app.atera.com/users/login", "signin_urls": ["https://app.atera.com/users/login"]},
        origin="interop",
    )
    settings = Settings(ca_files=(pki.ca_file,), dns_servers=(dnsmasq.endpoint,), timeout=20)
    dead = DnsServerResolver("127.0.0.1", free_port(udp_too=True), label="system (dead)", timeout=1.0)
    diagnosis = Diagnosis(
        target=make_target("https://app.atera.com/users/login", profile), profile=profile,
        plan=discover(plugins=False).plan(["connectivity"]), settings=settings,
        net=Net(settings, system_resolver=dead, proxy_env={}),
    )
    check = connectivity(run_async(diagnosis.run()))
    bogon = next(f for f in check.findings if f.code == "connectivity.dns_bogon")
    assert bogon.evidence["resolver"] == f"dns 127.0.0.1:{dnsmasq.port}"
    assert bogon.evidence["addresses"] == "0.0.0.0"
    assert all("Another DNS server" not in f.message for f in check.findings)
    assert check.status is Status.FAIL
    assert any("a blocking (sinkhole) answer" in f.message for f in check.findings)
