"""The runner: concurrency, dependencies, timeouts, deadline, crashes, cancellation."""

from __future__ import annotations

import asyncio
from importlib.metadata import EntryPoint

from diagnose.events import CheckFinished, CheckStarted, Event, RunFinished, RunStarted
from diagnose.model import Report, Status, Target, report_to_json
from diagnose.net import Net
from diagnose.profiles import load_profile
from diagnose.registry import discover
from diagnose.session import Diagnosis
from diagnose.settings import Settings
from reports.schema import validation_errors


def _ep(name: str) -> EntryPoint:
    cls = {"alpha": "Alpha", "beta": "Beta", "needs_alpha": "NeedsAlpha", "crashes": "Crashes",
           "slow": "Slow", "forever": "Forever", "manualish": "Manual", "reads_alpha_later": "ReadsAlphaLater",
           "needs_reader": "NeedsReader", "alpha_reads_later": "AlphaReadsNeedsReader",
           "judges_alpha": "JudgesAlpha", "mutual_one": "MutualOne", "mutual_two": "MutualTwo",
           "reconcile_crashes": "ReconcileCrashes"}[name]
    return EntryPoint(name=name, value=f"tests.diagnose.fake_checks:{cls}", group="login_doctor.checks")


def _diagnosis(names: list[str], host: str = "good.test", timeout: float = 10, skip: tuple[str, ...] = ()) -> Diagnosis:
    registry = discover(plugins=False, extra=[_ep(n) for n in names])
    plan = registry.plan([n for n in names if n not in skip], skip)
    return Diagnosis(
        target=Target(f"https://{host}/", f"https://{host}/", host),
        profile=load_profile("atera"),
        plan=plan,
        settings=Settings(timeout=timeout),
        net=Net(Settings(timeout=timeout), proxy_env={}),
        warnings=registry.warnings,
    )


async def _run(d: Diagnosis) -> tuple[Report, list[Event]]:
    events: list[Event] = []
    report = await d.run(events.append)
    assert validation_errors(report_to_json(report)) == []
    return report, events


async def test_independent_checks_run_concurrently() -> None:
    # Given two checks that do not depend on each other
    report, events = await _run(_diagnosis(["alpha", "beta"]))
    # Then both start before either finishes
    kinds = [(type(e).__name__, getattr(e, "check_id", None) or getattr(getattr(e, "result", None), "id", None))
             for e in events if isinstance(e, (CheckStarted, CheckFinished))]
    assert kinds[:2] == [("CheckStarted", "alpha"), ("CheckStarted", "beta")]
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    assert [c.status for c in report.checks] == [Status.PASS, Status.PASS]
    assert report.status is Status.PASS


async def test_dependant_runs_after_dependency_and_sees_only_declared_results() -> None:
    report, _ = await _run(_diagnosis(["alpha", "beta", "needs_alpha"]))
    needs = report.check("needs_alpha")
    assert needs is not None and needs.status is Status.PASS
    assert needs.summary == "alpha said pass"
    assert needs.details["saw"] == ["alpha"]


async def test_dependant_of_failed_check_is_skipped_with_reason() -> None:
    report, _ = await _run(_diagnosis(["alpha", "needs_alpha"], host="bad.test"))
    alpha, needs = report.check("alpha"), report.check("needs_alpha")
    assert alpha is not None and alpha.status is Status.FAIL
    assert alpha.title == "Alpha does not work"  # failure title when it fails
    assert alpha.findings[0].message == "Alpha is broken on bad.test."
    assert needs is not None and needs.status is Status.SKIP
    assert "alpha" in needs.summary and "fail" in needs.summary
    assert report.status is Status.FAIL


async def test_crash_is_an_error_for_that_check_only_and_is_redacted() -> None:
    report, _ = await _run(_diagnosis(["alpha", "crashes"]))
    crashed = report.check("crashes")
    assert crashed is not None and crashed.status is Status.ERROR
    assert crashed.details["exception"] == "RuntimeError"
    assert "SECRET123456" not in str(report_to_json(report))
    alpha = report.check("alpha")
    assert alpha is not None and alpha.status is Status.PASS
    assert report.status is Status.ERROR


async def test_check_timeout_is_an_error() -> None:
    report, _ = await _run(_diagnosis(["slow", "beta"]))
    slow = report.check("slow")
    assert slow is not None and slow.status is Status.ERROR
    assert slow.details["error"] == "timeout"


async def test_deadline_returns_report_with_what_finished() -> None:
    report, _ = await _run(_diagnosis(["beta", "forever"], timeout=0.8))
    beta, forever = report.check("beta"), report.check("forever")
    assert beta is not None and beta.status is Status.PASS
    assert forever is not None and forever.status is Status.ERROR
    assert forever.details["error"] == "cut off by the run's deadline"
    assert any("time limit" in w for w in report.warnings)
    assert not report.interrupted


async def test_cancelled_run_still_returns_partial_report() -> None:
    d = _diagnosis(["beta", "forever"], timeout=30)
    finished = asyncio.Event()

    def on_event(event: Event) -> None:
        if isinstance(event, CheckFinished) and event.result.id == "beta":
            finished.set()

    task = asyncio.create_task(d.run(on_event))
    await finished.wait()
    task.cancel()
    report = await task
    assert report.interrupted
    beta, forever = report.check("beta"), report.check("forever")
    assert beta is not None and beta.status is Status.PASS
    assert forever is not None and forever.status is Status.ERROR
    assert validation_errors(report_to_json(report)) == []


async def test_skip_of_required_dependency_skips_dependant() -> None:
    report, _ = await _run(_diagnosis(["alpha", "needs_alpha"], skip=("alpha",)))
    assert report.check("alpha") is None
    needs = report.check("needs_alpha")
    assert needs is not None and needs.status is Status.SKIP
    assert "left out" in needs.summary
    # Nothing decided: the run reads as skipped (never passed, and nothing errored).
    assert report.status is Status.SKIP


async def test_explicit_status_is_kept() -> None:
    report, _ = await _run(_diagnosis(["manualish"]))
    manual = report.check("manualish")
    assert manual is not None and manual.status is Status.MANUAL


async def test_a_check_reading_another_later_starts_at_once_and_reads_it_at_its_end() -> None:
    report, events = await _run(_diagnosis(["alpha", "reads_alpha_later"]))
    started = [e.check_id for e in events if isinstance(e, CheckStarted)]
    first_finished = next(i for i, e in enumerate(events) if isinstance(e, CheckFinished))
    assert started == ["alpha", "reads_alpha_later"]  # both started before anything finished
    assert all(isinstance(e, (RunStarted, CheckStarted)) for e in events[:first_finished])
    reader = report.check("reads_alpha_later")
    assert reader is not None and reader.summary == "alpha said pass"
    assert reader.details["saw_at_start"] == [] and reader.details["not_finished"] == []


async def test_reading_later_stops_waiting_at_the_checks_deadline() -> None:
    from tests.diagnose.fake_checks import Alpha

    slow_alpha = Alpha.delay
    Alpha.delay = 3.0  # longer than the reader's 1 s timeout
    try:
        report, _ = await _run(_diagnosis(["alpha", "reads_alpha_later"]))
    finally:
        Alpha.delay = slow_alpha
    reader = report.check("reads_alpha_later")
    assert reader is not None and reader.status is Status.PASS, reader
    assert reader.summary == "alpha said nothing" and reader.details["not_finished"] == ["alpha"]


async def test_reading_later_without_the_other_check_in_the_run() -> None:
    report, _ = await _run(_diagnosis(["reads_alpha_later"]))
    reader = report.check("reads_alpha_later")
    assert reader is not None and reader.summary == "alpha said nothing"
    assert reader.details["not_finished"] == []


async def test_reading_later_never_waits_for_a_check_that_waits_for_this_one() -> None:
    # alpha (reads needs_reader later) <- needs_reader (optional: reads_alpha_later) <- reads_alpha_later
    # (reads alpha later): a circle, so neither reader waits, or all three would sit until the deadline.
    registry = discover(plugins=False, extra=[
        EntryPoint(name="alpha", value="tests.diagnose.fake_checks:AlphaReadsNeedsReader",
                   group="login_doctor.checks"),
        _ep("reads_alpha_later"), _ep("needs_reader"),
    ])
    diagnosis = Diagnosis(
        target=Target("https://good.test/", "https://good.test/", "good.test"), profile=load_profile("atera"),
        plan=registry.plan(["alpha", "reads_alpha_later", "needs_reader"]), settings=Settings(timeout=10),
        net=Net(Settings(timeout=10), proxy_env={}), warnings=registry.warnings,
    )
    report, _ = await _run(diagnosis)
    alpha, reader = report.check("alpha"), report.check("reads_alpha_later")
    assert alpha is not None and alpha.summary == "needs_reader said nothing"
    assert reader is not None and reader.summary == "alpha said nothing"
    assert reader.details["not_finished"] == []  # not waited for at all, not waited out
    assert report.duration_ms < 1000


# ------------------------------------------------------------------ reconciling at the end


async def test_a_reconciling_check_does_not_wait_and_is_rejudged_at_the_end() -> None:
    d = _diagnosis(["alpha", "judges_alpha"], host="bad.test")
    report, events = await _run(d)
    finished = [e for e in events if isinstance(e, CheckFinished)]
    # judges_alpha finished on its own first (alpha sleeps 0.2 s), then was revised once alpha had failed.
    assert [(e.result.id, e.result.status, e.revised) for e in finished] == [
        ("judges_alpha", Status.PASS, False), ("alpha", Status.FAIL, False), ("judges_alpha", Status.FAIL, True)]
    judge = report.check("judges_alpha")
    assert judge is not None and judge.status is Status.FAIL and judge.summary == "Broken because alpha is."
    assert [f.code for f in judge.findings] == ["judges_alpha.because_alpha"]
    assert judge.details["saw_at_start"] == [] and judge.details["others"] == ["alpha"]
    assert judge.title == "Judges alpha (failed)" and judge.duration_ms < 150
    assert finished[-1].done == finished[-1].total == 2


async def test_a_reconciliation_that_keeps_the_result_emits_nothing_more() -> None:
    report, events = await _run(_diagnosis(["alpha", "judges_alpha"]))
    assert [e.result.id for e in events if isinstance(e, CheckFinished)] == ["judges_alpha", "alpha"]
    judge = report.check("judges_alpha")
    assert judge is not None and judge.status is Status.PASS and judge.summary == "Fine on my own."


async def test_reconcile_is_asked_even_when_the_other_check_is_not_in_the_run() -> None:
    report, _ = await _run(_diagnosis(["judges_alpha"]))
    judge = report.check("judges_alpha")
    assert judge is not None and judge.summary == "Fine on my own; alpha did not take part."


async def test_mutual_reconciliations_each_see_the_others_own_result() -> None:
    report, _ = await _run(_diagnosis(["mutual_one", "mutual_two"]))
    one, two = report.check("mutual_one"), report.check("mutual_two")
    assert one is not None and one.summary == "one saw [two: own]"
    assert two is not None and two.summary == "two saw [one: own]"


async def test_a_crash_while_reconciling_is_an_error_for_that_check_only() -> None:
    report, _ = await _run(_diagnosis(["alpha", "reconcile_crashes"]))
    crashed, alpha = report.check("reconcile_crashes"), report.check("alpha")
    assert crashed is not None and crashed.status is Status.ERROR
    assert "ZeroDivisionError" in crashed.summary and crashed.details["error"] == "reconcile"
    assert alpha is not None and alpha.status is Status.PASS
