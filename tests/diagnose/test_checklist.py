"""The checklist's rules on hand-made results, its data, and the table in docs/reports.md.

Every lab scenario is covered row by row in tests/diagnose/lab/test_checklist_table.py; here each rule
is shown on the smallest results that exercise it.
"""

from __future__ import annotations

import re

import pytest

from diagnose.check import builtin_catalogue
from diagnose.checklist import compose, evaluate, load_checklist, matches
from diagnose.model import ChecklistItemResult, CheckResult, Finding, Severity, Status
from diagnose.profiles import load_profile
from diagnose.registry import BUILTIN_CHECKS
from tests.conftest import ROOT
from tools.checklist_md import doc_with_table

PROFILE = load_profile()


def result(check_id: str, status: Status, *findings: Finding) -> CheckResult:
    return CheckResult(check_id, check_id, status, f"{check_id} said {status.value}", 1, findings=findings)


def finding(code: str, severity: Severity = Severity.HIGH, message: str = "", remediation: str = "") -> Finding:
    return Finding(code, severity, message or f"{code} happened.", remediation or f"Fix {code}.")


def items(*results: CheckResult) -> dict[str, ChecklistItemResult]:
    return {i.id: i for i in evaluate(results, PROFILE)}


# ------------------------------------------------------------------ status


def test_a_skipped_or_errored_input_never_yields_pass_wording() -> None:
    # Offline: url passes, the certificate was skipped. The address item passes on the url check
    # alone and says nothing about a certificate nobody read.
    got = items(result("url", Status.PASS), result("connectivity", Status.FAIL, finding("connectivity.offline")),
                result("certificate", Status.SKIP))["official-address"]
    assert got.status is Status.PASS
    assert got.advice == "The address is the vendor's official sign-in address."
    errored = items(result("url", Status.PASS), result("certificate", Status.ERROR))["official-address"]
    assert "certificate" not in errored.advice
    read = items(result("url", Status.PASS), result("certificate", Status.FAIL, finding("certificate.expired")))
    assert read["official-address"].advice.endswith("Its certificate is issued for this address.")


def test_an_item_passes_only_on_an_input_that_can_pass_it() -> None:
    # The certificate looked and found the name right, but only the url check can say the address is
    # official: without it the item is not decided.
    got = items(result("certificate", Status.PASS))
    assert got["official-address"].status is Status.SKIP
    assert got["official-address"].advice.startswith("Check the address in the browser bar yourself")
    assert got["secure-connection"].status is Status.PASS


def test_all_skipped_is_skip_and_manual_where_the_item_says_so() -> None:
    got = items(result("browser", Status.SKIP), result("clock", Status.SKIP, finding("clock.no_time_source", Severity.MEDIUM)))
    assert got["clock"].status is Status.SKIP  # a skipped check's findings say why, they do not decide
    assert got["extensions"].status is Status.MANUAL and got["extensions"].steps
    assert got["credentials"].status is Status.MANUAL


def test_an_errored_check_that_decides_the_item_makes_it_undecided() -> None:
    got = items(result("redirects", Status.ERROR))["no-loop"]
    assert got.status is Status.ERROR
    assert got.advice == load_item("no-loop").advice_unknown


def test_a_hint_is_capped_and_named_codes_of_another_check_decide() -> None:
    mismatch = finding("certificate.hostname_mismatch", message="The certificate is for other.test.",
                       remediation="Check the address you typed.")
    got = items(result("url", Status.PASS), result("certificate", Status.FAIL, mismatch))
    assert got["official-address"].status is Status.WARN  # at most warn: the address itself is official
    assert got["secure-connection"].status is Status.FAIL
    # The advice is given once, under the address; the connection item points there.
    assert got["official-address"].advice == "The certificate is for other.test. Check the address you typed."
    assert got["secure-connection"].advice == (
        "The certificate is for other.test. See “You are on the official sign-in address”.")


def test_a_locked_browser_profile_did_not_look_at_extensions() -> None:
    locked = result("browser", Status.WARN, finding("browser.profile_locked", Severity.LOW))
    assert items(locked)["extensions"].status is Status.MANUAL
    read = result("browser", Status.PASS)
    assert items(read)["extensions"].status is Status.PASS


# ------------------------------------------------------------------ advice


def test_the_clock_is_blamed_and_the_certificate_item_points_at_it() -> None:
    skew = finding("certificate.clock_skew", message="The certificate looks expired only because of the clock.",
                   remediation="Fix this device's date and time.")
    got = items(result("certificate", Status.FAIL, skew), result("clock", Status.FAIL, finding("clock.totp_rejected")))
    assert got["secure-connection"].advice == (
        "The certificate looks expired only because of the clock. See “Your device clock is in sync "
        "(authenticator codes depend on it)”.")
    assert got["clock"].status is Status.FAIL and "renew" not in got["clock"].advice
    # With no clock check in the run, the certificate's finding alone decides the clock item.
    alone = items(result("certificate", Status.FAIL, skew))["clock"]
    assert alone.status is Status.FAIL and alone.advice.startswith(skew.message)


def test_a_cause_is_decisive_before_its_symptom() -> None:
    loop = finding("redirects.loop", message="The sign-in loops.", remediation="Delete this site's cookies.")
    cause = finding("redirects.cookie_domain_mismatch", message="The cookie is for another host.",
                    remediation="Deleting cookies will not help. Tell the service.")
    got = items(result("redirects", Status.FAIL, loop, cause))["no-loop"]
    assert got.advice == "The cookie is for another host. Deleting cookies will not help. Tell the service."


def test_advice_never_repeats_a_sentence() -> None:
    # The url finding's own words repeat the item's old advice: said once.
    unofficial = finding("url.unofficial", message="This is not the vendor's address. Do not enter your password here.",
                         remediation="Do not enter your password here. Type the official address yourself.")
    advice = items(result("url", Status.FAIL, unofficial))["official-address"].advice
    assert advice.count("Do not enter your password here.") == 1
    assert compose("A. B.", "B. C.", "", "c.") == "A. B. C."


def test_the_profile_adds_its_facts_once() -> None:
    advice = items()["credentials"].advice
    assert "15 minutes" in advice and advice.count("15 minutes after 5 failed") == 1


def test_a_recording_is_decided_by_the_same_data() -> None:
    got = items(result("har_tls", Status.PASS), result("har_network", Status.FAIL, finding("har.dns_failed")),
                result("har_blocked", Status.WARN, finding("har.mixed_content", Severity.HIGH)),
                result("redirects", Status.WARN, finding("har.no_navigation", Severity.MEDIUM)))
    assert got["secure-connection"].status is Status.FAIL  # mixed content is the connection's problem,
    assert got["extensions"].status is Status.PASS  # not an extension's
    assert got["internet-connection"].status is Status.FAIL
    assert got["no-loop"].status is Status.SKIP  # nothing recorded: it cannot say there is no loop
    assert got["official-address"].status is Status.SKIP


# ------------------------------------------------------------------ the data and its table


def load_item(item_id: str) -> object:
    return next(i for i in load_checklist() if i.id == item_id)


def test_the_data_names_known_checks_codes_and_items() -> None:
    from checks.har import RECORDING_CHECKS

    checks = {ep.name for ep in BUILTIN_CHECKS} | {c.id for c in RECORDING_CHECKS}
    catalogue = set(builtin_catalogue())
    ids = {i.id for i in load_checklist()}
    for item in load_checklist():
        assert set(item.see.values()) <= ids - {item.id}
        for pattern in (*item.see, *item.symptoms):
            assert any(matches(c, (pattern,)) for c in catalogue), pattern
        for spec in item.inputs:
            assert spec.check in checks, spec.check
            for pattern in (*spec.codes, *spec.except_, *spec.inconclusive):
                assert any(matches(c, (pattern,)) for c in catalogue), (item.id, pattern)
    assert [i.id for i in load_checklist()] == [
        "official-address", "secure-connection", "internet-connection", "clock", "no-loop",
        "extensions", "credentials", "sessions",
    ]


def test_the_wording_comes_from_the_seeds() -> None:
    titles = " ".join(i.title for i in load_checklist()).lower()
    for phrase in ("official", "internet connection", "cookies", "extensions or settings", "signed out"):
        assert phrase in titles


def test_the_table_in_docs_reports_is_the_generated_one() -> None:
    doc = (ROOT / "docs" / "reports.md").read_text("utf-8")
    assert doc_with_table(doc) == doc, "run: python tools/checklist_md.py --write"
    for item in load_checklist():
        assert re.search(rf"\(`{re.escape(item.id)}`\)", doc)


@pytest.mark.parametrize("address", ["https://app.atera.com/", "https://app.atera.com/users/login"])
def test_the_official_site_never_says_do_not_enter_your_password(address: str, cli: object) -> None:
    import json

    run = cli(["--only", "url", address, "--format", "json"])  # type: ignore[operator]
    item = next(i for i in json.loads(run.stdout)["checklist"] if i["id"] == "official-address")
    assert "Do not enter your password" not in item["advice"]
    assert item["status"] in ("pass", "warn")
