"""What the redirects check says about Firefox, measured in Firefox ESR 153.

The findings name Firefox where it differs from Chromium; each such claim is loaded here:

* ``redirects-twenty``: 20 redirects stop Chrome and Edge, and Firefox still gets to the page
  (``network.http.redirection-limit`` is 20); the finding's ``still_works`` says so;
* ``redirects-cookie-samesite-strict-round-trip``: after the detour through the identity provider
  Firefox does not send the SameSite=Strict cookie, so the sign-in fails where Chrome gets through
  (``redirects.cookie_samesite_redirect``);
* ``redirects-location-empty``: Firefox resolves the empty ``Location`` to the same address and
  goes round (``redirectLoop``), where Chromium shows the 302's page (docs/redirects.md).

One Firefox per lab (Firefox caches the lab's issuing CA per profile); about 6 s each.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browsers.firefox import FirefoxNavigation, FirefoxOptions
from tests.browsers.fixtures import LaunchFirefox
from tests.browsers.lab import LabScenarios

pytestmark = pytest.mark.browser


def _firefox_loads(name: str, lab_scenarios: LabScenarios,
                   launch_firefox: LaunchFirefox) -> tuple[FirefoxNavigation, dict[str, Any]]:
    """Firefox's navigation of scenario ``name`` (every name at loopback), and our details and findings."""
    with lab_scenarios.start(name) as started:
        report = started.diagnose(only=["redirects"])
        firefox = launch_firefox(FirefoxOptions(trusted_roots=(started.ca_file,)))
        result = firefox.navigate(started.url, timeout=20)
        firefox.assert_loopback_only()
    check = report.check("redirects")
    assert check is not None
    return result, dict(check.details) | {"findings": {f.code: f for f in check.findings}}


def test_twenty_redirects_stop_chrome_but_not_firefox(lab_scenarios: LabScenarios,
                                                      launch_firefox: LaunchFirefox) -> None:
    result, ours = _firefox_loads("redirects-twenty", lab_scenarios, launch_firefox)
    assert result.error_page is None and result.status == 200
    finding = ours["findings"]["redirects.too_many"]
    assert finding.evidence["working_browsers"] == ["Firefox"]


def test_firefox_withholds_strict_cookies_after_a_cross_site_detour(lab_scenarios: LabScenarios,
                                                                    launch_firefox: LaunchFirefox) -> None:
    result, ours = _firefox_loads("redirects-cookie-samesite-strict-round-trip", lab_scenarios, launch_firefox)
    # The callback answers 400 "no nonce" to a browser that did not send the Strict cookie.
    assert result.error_page is None and result.status == 400
    assert ours["chrome"]["status"] == 200 and "redirects.cookie_samesite_redirect" in ours["findings"]


def test_firefox_goes_round_on_an_empty_location(lab_scenarios: LabScenarios, launch_firefox: LaunchFirefox) -> None:
    result, ours = _firefox_loads("redirects-location-empty", lab_scenarios, launch_firefox)
    assert (result.error_page, result.error) == ("neterror", "redirectLoop")
    assert ours["chrome"] == {"error": None, "status": 302, "url": ours["chrome"]["url"], "step": 1}
