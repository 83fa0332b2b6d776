"""x509-limbo (C2SP, vendored in tests/suites/data/x509-limbo) through the whole certificate check.

Every ``webpki::`` and ``rfc5280::`` SERVER case runs (tests/checks/limbo.py): no case may crash or
end undecided. The check models Chromium, not an RFC 5280 linter, so agreement with limbo is:

* a SUCCESS case agrees when the check does not fail it;
* a FAILURE case agrees when the check fails it, or when Chromium signs in and the check reports the
  advice-level finding naming the rule (``deviations.toml`` [advice] gives the rule per case).

Every other difference is listed in ``deviations.toml`` [limbo] with its reason. The same cases were
served to real Chromium 156 (``results/chromium.json``, tools/limbo_chromium.py): where it ran, the
check's verdict and error family must match Chromium's, except where [chromium] says why not. An
unlisted difference fails, and so does a listed one that no longer happens.
"""

from __future__ import annotations

import asyncio
import json
import tomllib
from pathlib import Path

import pytest

from checks._certificate.browser import family
from checks._certificate.chromium import FAMILIES
from diagnose.model import Severity
from tests.checks.limbo import LimboResult, judge_case
from tests.suites.x509_limbo import LIMBO_DIR, load_limbo_cases

DEVIATIONS = tomllib.loads((LIMBO_DIR / "deviations.toml").read_text("utf-8"))
CHROMIUM = json.loads((LIMBO_DIR / "results" / "chromium.json").read_text("utf-8"))
MIN_AGREEMENT = 0.95


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LimboResult]:
    workdir = tmp_path_factory.mktemp("limbo")
    return {case.id: asyncio.run(judge_case(case, workdir)) for case in load_limbo_cases()}


def _failing_families(result: LimboResult) -> set[str]:
    return {family(f) or "other" for f in result.findings if f.severity.rank <= Severity.HIGH.rank}


def _agrees(result: LimboResult) -> bool:
    if result.case.expected_result == "SUCCESS":
        return result.verdict == "SUCCESS"
    if result.verdict == "FAILURE":
        return True
    rule = DEVIATIONS["advice"].get(result.case.id)
    return rule is not None and rule in result.advice()


def test_every_server_case_runs_and_none_crashes(results: dict[str, LimboResult]) -> None:
    assert len(results) == 148
    undecided = {i: r.findings for i, r in results.items() if r.status == "error"}
    assert undecided == {}


def test_agreement_with_limbo_and_every_difference_is_listed(results: dict[str, LimboResult]) -> None:
    differing = {i for i, r in results.items() if not _agrees(r)}
    listed = set(DEVIATIONS["limbo"])
    assert differing - listed == set(), "unlisted differences (add them to deviations.toml with a reason)"
    assert listed - differing == set(), "listed differences that no longer happen (remove them)"
    for case_id, entry in DEVIATIONS["limbo"].items():
        assert results[case_id].verdict == entry["ours"], case_id
        assert len(entry["reason"]) > 40, case_id
    agreement = 1 - len(differing) / len(results)
    assert agreement >= MIN_AGREEMENT, f"{agreement:.1%} agreement"


def test_advice_names_the_rule_where_chromium_signs_in(results: dict[str, LimboResult]) -> None:
    for case_id, rule in DEVIATIONS["advice"].items():
        result = results[case_id]
        assert result.case.expected_result == "FAILURE", case_id
        assert result.verdict == "SUCCESS", f"{case_id}: the check now fails it; drop it from [advice]"
        assert rule in result.advice(), (case_id, result.advice())
        recorded = CHROMIUM["cases"][case_id]
        assert not recorded.get("ran") or recorded["result"] == "SUCCESS", case_id


def _chromium_families(net_error: str) -> set[str]:
    """ERR_CERT_INVALID covers broken constraints, malformed certificates and unsupported algorithms."""
    error = net_error.removeprefix("net::")
    return {"constraint", "algorithm"} if error == "ERR_CERT_INVALID" else {FAMILIES.get(error, "connection")}


def test_verdicts_match_what_real_chromium_said(results: dict[str, LimboResult]) -> None:
    ran = {i: e for i, e in CHROMIUM["cases"].items() if e.get("ran")}
    assert len(ran) >= 128, "the oracle file lost cases: rerun tools/limbo_chromium.py"
    differing: dict[str, str] = {}
    for case_id, recorded in ran.items():
        ours = results[case_id]
        if ours.verdict != recorded["result"]:
            differing[case_id] = f"Chromium {recorded['result']} ({recorded['net_error']}), check {ours.status}"
        elif recorded["result"] == "FAILURE" and not _chromium_families(recorded["net_error"]) & _failing_families(ours):
            differing[case_id] = f"Chromium {recorded['net_error']}, check families {_failing_families(ours)}"
    listed = DEVIATIONS["chromium"]
    assert set(differing) - set(listed) == set(), differing
    assert set(listed) - set(differing) == set(), "listed Chromium differences that no longer happen"
    for case_id, entry in listed.items():
        assert entry["ours"] in _failing_families(results[case_id]), case_id


def test_the_oracle_says_why_a_case_could_not_run_in_chromium() -> None:
    cases = CHROMIUM["cases"]
    assert set(cases) == {c.id for c in load_limbo_cases()}
    assert CHROMIUM["chromium"].startswith("Chrome/156.")
    skipped = {i: e["reason"] for i, e in cases.items() if not e.get("ran")}
    fixed_time = {c.id for c in load_limbo_cases() if c.validation_time is not None}
    assert fixed_time <= set(skipped)
    assert all(reason for reason in skipped.values())
    assert len(skipped) == len(fixed_time) + 3  # no peer name (1), a leaf OpenSSL will not serve (2)


def test_the_vendored_files_are_where_the_test_reads_them() -> None:
    for name in ("deviations.toml", "results/chromium.json", "limbo-server-webpki-rfc5280.json", "LICENSE"):
        assert Path(LIMBO_DIR / name).is_file(), name
