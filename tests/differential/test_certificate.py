"""The certificate check against real Chromium 156: every certificate lab scenario, one verdict each.

For each scenario (diagnose/lab/scenarios/certificate*.py) the lab's servers start once; Chromium, in
a fresh browser context of one shared process, trusts the roots a browser on that device would trust
(the lab root, or the scenario's own roots: ``observed["browser_trusts"]``) and loads the sign-in
page; login-doctor's certificate check then judges the same servers. Chromium's navigation result
(``net::ERR_*``) and its net-log's certificate verification are the oracle:

* Chromium signs in -> the check does not fail (pass, or warn with advice);
* Chromium refuses -> the check fails, with a finding of the same family (date, name, authority,
  revocation, algorithm, constraint) as Chromium's error;
* the check's own model of Chromium (``details.browser.net_error``) names Chromium's exact error.

The deliberate differences (revocation fetched by the check, interception, compromised roots) are
listed in ``certificate.toml`` beside this file, and the test asserts both behaviours for them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from checks._certificate.browser import family
from checks._certificate.chromium import FAMILIES
from diagnose.lab.scenario import all_scenarios
from diagnose.model import CheckResult, Severity
from tests.browsers.fixtures import ChromiumCase
from tests.browsers.lab import LabScenarios

pytestmark = pytest.mark.browser

DEVIATIONS = tomllib.loads((Path(__file__).parent / "certificate.toml").read_text("utf-8"))
SCENARIOS = sorted(n for n, s in all_scenarios().items() if s.area == "certificate"
                   and n not in DEVIATIONS["unreproducible"])


def chromium_families(error: str) -> set[str]:
    """The error family of Chromium's net error (ERR_CERT_INVALID covers constraints, malformed
    certificates and unsupported algorithms)."""
    bare = error.removeprefix("net::")
    return {"constraint", "algorithm"} if bare == "ERR_CERT_INVALID" else {FAMILIES.get(bare, "connection")}


def failing_families(result: CheckResult) -> set[str]:
    return {family(f) or f.code for f in result.findings if f.severity.rank <= Severity.HIGH.rank}


def test_enough_scenarios_and_every_deviation_is_a_scenario() -> None:
    assert len(SCENARIOS) >= 25
    assert set(DEVIATIONS["scenario"]) <= set(SCENARIOS)
    assert set(DEVIATIONS["unreproducible"]) <= set(all_scenarios())


@pytest.mark.parametrize("name", SCENARIOS)
def test_certificate_verdict_matches_chromium(name: str, chromium_case: ChromiumCase,
                                              lab_scenarios: LabScenarios) -> None:
    with lab_scenarios.start(name) as started:
        for root in started.run.observed.get("browser_trusts", [started.ca_file]):
            chromium_case.trust(root)
        browser = chromium_case.page.navigate(started.url)
        report = started.diagnose(only=["certificate"])
    ours = report.check("certificate")
    assert ours is not None
    verifications = [v for v in chromium_case.netlog().cert_verifications() if v.net_error or v.cert_status == ()]
    chromium = "pass" if browser.error is None and browser.status is not None else "fail"
    evidence = (browser.error, [v.cert_status for v in verifications], ours.status.value,
                [(f.code, f.severity) for f in ours.findings])
    model = ours.details.get("browser", {}).get("net_error")
    assert model == (browser.error.removeprefix("net::") if browser.error else None), evidence

    listed = DEVIATIONS["scenario"].get(name)
    if listed is not None:  # a deliberate difference: the browser's behaviour and ours, as documented
        assert (chromium, ours.status.value) == (listed["chromium"], listed["ours"]), evidence
        return
    if chromium == "pass":
        assert ours.status.value in ("pass", "warn"), evidence  # never fail a sign-in that works
    else:
        assert ours.status.value == "fail", evidence
        assert browser.error is not None and chromium_families(browser.error) & failing_families(ours), evidence
