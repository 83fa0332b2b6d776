"""The report's status: one rule (diagnose.model.report_status) for the session, har, render and summarize."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from diagnose.environment import ExitStatus
from diagnose.frontend import exit_status
from diagnose.lab.scenario import diagnose_scenario
from diagnose.model import Status, report_status
from tests.conftest import ROOT, CliResult

P, W, F, S, E, M = Status.PASS, Status.WARN, Status.FAIL, Status.SKIP, Status.ERROR, Status.MANUAL


@pytest.mark.parametrize(
    ("statuses", "interrupted", "expected"),
    [
        ([P, P], False, P),
        ([P, W], False, W),
        ([W, E], False, E),  # not deciding outranks a warning: it may hide a failure
        ([E, F], False, F),
        ([P, S], False, P),
        ([S, S], False, S),  # nothing decided, nothing went wrong
        ([], False, S),
        ([M, S], False, S),
        ([P, P], True, E),  # interrupted: never better than "not decided"
        ([S], True, E),
        ([F, S], True, F),  # a failure found stays a failure
        ([P, "unknown"], False, E),  # a newer report's status this version does not know
    ],
)
def test_report_status(statuses: list[Any], interrupted: bool, expected: Status) -> None:
    assert report_status(statuses, interrupted=interrupted) is expected


def test_a_scenario_whose_only_check_is_skipped_ends_skip_not_error() -> None:
    report = asyncio.run(diagnose_scenario("clock-offline")).report
    assert [c.status for c in report.checks] == [Status.SKIP]
    assert report.status is Status.SKIP
    assert exit_status(report) is ExitStatus.INCONCLUSIVE  # nothing decided: never read as OK


def _all_skipped(old_status: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "tests" / "reports" / "fixtures" / "all_pass.json").read_text("utf-8"))
    data = copy.deepcopy(data)
    for check in data["checks"]:
        check["status"], check["findings"] = "skip", []
    data["status"] = old_status  # what an older login-doctor wrote for such a run
    return data


def test_render_and_summarize_apply_the_same_rule(tmp_path: Path, cli: Callable[[list[str]], CliResult]) -> None:
    saved = tmp_path / "old.json"
    saved.write_text(json.dumps(_all_skipped("error")), "utf-8")
    text = cli(["render", str(saved), "--format", "text"])
    assert text.code == 0, text.stderr
    assert "Result: – SKIPPED" in text.stdout and "Nothing was decided" in text.stdout
    junit = cli(["render", str(saved), "--format", "junit"])
    assert '<property name="status" value="skip"' in junit.stdout
    html = cli(["render", str(saved), "--format", "html"])
    assert "Nothing was decided" in html.stdout
    summary = cli(["summarize", str(saved), "--format", "json"])
    assert json.loads(summary.stdout)["status"] == {"pass": 0, "warn": 0, "fail": 0, "error": 0, "skip": 1}


def test_a_skip_report_validates_against_the_schema() -> None:
    from reports.schema import validation_errors

    assert validation_errors(_all_skipped("skip")) == []
