"""The Firefox oracle works: Firefox ESR loads lab servers on loopback over Marionette, reports
its own error codes, and writes its cookie database; each test asserts Firefox's socket log
shows loopback addresses only.

One Firefox process per test (about 3 s to start): Firefox caches intermediate certificates
per profile, and every lab has an issuing CA of the same name, so a profile must only see one lab.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from diagnose.lab.scenario import SIGNIN_PAGE
from diagnose.lab.servers import LabRequest, LabResponse
from tests.browsers.firefox import FirefoxOptions
from tests.browsers.fixtures import LaunchFirefox
from tests.browsers.lab import LabScenarios

pytestmark = pytest.mark.browser


def test_firefox_loads_a_healthy_lab_page(launch_firefox: LaunchFirefox, lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("certificate-healthy") as started:
        firefox = launch_firefox(FirefoxOptions(trusted_roots=(started.ca_file,)))
        result = firefox.navigate(started.url)
        assert firefox.execute("return document.querySelector('h1').textContent") == "Sign in"
    assert firefox.version.startswith("1")
    assert result.error_page is None and result.status == 200 and result.ok
    assert result.url == started.url
    assert "127.0.0.1" in firefox.connected_addresses()
    firefox.assert_loopback_only()


def test_firefox_names_an_untrusted_root_and_refuses_a_restricted_port(
        launch_firefox: LaunchFirefox, lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("certificate-healthy") as started:
        firefox = launch_firefox()
        result = firefox.navigate(started.url)
    assert result.error_page == "certerror" and result.error == "nssBadCert"
    assert result.error_code == "SEC_ERROR_UNKNOWN_ISSUER"
    assert not result.ok
    refused = firefox.navigate("https://app.atera-lab.test:6666/users/login")
    assert refused.error_page == "neterror" and refused.error == "deniedPortAccess"
    firefox.assert_loopback_only()


def test_firefox_names_a_wrong_host_and_an_expired_leaf(launch_firefox: LaunchFirefox,
                                                        lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start("certificate-expired") as started:
        firefox = launch_firefox(FirefoxOptions(trusted_roots=(started.ca_file,)))
        expired = firefox.navigate(started.url)
        wrong_host = firefox.navigate(started.url.replace("app.atera-lab.test", "other.atera-lab.test"))
    assert expired.error_code == "SEC_ERROR_EXPIRED_CERTIFICATE"
    # Firefox reports the name mismatch before the date (Chromium: ERR_CERT_COMMON_NAME_INVALID)
    assert wrong_host.error_code == "SSL_ERROR_BAD_CERT_DOMAIN"
    firefox.assert_loopback_only()


def test_firefox_writes_the_cookie_to_cookies_sqlite(launch_firefox: LaunchFirefox,
                                                   lab_scenarios: LabScenarios) -> None:
    headers = [("Set-Cookie", "remember=canary-value-7; Max-Age=86400; Path=/; Secure; SameSite=Lax")]
    with lab_scenarios.lab() as lab:
        server = lab_scenarios.run(lab.https(lambda request: LabResponse.html(SIGNIN_PAGE, headers=headers)))
        firefox = launch_firefox(FirefoxOptions(trusted_roots=(lab.ca_file,)))
        assert firefox.navigate(server.url("/users/login", host="app.atera-lab.test")).ok
        assert firefox.quit() == 0
    [cookie] = firefox.cookies()
    assert (cookie.host, cookie.name, cookie.path, cookie.secure) == ("app.atera-lab.test", "remember", "/", True)
    assert cookie.value_length == len("canary-value-7")  # the length, never the value
    firefox.assert_loopback_only()


def test_firefox_exports_a_genuine_har_of_a_sign_in_flow(launch_firefox: LaunchFirefox,
                                                         lab_scenarios: LabScenarios, tmp_path: Path) -> None:
    """Firefox's own devtools write the HAR (a window on a private Xvfb display: the export needs
    the toolbox open). This is how tests/fixtures of ``login-doctor har`` get a real Firefox export."""
    def app(request: LabRequest) -> LabResponse:
        if request.path == "/":
            return LabResponse.redirect("/users/login", headers=[("Set-Cookie", "sid=canary-ff; Path=/; Secure")])
        return LabResponse.html(SIGNIN_PAGE)

    har_dir = tmp_path / "har"
    with lab_scenarios.lab() as lab:
        server = lab_scenarios.run(lab.https(app))
        firefox = launch_firefox(FirefoxOptions(trusted_roots=(lab.ca_file,), har_dir=har_dir))
        assert firefox.navigate(server.url("/", host="app.atera-lab.test")).ok
        deadline = time.monotonic() + 15
        while not list(har_dir.glob("*.har")) and time.monotonic() < deadline:
            time.sleep(0.1)
        firefox.quit()
    [first, *_] = sorted(har_dir.glob("*.har"))
    log = json.loads(first.read_text("utf-8"))["log"]
    assert log["creator"]["name"] == "Firefox" and log["version"] == "1.2"
    statuses = [(urlsplit(e["request"]["url"]).path, e["response"]["status"]) for e in log["entries"]]
    assert statuses[:2] == [("/", 302), ("/users/login", 200)]
    firefox.assert_loopback_only()
