"""What the certificate findings say about Firefox, checked against real Firefox ESR 153.

The check models Chromium; where a finding tells the reader that Firefox behaves differently, that
claim is measured here (one Firefox per lab: Firefox caches intermediates per profile):

* a CA certificate as the site's certificate: Chrome signs in, Firefox refuses
  (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY) -- the ``ca-as-leaf`` advice says so;
* a missing intermediate that the AIA address supplies: Chrome downloads it, Firefox does not
  (SEC_ERROR_UNKNOWN_ISSUER) -- the ``incomplete_chain`` finding says so;
* a certificate its OCSP responder calls revoked: Firefox opens the page too -- the ``revoked``
  finding says the browser will probably still open it; a stapled "revoked" it refuses.
"""

from __future__ import annotations

import pytest

from tests.browsers.firefox import FirefoxOptions
from tests.browsers.fixtures import LaunchFirefox
from tests.browsers.lab import LabScenarios

pytestmark = pytest.mark.browser

CLAIMS = {
    "certificate-ca-as-leaf": ("MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY", "certificate.advice", "Firefox"),
    "certificate-incomplete-chain-aia": ("SEC_ERROR_UNKNOWN_ISSUER", "certificate.incomplete_chain", "Firefox does not"),
    "certificate-revoked-ocsp": (None, "certificate.revoked", "Firefox did not refuse it"),
    "certificate-revoked-stapled": ("SEC_ERROR_REVOKED_CERTIFICATE", "certificate.revoked", "Browsers refuse"),
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_what_findings_say_about_firefox_is_what_firefox_does(name: str, launch_firefox: LaunchFirefox,
                                                              lab_scenarios: LabScenarios) -> None:
    error_code, code, claim = CLAIMS[name]
    with lab_scenarios.start(name) as started:
        trusted = tuple(started.run.observed.get("browser_trusts", [started.ca_file]))
        firefox = launch_firefox(FirefoxOptions(trusted_roots=trusted))
        result = firefox.navigate(started.url)
        report = started.diagnose(only=["certificate"])
    firefox.assert_loopback_only()
    assert result.error_code == error_code, result
    if error_code is None:
        assert result.status == 200
    ours = report.check("certificate")
    assert ours is not None
    texts = [f.message + " " + str(f.evidence) for f in ours.findings if f.code == code]
    assert any(claim in text for text in texts), texts
