"""The TUI's Textual-free logic: rows and their states, export, summary, reference clock, judging."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from diagnose import events
from diagnose.check import Check, CheckContext, Outcome
from diagnose.checklist import load_checklist
from diagnose.model import CheckResult, Finding, Severity, Status
from diagnose.registry import CheckInfo, Plan, discover
from diagnose.tui import messages
from diagnose.tui.export import export_formats, export_report, file_stem
from diagnose.tui.judge import find_url_check, judge_address
from diagnose.tui.refclock import describe_offset, measured_offset, true_time
from diagnose.tui.rows import EXTRA_ROW_PREFIX, Activity, Phase, RunState, build_rows
from diagnose.tui.summary import short_summary
from diagnose.tui.widgets.checklist import status_text
from reports.schema import validation_errors
from tests.diagnose.tui import fixed_run


class Hello(Check):
    """A plugin check that no checklist item names."""

    id = "hello"
    title = "The sign-in page says hello"
    failure_title = "The sign-in page does not say hello"
    description = "A plugin."

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("Hello.")


def plan_with(*extra: type[Check]) -> Plan:
    return Plan(tuple(CheckInfo(c, "built-in") for c in (*fixed_run.CHECKS, *extra)))


def state() -> RunState:
    return RunState(build_rows(plan_with(), fixed_run.profile()))


def test_rows_follow_the_checklist_then_checks_no_item_names() -> None:
    rows = build_rows(plan_with(Hello), fixed_run.profile())
    assert [r.key for r in rows] == [i.id for i in load_checklist()] + [f"{EXTRA_ROW_PREFIX}hello"]
    assert rows[-1].checks == ("hello",) and rows[-1].title == Hello.title
    # the profile's vendor facts are part of the advice, as in a report
    credentials = next(r for r in rows if r.key == "credentials")
    assert credentials.manual and "15 minutes" in credentials.advice and credentials.steps


def test_a_row_waits_spins_and_is_decided_by_the_worst_of_its_checks() -> None:
    s = state()
    official = s.row("official-address")  # url, and findings of certificate and redirects
    assert official is not None
    assert s.view(official).activity is Activity.IDLE
    s.begin(fixed_run.started().check_ids, fixed_run.started().titles)
    assert s.view(official).activity is Activity.WAITING
    s.check_started("url")
    assert s.view(official).activity is Activity.RUNNING
    s.check_finished(fixed_run.HEALTHY[0])
    assert s.view(official).activity is Activity.RUNNING  # certificate still to come
    s.check_finished(fixed_run.FAILING[2])  # certificate skipped
    assert s.view(official).activity is Activity.RUNNING  # redirects (a sign-in that leaves) still to come
    s.check_finished(fixed_run.HEALTHY[4])
    view = s.view(official)
    assert (view.activity, view.status) == (Activity.DONE, Status.PASS)  # decided as the report will
    assert s.progress == (3, 5)


def test_manual_rows_are_manual_and_absent_checks_are_skipped_never_passed() -> None:
    s = RunState(build_rows(Plan((CheckInfo(fixed_run.CHECKS[1], "built-in"),)), fixed_run.profile()))
    s.begin(["connectivity"], ["c"])
    assert s.view(s.rows[-1]).status is Status.MANUAL  # sessions
    secure = s.row("secure-connection")
    assert secure is not None and s.view(secure).status is Status.SKIP


def test_the_report_is_authoritative_and_a_crashed_run_is_not_decided() -> None:
    s = state()
    s.begin(fixed_run.started().check_ids, fixed_run.started().titles)
    report = fixed_run.report(fixed_run.FAILING, Status.FAIL)
    s.finish(report)
    for item in report.checklist:
        row = s.row(item.id)
        assert row is not None
        assert (s.view(row).status, s.view(row).advice) == (item.status, item.advice)
    s.begin(["connectivity"], ["c"])
    s.check_started("connectivity")
    s.fail("internal error (RuntimeError: boom)")
    internet = s.row("internet-connection")
    assert internet is not None
    assert s.phase is Phase.DONE and s.view(internet).status is Status.ERROR


@pytest.mark.parametrize("status", list(Status))
def test_every_status_reads_without_colour(status: Status) -> None:
    from diagnose.tui.rows import RowView

    text = status_text(RowView(Activity.DONE, status, ""))
    word = text.split(" ", 1)[1]
    assert word.isupper() and len(word) >= 4
    assert text[0] not in " ·"  # a symbol as well


def test_export_writes_every_available_format_atomically(tmp_path: Path) -> None:
    report = fixed_run.report(fixed_run.FAILING, Status.FAIL)
    paths = export_report(report, tmp_path / "new" / "dir")
    assert [p.suffix for p in paths] == [
        {"markdown": ".md", "html": ".html", "json": ".json"}[f] for f in export_formats()
    ]
    assert all(p.name.startswith(file_stem(report)) for p in paths)
    assert file_stem(report) == "login-doctor-20261117-082640-00000000"
    data = json.loads(next(p for p in paths if p.suffix == ".json").read_text())
    assert validation_errors(data) == []
    assert not [p for p in (tmp_path / "new" / "dir").iterdir() if p.name.endswith(".tmp")]


def test_summary_names_items_and_codes_but_no_evidence() -> None:
    secret = Finding("connectivity.dns_nxdomain", Severity.HIGH, "No such name.", "Fix it.", {"cookie": "s3cr3t"})
    results = (*fixed_run.FAILING[:1], CheckResult("connectivity", "t", Status.FAIL, "No.", 1, findings=(secret,)))
    text = short_summary(fixed_run.report(results, Status.FAIL))
    assert "Result: ✘ FAIL" in text
    assert "✘ FAIL  Your internet connection reaches the service" in text
    assert "connectivity: connectivity.dns_nxdomain" in text
    assert "s3cr3t" not in text


def test_reference_clock_uses_the_measured_offset_only() -> None:
    healthy = fixed_run.report(fixed_run.HEALTHY, Status.PASS)
    assert measured_offset(healthy) == 0.2
    assert measured_offset(None) is None
    for bad in ({}, {"offset_s": True}, {"offset_s": math.nan}, {"offset_s": "2"}):
        clock = CheckResult("clock", "t", Status.PASS, "", 1, details=bad)
        assert measured_offset(fixed_run.report((clock,), Status.PASS)) is None
    assert measured_offset(fixed_run.report(fixed_run.HEALTHY[:3], Status.PASS)) is None
    # device 42 s ahead: the true time is 42 s earlier than the device's
    assert true_time(fixed_run.NOW, 42.0).astimezone(UTC) == datetime.fromtimestamp(fixed_run.NOW - 42, UTC)
    assert describe_offset(42.0) == "Your device clock is 42.0 seconds ahead of it."
    assert describe_offset(-600) == "Your device clock is 10 minutes behind it."
    assert describe_offset(0.3) == "Your device clock is in step with it."


async def test_judge_runs_the_url_check_offline() -> None:
    kw = {"check": fixed_run.JudgeUrl, "profile": fixed_run.profile(), "clock": fixed_run.FixedClock()}
    ok = await judge_address(fixed_run.URL, **kw)  # type: ignore[arg-type]
    assert ok is not None and ok.status is Status.PASS
    bad = await judge_address("https://app.atera-lab.test.evil.example/", **kw)  # type: ignore[arg-type]
    assert bad is not None and bad.status is Status.FAIL and "not an official" in bad.text
    email = await judge_address("someone@example.com", **kw)  # type: ignore[arg-type]
    assert email is not None and "email address" in email.text


async def test_a_crashing_judge_shows_nothing() -> None:
    class Broken(fixed_run.JudgeUrl):
        async def run(self, ctx: CheckContext) -> Outcome:
            raise RuntimeError("bug")

    verdict = await judge_address(fixed_run.URL, check=Broken, profile=fixed_run.profile(), clock=fixed_run.FixedClock())
    assert verdict is None


def test_the_url_check_comes_from_the_run_else_the_registry() -> None:
    assert find_url_check(plan_with()) is fixed_run.JudgeUrl
    builtin = discover(plugins=False).checks.get("url")
    assert find_url_check(Plan(())) is (builtin.cls if builtin else None)


def test_every_engine_event_becomes_its_message() -> None:
    report = fixed_run.report(fixed_run.HEALTHY, Status.PASS)
    pairs: list[tuple[events.Event, type[messages.EngineMessage]]] = [
        (fixed_run.started(), messages.RunStarted),
        (events.CheckStarted("url", "t"), messages.CheckStarted),
        (events.CheckFinished(fixed_run.HEALTHY[0], 1, 5), messages.CheckFinished),
        (events.RunFinished(report), messages.RunFinished),
    ]
    for event, kind in pairs:
        message = messages.message_for(event, 7)
        assert isinstance(message, kind) and message.run_id == 7 and message.event is event  # type: ignore[attr-defined]


def test_after_a_stop_the_progress_counts_only_the_checks_that_finished() -> None:
    # was: "5 of 5 checks done" after a stop, because the runner's "could not decide"
    # stand-ins for the unfinished checks were counted as done
    from dataclasses import replace

    s = state()
    s.begin(fixed_run.started().check_ids, fixed_run.started().titles)
    finished = fixed_run.HEALTHY[:2]
    stood_in = tuple(
        replace(r, status=Status.ERROR, summary="The run was interrupted before this check finished.",
                details={"error": "interrupted"})
        for r in fixed_run.HEALTHY[2:]
    )
    s.finish(fixed_run.report(finished + stood_in, Status.ERROR, interrupted=True))
    assert s.progress == (2, 5)
    assert s.ended_early == "stopped"


def test_a_run_cut_by_its_deadline_says_so_and_a_whole_run_says_nothing() -> None:
    from dataclasses import replace

    s = state()
    s.begin(fixed_run.started().check_ids, fixed_run.started().titles)
    late = replace(fixed_run.HEALTHY[4], status=Status.ERROR, details={"error": "deadline"})
    s.finish(fixed_run.report((*fixed_run.HEALTHY[:4], late), Status.ERROR))
    assert s.progress == (4, 5) and s.ended_early == "time limit reached"
    s.begin(fixed_run.started().check_ids, fixed_run.started().titles)
    s.finish(fixed_run.report(fixed_run.HEALTHY, Status.PASS))
    assert s.progress == (5, 5) and s.ended_early == ""
