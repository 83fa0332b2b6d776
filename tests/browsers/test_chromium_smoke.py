"""The Chromium oracle works: each test loads a lab server on loopback in real Chromium 15x and
checks what the browser itself reports (DevTools navigation result, net-log).

Every test also asserts the loopback guard: ``chromium_case`` checks its net-log slice after the
test, the module's browser checks its whole log when it closes, and tests that launch their own
browser check theirs (``launch_chromium``).
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from pathlib import Path

import pytest

from diagnose.lab.scenario import SIGNIN_PAGE
from diagnose.lab.servers import Handler, LabRequest, LabResponse, closed_port
from tests.browsers.chromium import ChromiumOptions, HostRules
from tests.browsers.extensions import content_blocker
from tests.browsers.fixtures import ChromiumCase, LaunchChromium
from tests.browsers.lab import LabScenarios
from tests.browsers.netlog import NetLog

pytestmark = pytest.mark.browser


def test_healthy_lab_page_loads_when_the_lab_root_is_trusted(chromium_case: ChromiumCase,
                                                              lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("certificate-healthy") as started:
        chromium_case.trust(started.ca_file)
        result = chromium_case.page.navigate(started.url)
    assert result.error is None
    assert result.ok and result.status == 200 and result.committed
    assert result.url == started.url and result.redirects == ()
    assert result.tls is not None and result.tls.protocol == "TLS 1.3"
    log = chromium_case.netlog()
    [verification] = [v for v in log.cert_verifications() if v.host == "app.atera-lab.test"]
    assert verification.net_error is None and verification.cert_status == ()
    assert verification.known_root is False  # a locally trusted root (the NSS database), not a public one
    assert len(verification.verified_chain) == 3  # leaf, lab issuing CA, lab root
    handshakes = [h for h in log.tls_handshakes() if h.net_error is None and h.version]
    assert handshakes and all(h.cipher_suite and h.cipher_suite.startswith("TLS_") for h in handshakes)
    log.assert_loopback_only()
    assert any(c.loopback and c.protocol == "tcp" for c in log.connections())


def test_the_same_page_without_the_root_is_an_unknown_authority(chromium_case: ChromiumCase,
                                                               lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("certificate-healthy") as started:  # a fresh lab root, never trusted
        result = chromium_case.page.navigate(started.url)
    assert result.error == "net::ERR_CERT_AUTHORITY_INVALID"
    assert not result.committed and result.status is None
    [verification] = [v for v in chromium_case.netlog().cert_verifications() if v.host == "app.atera-lab.test"]
    assert verification.net_error == "net::ERR_CERT_AUTHORITY_INVALID"
    assert "AUTHORITY_INVALID" in verification.cert_status


def test_an_expired_leaf_is_a_date_error(chromium_case: ChromiumCase, lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("certificate-expired") as started:
        chromium_case.trust(started.ca_file)
        result = chromium_case.page.navigate(started.url)
    assert result.error == "net::ERR_CERT_DATE_INVALID"
    verifications = chromium_case.netlog().cert_verifications()
    assert [v.cert_status for v in verifications if v.host == "app.atera-lab.test"] == [("DATE_INVALID",)]


def test_a_redirect_loop_ends_in_too_many_redirects(chromium_case: ChromiumCase,
                                                     lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("redirects-loop") as started:
        chromium_case.trust(started.ca_file)
        result = chromium_case.page.navigate(started.url)
    assert result.error == "net::ERR_TOO_MANY_REDIRECTS"
    assert not result.committed
    # Measured on Chromium 156: it sends 20 requests, follows 19 redirects and fails when
    # the 20th redirect arrives (URLRequest's redirect limit of 20 counts the first request).
    assert len(result.redirects) == 19
    assert {r.status for r in result.redirects} == {302}
    [navigation] = chromium_case.netlog().navigations()
    assert navigation.cancelled and navigation.net_error is None  # decided above net/: see UrlRequest.cancelled
    assert len(navigation.hops) == 20
    assert [hop.status for hop in navigation.hops] == [302] * 20
    assert navigation.hops[0].location is not None and navigation.hops[0].location.endswith("/sso")


def test_set_cookie_decisions_come_with_chromiums_reasons(chromium_case: ChromiumCase,
                                                          lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("redirects-cookie-invalid-domain") as started:
        chromium_case.trust(started.ca_file)
        result = chromium_case.page.navigate(started.url)
    assert result.ok
    [navigation] = chromium_case.netlog().navigations()
    lines = {line.name: line for line in navigation.set_cookies}
    assert set(lines) == {"other", "wide", "good"}
    decisions = {name: line.decision for name, line in lines.items()}
    assert all(decisions.values()), decisions
    other, wide, good = decisions["other"], decisions["wide"], decisions["good"]
    assert other is not None and "EXCLUDE_INVALID_DOMAIN" in other.exclusions
    assert wide is not None and "EXCLUDE_INVALID_DOMAIN" in wide.exclusions
    assert good is not None and good.included and good.domain == ".atera-lab.test"
    # the jar agrees, and lists no values
    assert [(c.name, c.domain) for c in chromium_case.context.cookies()] == [("good", ".atera-lab.test")]


def test_a_restricted_port_is_refused_without_connecting(chromium_case: ChromiumCase) -> None:
    result = chromium_case.page.navigate("https://app.atera-lab.test:6666/users/login")
    assert result.error == "net::ERR_UNSAFE_PORT"
    log = chromium_case.netlog()
    assert not [c for c in log.connections() if c.port == 6666]
    [navigation] = log.navigations()
    assert navigation.net_error == "net::ERR_UNSAFE_PORT"


def test_unresolvable_names_fail_at_dns_without_any_socket(chromium_case: ChromiumCase) -> None:
    result = chromium_case.page.navigate("https://sso.corp.invalid/users/login")
    assert result.error == "net::ERR_NAME_NOT_RESOLVED"
    assert [c for c in chromium_case.netlog().connections() if c.protocol == "tcp"] == []


def test_a_content_blocker_extension_fails_the_script_it_blocks(
        launch_chromium: LaunchChromium, lab_scenarios: LabScenarios, tmp_path: Path) -> None:
    page_html = SIGNIN_PAGE.replace("</body>", '<script src="/captcha.js"></script></body>')
    blocker = content_blocker(tmp_path / "blocker", ["captcha.js"])
    with lab_scenarios.lab() as lab:
        server = lab_scenarios.run(lab.https(lambda request: LabResponse.html(page_html)))
        browser = launch_chromium(ChromiumOptions(extension_dirs=(blocker,), trusted_roots=(lab.ca_file,)))
        page = browser.default_context().new_page()  # extensions do not run in new_context() contexts
        with page.events("Network.loadingFailed") as failures:
            result = page.navigate(server.url("/users/login", host="app.atera-lab.test"))
            failed = failures.wait_for(lambda e: e.params.get("type") == "Script", timeout=5)
        assert "/captcha.js" not in [r.path for r in server.requests]
    assert result.ok
    assert failed.params["errorText"] == "net::ERR_BLOCKED_BY_CLIENT"


def test_evaluate_viewport_and_screenshot(chromium_case: ChromiumCase, tmp_path: Path,
                                          lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("certificate-healthy") as started:
        chromium_case.trust(started.ca_file)
        page = chromium_case.page
        page.set_viewport(375, 700)  # mobile=True would lay out at 980 px: the page has no meta viewport
        assert page.navigate(started.url).ok
        assert page.evaluate("document.documentElement.clientWidth") == 375
        assert page.evaluate("document.querySelector('h1').textContent") == "Sign in"
        assert page.evaluate("Promise.resolve(6 * 7)") == 42
        shot = page.screenshot(tmp_path / "signin-375.png")
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (375, 700)


def _cookie_database(profile: Path) -> Path:
    for candidate in (profile / "Default" / "Cookies", profile / "Default" / "Network" / "Cookies"):
        if candidate.exists():
            return candidate
    raise AssertionError(f"no cookie database under {profile}/Default")


def _cookie_names(database: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return db.execute("SELECT host_key, name FROM cookies ORDER BY name").fetchall()


def _cookie_app(*set_cookies: str) -> Handler:
    def handle(request: LabRequest) -> LabResponse:
        return LabResponse.html(SIGNIN_PAGE, headers=[("Set-Cookie", c) for c in set_cookies])

    return handle


def test_a_persistent_profile_keeps_its_cookie_database_after_shutdown(
        launch_chromium: LaunchChromium, lab_scenarios: LabScenarios, tmp_path: Path) -> None:
    profile = tmp_path / "user-data"
    with lab_scenarios.lab() as lab:
        server = lab_scenarios.run(lab.https(_cookie_app(
            "remember=1; Max-Age=86400; Path=/; Secure", "session_only=1; Path=/; Secure")))
        browser = launch_chromium(ChromiumOptions(user_data_dir=profile, trusted_roots=(lab.ca_file,)))
        page = browser.default_context().new_page()
        assert page.navigate(server.url("/users/login", host="app.atera-lab.test")).ok
        browser.close()
    assert ("app.atera-lab.test", "remember") in _cookie_names(_cookie_database(profile))
    NetLog.load(browser.netlog_path).assert_loopback_only()


def test_a_preseeded_cookie_block_exception_makes_chromium_withhold_the_site_cookies(
        launch_chromium: LaunchChromium, lab_scenarios: LabScenarios) -> None:
    blocked = {"profile": {"content_settings": {"exceptions": {"cookies": {
        "[*.]atera-lab.test,*": {"setting": 2}}}}}}
    with lab_scenarios.lab() as lab:
        server = lab_scenarios.run(lab.https(_cookie_app("sid=1; Max-Age=3600; Path=/; Secure")))
        browser = launch_chromium(ChromiumOptions(preferences=blocked, trusted_roots=(lab.ca_file,)))
        context = browser.default_context()
        with browser.capture() as capture:
            assert context.new_page().navigate(server.url("/users/login", host="app.atera-lab.test")).ok
    assert capture.netlog is not None
    [navigation] = capture.netlog.navigations()
    [line] = navigation.set_cookies
    assert line.name == "sid" and line.decision is not None
    assert "EXCLUDE_USER_PREFERENCES" in line.decision.exclusions
    assert context.cookies() == ()
    capture.netlog.assert_loopback_only()


def test_host_rules_can_make_only_the_given_names_resolve(launch_chromium: LaunchChromium) -> None:
    browser = launch_chromium(ChromiumOptions(host_rules=HostRules.only({"app.atera-lab.test": "127.0.0.1"})))
    page = browser.new_context().new_page()
    port = closed_port()
    assert page.navigate(f"http://elsewhere.test:{port}/").error == "net::ERR_NAME_NOT_RESOLVED"
    assert page.navigate(f"http://app.atera-lab.test:{port}/").error == "net::ERR_CONNECTION_REFUSED"
    with pytest.raises(ValueError, match="only loopback"):
        HostRules.only({"app.atera-lab.test": "192.0.2.1"})


def test_the_loopback_guard_fails_on_a_public_address(chromium_case: ChromiumCase) -> None:
    """The guard can fail: a connect attempt to a public address (synthesised, never sent) trips it."""
    chromium_case.page.navigate("https://sso.corp.invalid/")
    log = chromium_case.netlog()
    names = {name: code for code, name in log.constants.event_types.items()}
    sources = {name: code for code, name in log.constants.source_types.items()}
    fake = log.constants.event({"type": names["TCP_CONNECT_ATTEMPT"], "phase": 1, "time": 0,
                                "source": {"id": 999_999, "type": sources["SOCKET"]},
                                "params": {"address": "192.0.2.10:443"}})
    tainted = NetLog((*log.events, fake), log.constants)
    with pytest.raises(AssertionError, match=r"192\.0\.2\.10:443"):
        tainted.assert_loopback_only()
    probe = log.constants.event({"type": names["UDP_CONNECT"], "phase": 1, "time": 0,
                                 "source": {"id": 999_998, "type": sources["UDP_SOCKET"]},
                                 "params": {"address": "[2001:4860:4860::8888]:443"}})
    NetLog((*log.events, probe), log.constants).assert_loopback_only()  # route probe, no datagram
