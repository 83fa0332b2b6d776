"""The sign-in flow against real Chromium: every ``redirects`` lab scenario, loaded in Chromium 156.

For each scenario the browser loads the sign-in address (as typed: no initiator) and login-doctor
diagnoses the same servers. Asserted, scenario by scenario:

* **the outcome**: where Chromium ends (``Page.navigate``'s ``net::ERR_*``, or the page it shows:
  status and address, read from its net-log) is where the redirects check says Chrome ends
  (``details.chrome``, :func:`checks._redirects.outcome.chromium_outcome`);
* **every ``Set-Cookie``**, hop by hop: Chromium's exclusion reasons from its net-log
  (``COOKIE_INCLUSION_STATUS``) are the jar's, reason for reason, and what it stores the jar stores;
* **every request**: the cookies Chromium sends are the ones the jar sends, and those it sends only
  because the redirect chain's cross-site detour is not counted
  (``WARN_CROSS_SITE_REDIRECT_DOWNGRADE_CHANGES_INCLUSION``) are the ones the jar marks.

Chromium resolves exactly the lab's DNS zone (:data:`~diagnose.lab.scenarios._redirects_lab.NAMES`)
to loopback and nothing else, as the lab DNS does: a name outside it is ``ERR_NAME_NOT_RESOLVED`` in
both. The walk stops where it recognises a loop; Chromium goes on to its redirect limit, so hops are
compared as far as both went.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from diagnose.lab.scenario import all_scenarios
from diagnose.lab.scenarios._redirects_lab import NAMES
from tests.browsers.chromium import Chromium, ChromiumOptions, HostRules
from tests.browsers.fixtures import require_chromium
from tests.browsers.lab import LabScenarios, StartedScenario
from tests.browsers.netlog import Hop, NetLog
from tests.browsers.page import NavigationResult

pytestmark = pytest.mark.browser

SCENARIOS = sorted(name for name, s in all_scenarios().items() if s.area == "redirects")
DOWNGRADE = "WARN_CROSS_SITE_REDIRECT_DOWNGRADE_CHANGES_INCLUSION"


@pytest.fixture(scope="module")
def flow_chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """One Chromium that resolves only the lab zone (ports do not matter to host rules)."""
    binary = require_chromium()
    options = ChromiumOptions(host_rules=HostRules.only({name: "127.0.0.1" for name in NAMES}))
    browser = Chromium.launch(options, binary=binary, workdir=tmp_path_factory.mktemp("flow-chromium"))
    try:
        yield browser
    finally:
        browser.close()
        NetLog.load(browser.netlog_path).assert_loopback_only()


def test_the_differential_covers_at_least_30_scenarios() -> None:
    assert len(SCENARIOS) >= 30


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_flow_ends_and_cookies_are_decided_as_in_chromium(
    name: str, flow_chromium: Chromium, lab_scenarios: LabScenarios
) -> None:
    with lab_scenarios.start(name) as started:
        report = started.diagnose(only=["redirects"])
        browser, netlog = _load_in_chromium(flow_chromium, started)
    check = report.check("redirects")
    assert check is not None and check.status.value != "error", check
    details: dict[str, Any] = dict(check.details)
    ours = details["chrome"]
    hops = [h for nav in netlog.navigations() for h in nav.hops]
    _assert_same_outcome(ours, browser, hops)
    compared = _assert_same_cookie_decisions(details["hops"], hops)
    print(f"{name}: outcome {ours['error'] or ours['status']}; {compared} Set-Cookie decisions agree")


def _load_in_chromium(browser: Chromium, started: StartedScenario) -> tuple[NavigationResult, NetLog]:
    browser.trust_root(started.ca_file)
    mark = browser.netlog_mark()
    context = browser.new_context()
    try:
        page = context.new_page()
        result = page.navigate(started.url, timeout=20)
        if started.scenario.name == "redirects-meta-refresh":
            _wait_for_refresh(page, started.url)
        netlog = browser.netlog_since(mark)
    finally:
        context.close()
    netlog.assert_loopback_only()
    return result, netlog


def _wait_for_refresh(page: Any, first_url: str) -> None:
    """A meta refresh navigates after the first page's load: wait until the document has moved on."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if page.evaluate("document.readyState") == "complete" and page.evaluate("location.href") != first_url \
                and page.evaluate("location.pathname") == "/users/login":
            return
        time.sleep(0.1)


def _where(url: str | None) -> tuple[str, str, int | None, str]:
    parts = urlsplit(url or "")
    return parts.scheme, (parts.hostname or "").lower(), parts.port, parts.path


def _assert_same_outcome(ours: dict[str, Any], browser: NavigationResult, hops: list[Hop]) -> None:
    if ours["error"] is not None:
        assert browser.error == f"net::{ours['error']}", (ours, browser)
        return
    assert browser.error is None, (ours, browser)
    last = hops[-1]
    assert (last.status, _where(last.url)) == (ours["status"], _where(ours["url"])), (ours, last)


def _assert_same_cookie_decisions(our_hops: list[dict[str, Any]], hops: list[Hop]) -> int:
    """Hop by hop as far as both went: the same URL, the same Set-Cookie decisions, the same cookies sent."""
    compared = 0
    for ours, theirs in zip(our_hops, hops, strict=False):
        assert _where(ours["url"])[1:] == _where(theirs.url)[1:], (ours["url"], theirs.url)
        sent = sorted(d.name or "" for d in theirs.sent if d.included)
        assert sorted(ours["cookies_sent"]) == sent, (ours["url"], ours["cookies_sent"], sent)
        downgraded = sorted(d.name or "" for d in theirs.sent if d.included and DOWNGRADE in d.warnings)
        assert sorted(ours.get("cookies_sent_despite_cross_site_redirect", [])) == downgraded, ours["url"]
        listed = ours.get("set_cookies", [])
        for evidence, line in zip(listed, theirs.set_cookies, strict=False):
            assert line.decision is not None, (ours["url"], line)
            reasons = sorted(r["reason"] for r in evidence.get("rejected", []))
            assert reasons == sorted(line.decision.exclusions), (ours["url"], evidence["name"], line)
            assert evidence["stored"] or evidence.get("deleted") or reasons, evidence
            assert evidence["name"] == line.name or not line.name, (evidence["name"], line.name)
            compared += 1
        assert len(listed) == min(len(theirs.set_cookies), 40), (ours["url"], len(listed), len(theirs.set_cookies))
    return compared
