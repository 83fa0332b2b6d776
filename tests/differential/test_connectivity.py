"""Connectivity, TLS and proxies: login-doctor's verdict against real Chromium 156's, scenario by scenario.

Each case starts one lab scenario (diagnose/lab/scenarios/connectivity*.py),
loads its sign-in address in real Chromium (a fresh context; the lab's root
trusted as an admin would install it; a proxy set per context where the
scenario has one) and runs login-doctor against the same servers at the same
time. The oracle is Chromium's navigation result: the ``net::ERR_*`` that
stopped it, or the status of the page it showed.

Every case asserts three things:

1. Chromium does what this table says it does (the recorded error or status):
   the facts docs/connectivity.md cites were measured here, and a new Chromium
   that behaves differently fails the test instead of silently changing them;
2. the verdict class agrees: the page loads (2xx) -> our connectivity check
   passes or warns; it does not -> we fail (the check that fails is named);
3. the error family agrees: a port, DNS, TCP, TLS, proxy, certificate or HTTP
   failure on both sides.

Where we differ on purpose, the case says so in ``DEVIATIONS`` with the reason,
and docs/connectivity.md ("Where we differ from the browser") lists it: a test
checks both lists are the same.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from diagnose.lab.proxy import LabProxy, loopback_routes
from diagnose.lab.scenarios.connectivity import HOST
from diagnose.lab.scenarios.connectivity_proxy import with_proxy
from diagnose.model import Report, Status
from tests.browsers.chromium import Chromium, ChromiumOptions, HostRules
from tests.browsers.firefox import FirefoxOptions
from tests.browsers.fixtures import LaunchChromium, LaunchFirefox
from tests.browsers.lab import LabScenarios, StartedScenario
from tests.browsers.page import NavigationResult

ROOT = Path(__file__).resolve().parents[2]

PAGE_LOADS = None
"""Chromium's ``error`` when it showed the server's page."""


@dataclass(frozen=True)
class Case:
    scenario: str
    chromium: str | None
    """The ``net::ERR_*`` Chromium 156 stops with (None: it shows the server's page)."""
    ours: Status
    """Our connectivity verdict (or ``checks``' worst where the certificate decides)."""
    family: str
    """The family both sides' failure belongs to ('' when the page loads)."""
    status: int | None = 200
    """The HTTP status Chromium shows when it shows the page."""
    proxy: bool = False
    """Chromium gets the scenario's proxy (a context with ``proxy_server``)."""
    patience: float = 45.0
    """Seconds the navigation may take (Chromium waits 30 s for a handshake, minutes for TCP)."""


CASES = (
    Case("unsafe-port", "net::ERR_UNSAFE_PORT", Status.FAIL, "port"),
    Case("firefox-only-port", PAGE_LOADS, Status.WARN, ""),
    Case("tcp-refused", "net::ERR_CONNECTION_REFUSED", Status.FAIL, "tcp"),
    Case("tls-reset", "net::ERR_CONNECTION_RESET", Status.FAIL, "tls"),
    Case("tls-not-tls", "net::ERR_SSL_PROTOCOL_ERROR", Status.FAIL, "tls"),
    Case("tls-protocol-too-old", "net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH", Status.FAIL, "tls"),
    Case("tls-cbc-sha256-only", "net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH", Status.FAIL, "tls"),
    Case("tls-huge-chain", "net::ERR_SSL_PROTOCOL_ERROR", Status.FAIL, "tls"),
    Case("tls-rsa-key-exchange", PAGE_LOADS, Status.WARN, ""),
    Case("tls-cbc-sha1", PAGE_LOADS, Status.WARN, ""),
    Case("tls-slow-handshake", PAGE_LOADS, Status.WARN, ""),
    Case("http-server-error", PAGE_LOADS, Status.FAIL, "http", status=503),
    Case("http-no-response", "net::ERR_EMPTY_RESPONSE", Status.FAIL, "http"),
    Case("proxy-unreachable", "net::ERR_PROXY_CONNECTION_FAILED", Status.FAIL, "proxy", proxy=True),
    # Headless Chromium has nobody to ask for the proxy's password: the 407 ends as
    # ERR_INVALID_AUTH_CREDENTIALS (a person at a desktop gets a sign-in prompt first).
    Case("http-proxy-auth-required", "net::ERR_INVALID_AUTH_CREDENTIALS", Status.FAIL, "proxy", proxy=True),
    Case("proxy-tunnel", PAGE_LOADS, Status.PASS, "", proxy=True),
    Case("proxy-tls-inspection", PAGE_LOADS, Status.FAIL, "certificate", proxy=True),
    Case("proxy-tls-inspection-untrusted", "net::ERR_CERT_AUTHORITY_INVALID", Status.FAIL, "certificate",
         proxy=True),
)

DEVIATIONS: dict[str, str] = {
    "http-server-error": "Chromium shows the server's 503 page (no network error); we fail: the sign-in page is "
                         "an error page, and the person cannot sign in.",
    "proxy-tls-inspection": "Chromium signs in (the gateway's CA is installed on the device); we fail with "
                            "certificate.intercepted: a third party reads the password.",
    "firefox-only-port": "Chromium opens ports 4190 and 6679; Firefox refuses them: we warn for Firefox users.",
    "tcp-timeout": "Chromium waits for the kernel's SYN retries (minutes); we give up after 4 s.",
    "black-hole": "Chromium waits 30 s for the handshake; the run's deadline (2 s in this scenario) ends ours "
                  "first, and the report names the step that ran out of time.",
    "dns-nxdomain": "Chromium only says ERR_NAME_NOT_RESOLVED; we also say which DNS server answered what.",
}
"""Where we differ from Chromium on purpose (docs/connectivity.md lists the same scenarios)."""


def family(code: str) -> str:
    """The family of one of our finding codes."""
    check, _, name = code.partition(".")
    if check == "certificate":
        return "certificate"
    if name == "unsafe_port":
        return "port"
    if name.startswith(("dns_", "offline")):
        return "dns"
    if name.startswith("tcp_"):
        return "tcp"
    if name.startswith("tls_"):
        return "tls"
    if name.startswith("proxy_") or name == "http_proxy_auth_required":
        return "proxy"
    return "http"


def chromium_family(error: str | None, status: int | None, *, proxied: bool = False) -> str:
    if error is None:
        return "" if status is not None and status < 400 else "http"
    name = error.removeprefix("net::ERR_")
    if name == "INVALID_AUTH_CREDENTIALS" and proxied:
        return "proxy"
    if name == "UNSAFE_PORT":
        return "port"
    if name == "NAME_NOT_RESOLVED":
        return "dns"
    if name in ("CONNECTION_REFUSED", "CONNECTION_TIMED_OUT", "ADDRESS_UNREACHABLE"):
        return "tcp"
    if name.startswith("CERT_"):
        return "certificate"
    if name.startswith(("PROXY_", "TUNNEL_")):
        return "proxy"
    if name.startswith("SSL_") or name in ("CONNECTION_RESET", "CONNECTION_CLOSED", "TIMED_OUT"):
        return "tls"
    return "http"


def failing_family(report: Report) -> str:
    """The family of the first failing finding of the first failing check."""
    for check in report.checks:
        if check.status is Status.FAIL:
            worst = sorted(check.findings, key=lambda f: f.severity.rank)
            return family(worst[0].code) if worst else ""
    return ""


def worst_status(report: Report) -> Status:
    order = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.SKIP)
    return min((c.status for c in report.checks), key=order.index)


def load_and_diagnose(browser: Chromium, started: StartedScenario, case: Case) -> tuple[NavigationResult, Report]:
    """Chromium and login-doctor against the same servers at the same time."""
    browser.trust_root(started.ca_file)
    extra_ca = started.run.observed.get("inspection_ca")
    if case.scenario == "proxy-tls-inspection" and extra_ca is not None:
        browser.trust_root(Path(extra_ca))  # IT installed the gateway's CA on the device
    proxy = (started.run.net.proxy_for(started.url) or "").rstrip("/") if case.proxy else None
    context = browser.new_context(proxy_server=proxy)
    try:
        page = context.new_page()
        with ThreadPoolExecutor(1) as pool:
            ours = pool.submit(started.diagnose, None, 90.0)
            navigation = page.navigate(started.url, timeout=case.patience)
            report = ours.result(timeout=120)
    finally:
        context.close()
    return navigation, report


@pytest.mark.parametrize("case", CASES, ids=[c.scenario for c in CASES])
def test_connectivity_verdict_matches_chromium(case: Case, chromium: Chromium, lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start(case.scenario) as started:
        navigation, report = load_and_diagnose(chromium, started, case)
    # 1. Chromium does what the table (and docs/connectivity.md) says.
    assert navigation.error == case.chromium, navigation
    if case.chromium is None:
        assert navigation.status == case.status, navigation
    # 2. the verdict class
    connectivity = report.check("connectivity")
    assert connectivity is not None
    ours = worst_status(report)
    assert ours is case.ours, [(c.id, c.status, [f.code for f in c.findings]) for c in report.checks]
    browser_loads = navigation.error is None and navigation.status is not None and navigation.status < 400
    if case.scenario not in DEVIATIONS:
        assert (ours in (Status.PASS, Status.WARN)) == browser_loads
    # 3. the family of the failure
    assert failing_family(report) == case.family
    if case.scenario not in DEVIATIONS:
        assert chromium_family(navigation.error, navigation.status, proxied=case.proxy) == case.family
    _what_the_browser_saw(case, navigation, report)


def _what_the_browser_saw(case: Case, navigation: NavigationResult, report: Report) -> None:
    """Where Chromium's own TLS details say more: the suite it negotiated, the issuer it was shown."""
    tls = navigation.tls
    if case.scenario == "tls-rsa-key-exchange":
        assert tls is not None and (tls.key_exchange, tls.cipher) == ("RSA", "AES_128_GCM")
    if case.scenario in ("proxy-tunnel", "proxy-tls-inspection"):
        certificate = report.check("certificate")
        assert tls is not None and certificate is not None
        issuer = certificate.details["chain"][0]["issuer"]
        assert tls.issuer in issuer  # the browser was shown the chain we read through the proxy
        gateway = case.scenario == "proxy-tls-inspection"
        assert (tls.issuer == "login-doctor Lab Inspection Proxy CA") is gateway


def test_a_slow_server_that_never_answers_the_handshake(chromium: Chromium, lab_scenarios: LabScenarios) -> None:
    """black-hole: Chromium is still waiting after 6 s (its limit is 30 s); our run's deadline (2 s) ends
    ours first, and the report names the step."""
    with lab_scenarios.start("black-hole") as started:
        context = chromium.new_context()
        try:
            with ThreadPoolExecutor(1) as pool:
                ours = pool.submit(started.diagnose, None, 30.0)
                navigation = context.new_page().navigate(started.url, timeout=6)
                report = ours.result(timeout=60)
        finally:
            context.close()
    assert navigation.timed_out and navigation.error is None
    connectivity = report.check("connectivity")
    assert connectivity is not None and connectivity.status is Status.ERROR
    assert connectivity.details["out_of_time"]["step"] == "tls_handshake"


def test_dropped_syns(chromium: Chromium, lab_scenarios: LabScenarios) -> None:
    """tcp-timeout: Chromium keeps retrying the SYN (no answer after 6 s); we give up after 4 s: tcp_timeout."""
    with lab_scenarios.start("tcp-timeout") as started:
        context = chromium.new_context()
        try:
            with ThreadPoolExecutor(1) as pool:
                ours = pool.submit(started.diagnose, None, 30.0)
                navigation = context.new_page().navigate(started.url, timeout=6)
                report = ours.result(timeout=60)
        finally:
            context.close()
    assert navigation.timed_out and navigation.error is None
    connectivity = report.check("connectivity")
    assert connectivity is not None and connectivity.status is Status.FAIL
    assert [f.code for f in connectivity.findings] == ["connectivity.tcp_timeout"]


def test_a_name_that_does_not_resolve(launch_chromium: LaunchChromium, lab_scenarios: LabScenarios) -> None:
    """dns-nxdomain: Chromium with only the vendor's other names resolvable (HostRules.only) says
    ERR_NAME_NOT_RESOLVED for the sign-in name; the lab DNS says NXDOMAIN to us: dns_nxdomain."""
    with lab_scenarios.start("dns-nxdomain") as started:
        browser = launch_chromium(ChromiumOptions(host_rules=HostRules.only({"atera-lab.test": "127.0.0.1"})))
        navigation = browser.new_context().new_page().navigate(started.url, timeout=15)
        report = started.diagnose()
    assert navigation.error == "net::ERR_NAME_NOT_RESOLVED"
    connectivity = report.check("connectivity")
    assert connectivity is not None and connectivity.status is Status.FAIL
    assert failing_family(report) == chromium_family(navigation.error, None) == "dns"


def test_an_unsafe_port_is_refused_even_through_a_proxy(chromium: Chromium, lab_scenarios: LabScenarios) -> None:
    """unsafe-port with a proxy set: Chromium refuses port 6666 before asking the proxy anything;
    so do we (the port is the walk's first step)."""
    with lab_scenarios.start("unsafe-port") as started:
        proxy = lab_scenarios.run(started.lab.enter(LabProxy(loopback_routes([HOST]))))
        started.run.net = with_proxy(started.run.net, proxy.url)
        context = chromium.new_context(proxy_server=proxy.url)
        try:
            navigation = context.new_page().navigate(started.url, timeout=15)
        finally:
            context.close()
        report = started.diagnose()
        asked = list(proxy.requests)
    assert navigation.error == "net::ERR_UNSAFE_PORT" and asked == []
    connectivity = report.check("connectivity")
    assert connectivity is not None
    assert [f.code for f in connectivity.findings] == ["connectivity.unsafe_port"]


def test_firefox_refuses_the_ports_chromium_opens(launch_firefox: LaunchFirefox,
                                                  lab_scenarios: LabScenarios) -> None:
    """firefox-only-port: Firefox ESR 153 refuses port 6679/4190 (its own list, the Fetch standard's) where
    Chromium 156 loads the page; our warning names it. 6666 is refused by both."""
    with lab_scenarios.start("firefox-only-port") as started:
        firefox = launch_firefox(FirefoxOptions(trusted_roots=(started.ca_file,)))
        refused = firefox.navigate(started.url)
        parts = urlsplit(started.url)
        both = firefox.navigate(parts._replace(netloc=f"{parts.hostname}:6666").geturl())
    assert refused.error == "deniedPortAccess", refused
    assert both.error == "deniedPortAccess", both


def test_the_deviations_are_the_ones_documented() -> None:
    text = (ROOT / "docs" / "connectivity.md").read_text("utf-8")
    section = text.split("## Where we differ from the browser", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z0-9-]+)`", section))
    assert set(DEVIATIONS) <= documented, set(DEVIATIONS) - documented
