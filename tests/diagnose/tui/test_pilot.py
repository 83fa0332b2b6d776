"""The TUI driven like a person would, against real loopback servers from the lab.

Every run here is a real :class:`~diagnose.session.Diagnosis` through the
real runner and the real connectivity check, in the app's worker; only the
keys and clicks come from Textual's pilot.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Collapsible, Input, ListView, Static

from diagnose.environment import Environment, ExitStatus
from diagnose.frontend import exit_status, finish
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, all_scenarios
from diagnose.lab.servers import LabServer, black_hole, server_context
from diagnose.model import Status
from diagnose.tui.app import LoginDoctorApp, conclude
from diagnose.tui.export import export_formats
from diagnose.tui.rows import Phase
from diagnose.tui.screens.detail import DetailScreen
from diagnose.tui.screens.help import HelpScreen
from diagnose.tui.widgets.checklist import ChecklistRow
from reports.schema import validation_errors
from tests.diagnose.tui.conftest import lab_diagnosis, wait_for
from tests.diagnose.tui.fixed_run import JudgeUrl

HOST = f"app.{LAB_DOMAIN}"


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    async with Lab() as lab:
        yield lab


@pytest.fixture
async def healthy(lab: Lab) -> AsyncIterator[LabRun]:
    async with all_scenarios()["healthy"].factory(lab) as run:
        yield run


async def nxdomain_run(lab: Lab) -> LabRun:
    """The sign-in name does not exist while the vendor's other names resolve: connectivity fails."""
    dns = await lab.dns({HOST: "nxdomain", LAB_DOMAIN: ["127.0.0.1"], f"support.{LAB_DOMAIN}": ["127.0.0.1"]})
    return lab.run(f"https://{HOST}{SIGNIN_PATH}", dns=dns)


async def black_hole_run(lab: Lab) -> LabRun:
    """The server completes TLS and never answers: the run stays in progress until cancelled."""
    server = await lab.enter(LabServer(raw=black_hole, tls=server_context(lab.issue([HOST]))))
    dns = await lab.dns({HOST: ["127.0.0.1"]})
    return lab.run(f"https://{HOST}:{server.port}{SIGNIN_PATH}", dns=dns)


def row(app: LoginDoctorApp, key: str) -> ChecklistRow:
    return next(r for r in app.screen.query(ChecklistRow) if r.row.key == key)


def status_cell(app: LoginDoctorApp, key: str) -> str:
    return str(row(app, key).query_one(".status", Static).render())


def env() -> Environment:
    return Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),
                       stdin_isatty=False, stdout_isatty=False, stderr_isatty=False)


async def test_healthy_run_starts_at_once_and_passes(healthy: LabRun, tmp_path: Path) -> None:
    # Given an address from the command line (autostart) of a healthy service
    app = LoginDoctorApp(lab_diagnosis(healthy), autostart=True)
    async with app.run_test() as pilot:
        # When the run finishes
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report")
        # Then the connection item reads PASS in words and symbol, and nothing failed
        assert app.report is not None
        assert app.report.check("connectivity").status is Status.PASS  # type: ignore[union-attr]
        assert status_cell(app, "internet-connection") == "✔ PASS"
        # checks that are not part of the run are skipped, never passed
        assert status_cell(app, "secure-connection") == "– SKIPPED"
        assert status_cell(app, "credentials") == "☐ CHECK YOURSELF"
        result = str(app.screen.query_one("#result", Static).render())
        assert result.startswith("✔ PASS")
        assert "1 of 1 checks done" in str(app.screen.query_one("#progress", Static).render())
        await pilot.press("q")
    # And the exit code and -o files are those of a headless run of the same report
    out = tmp_path / "out.json"
    stream = env()
    code = conclude(app, [(out, "json")], stream)
    assert code == exit_status(app.report) == ExitStatus.OK
    assert validation_errors(json.loads(out.read_text())) == []
    assert "PASS" in stream.stderr.getvalue()  # type: ignore[attr-defined]


async def test_failing_run_shows_fail_and_exits_like_headless(lab: Lab, tmp_path: Path) -> None:
    run = await nxdomain_run(lab)
    app = LoginDoctorApp(lab_diagnosis(run), autostart=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report")
        assert status_cell(app, "internet-connection") == "✘ FAIL"
        assert row(app, "internet-connection").has_class("-fail")
        assert str(app.screen.query_one("#result", Static).render()).startswith("✘ FAIL")
        await pilot.press("q")
    assert app.report is not None
    codes = [f.code for f in app.report.check("connectivity").findings]  # type: ignore[union-attr]
    assert "connectivity.dns_nxdomain" in codes
    # the headless path: run the same diagnosis without the TUI and finish it as cli does
    headless = await lab_diagnosis(run).run()
    out_tui, out_headless = tmp_path / "tui.md", tmp_path / "headless.md"
    assert conclude(app, [(out_tui, "markdown")], env()) == finish(headless, None, [(out_headless, "markdown")], env())
    assert exit_status(app.report) == ExitStatus.FAILED
    assert out_tui.read_text().startswith("# Sign-in diagnosis: ")


async def test_item_details_advice_first_evidence_folded(lab: Lab) -> None:
    run = await nxdomain_run(lab)
    app = LoginDoctorApp(lab_diagnosis(run), autostart=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report")
        # When the person clicks the failed item (mouse)
        await pilot.click(row(app, "internet-connection"))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the item screen")
        screen = app.screen
        texts = [str(s.render()) for s in screen.query(Static) if s.display]
        assert app.report is not None
        said = next(i.advice for i in app.report.checklist if i.id == "internet-connection")
        assert said.startswith("The name app.atera-lab.test could not be found")  # from the decisive finding
        advice = next(i for i, t in enumerate(texts) if t.startswith(said[:60]))
        finding = next(i for i, t in enumerate(texts)
                       if i != advice and ("does not exist" in t or "NXDOMAIN" in t.upper()))
        # Then plain advice comes before the finding, and the evidence is folded away
        assert advice < finding
        folded = screen.query_one(Collapsible)
        assert folded.collapsed
        evidence = str(folded.query_one(".evidence", Static).render())
        assert "connectivity.dns_nxdomain" in evidence
        # Unfolding shows it (the title is focusable, so the keyboard reaches it); Escape goes back
        folded.query_one("CollapsibleTitle").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not folded.collapsed, "the evidence to unfold")
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)
        # A manual item shows its steps (keyboard this time)
        checklist = app.screen.query_one("#checklist", ListView)
        checklist.focus()
        keys = [r.row.key for r in app.screen.query(ChecklistRow)]
        for _ in range(keys.index("credentials") - (checklist.index or 0)):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the manual item")
        steps = str(app.screen.query_one(".steps", Static).render())
        assert steps.startswith("1. Check the email address")
        await pilot.press("q")


async def test_rerun_with_an_edited_address(healthy: LabRun, lab: Lab) -> None:
    app = LoginDoctorApp(lab_diagnosis(healthy), autostart=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the first report")
        first = app.report
        assert first is not None
        # r runs the same address again: a new report, same verdict
        await pilot.press("r")
        await wait_for(pilot, lambda: app.report not in (None, first) and app.drawn, "the second report")
        assert app.runs == 2
        assert app.report.report_id != first.report_id  # type: ignore[union-attr]
        assert status_cell(app, "internet-connection") == "✔ PASS"
        # an address edited in the field is diagnosed on the next run
        field = app.screen.query_one("#address", Input)
        field.value = f"https://nowhere.{LAB_DOMAIN}/users/login"
        second = app.report
        await pilot.press("r")
        await wait_for(pilot, lambda: app.report not in (None, second) and app.drawn, "the third report")
        assert app.report.target.host == f"nowhere.{LAB_DOMAIN}"  # type: ignore[union-attr]
        assert status_cell(app, "internet-connection") == "✘ FAIL"
        await pilot.press("q")


async def test_start_screen_waits_and_refuses_an_email_address(healthy: LabRun) -> None:
    # Given no address on the command line, nothing runs until the person asks
    # (Every wait is on the app's state, never on text on the screen: the verdict line is
    # written by a worker and a key press is handled over several messages, so under load
    # the text of a moment ago may still be there. Once the state is reached, the text is asserted.)
    app = LoginDoctorApp(lab_diagnosis(healthy), autostart=False)
    async with app.run_test() as pilot:
        field = app.screen.query_one("#address", Input)
        address = app.main.address
        await wait_for(pilot, lambda: app.ready and app.drawn and app.focused is not None, "the start screen")
        assert app.state.phase is Phase.IDLE and app.runs == 0
        assert field.has_focus and field.value == healthy.url
        assert status_cell(app, "internet-connection") == "· not run yet"
        # the url check judges the prefilled address as it stands (offline)
        await wait_for(pilot, lambda: address.judged == healthy.url, "the verdict on the prefilled address")
        verdict = app.screen.query_one("#verdict", Static)
        assert verdict.display and "official sign-in address" in str(verdict.render())
        # an email address is refused with the CLI's sentence, and no run starts
        field.value = "someone@example.com"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.refused == "someone@example.com", "the refusal")
        assert verdict.display and "looks like an email address" in str(verdict.render())
        assert app.runs == 0 and app.state.phase is Phase.IDLE
        # the profile's address runs on Enter, and the line under the field is about it at once
        field.value = healthy.url
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report")
        await wait_for(pilot, lambda: address.judged == healthy.url, "the verdict on the address run")
        assert app.refused is None and app.runs == 1
        assert "looks like an email address" not in str(verdict.render())  # judged anew: the official address
        assert "official sign-in address" in str(verdict.render())
        assert app.report.check("connectivity").status is Status.PASS  # type: ignore[union-attr]
        await pilot.press("q")


async def test_address_is_judged_as_typed_by_the_url_check(healthy: LabRun) -> None:
    app = LoginDoctorApp(lab_diagnosis(healthy), autostart=False, url_check=JudgeUrl)
    async with app.run_test() as pilot:
        verdict = app.screen.query_one("#verdict", Static)
        await wait_for(pilot, lambda: verdict.display, "the first verdict")
        assert str(verdict.render()).startswith("✔ PASS")
        field = app.screen.query_one("#address", Input)
        field.value = ""
        await pilot.press(*f"{HOST}.evil.example/login")
        await wait_for(pilot, lambda: "✘ FAIL" in str(verdict.render()), "the verdict on the edit")
        assert "not an official" in str(verdict.render())
        assert app.runs == 0  # judging is offline and never starts a run
        await pilot.press("ctrl+c")


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_cancel_mid_run_keeps_partial_results(lab: Lab, key: str, tmp_path: Path) -> None:
    run = await black_hole_run(lab)
    app = LoginDoctorApp(lab_diagnosis(run), autostart=True)
    async with app.run_test() as pilot:
        # Given a run stuck on a server that never answers
        await wait_for(pilot, lambda: "connectivity" in app.state.started and app.drawn, "the check to start")
        assert app.running and app.report is None
        assert status_cell(app, "internet-connection").endswith("checking…")
        # When the person presses q (or Ctrl-C)
        await pilot.press(key)
        await wait_for(pilot, lambda: app.report is not None, "the partial report")
    # Then the app closed with a report marked interrupted, and exits 130 like headless Ctrl-C
    report = app.report
    assert report is not None and report.interrupted
    assert report.check("connectivity").status is Status.ERROR
    out = tmp_path / "partial.json"
    assert conclude(app, [(out, "json")], env()) == ExitStatus.INTERRUPTED
    data = json.loads(out.read_text())
    assert data["interrupted"] is True and validation_errors(data) == []


async def test_stop_keeps_the_app_open(lab: Lab) -> None:
    run = await black_hole_run(lab)
    app = LoginDoctorApp(lab_diagnosis(run), autostart=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: "connectivity" in app.state.started and app.drawn, "the check to start")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the partial report")
        assert app.is_running and app.report.interrupted  # type: ignore[union-attr]
        assert status_cell(app, "internet-connection") == "? NOT DECIDED"
        assert "interrupted" in str(app.screen.query_one("#result", Static).render())
        # was: "1 of 1 checks done" for a check that was stopped
        assert "0 of 1 checks done · stopped" in str(app.screen.query_one("#progress", Static).render())
        await pilot.press("q")


async def test_export_writes_real_files_and_shows_paths(healthy: LabRun, tmp_path: Path) -> None:
    target = tmp_path / "reports"
    app = LoginDoctorApp(lab_diagnosis(healthy), autostart=True, export_dir=target)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.exports, "the export")
        shown = str(app.screen.query_one("#exports", Static).render())
        await pilot.press("q")
    suffixes = {p.suffix for p in app.exports}
    assert {".md", ".json"} <= suffixes
    assert ("html" in export_formats()) == (".html" in suffixes)
    assert f"saved in {target}:" in shown
    for path in app.exports:
        assert path.parent == target and path.stat().st_size > 0
        assert f"  {path.name}" in shown.splitlines()
    data = json.loads(next(p for p in app.exports if p.suffix == ".json").read_text())
    assert validation_errors(data) == []
    assert data["target"]["host"] == HOST
    assert HOST in next(p for p in app.exports if p.suffix == ".md").read_text()


async def test_export_into_an_unwritable_place_says_why(healthy: LabRun, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    app = LoginDoctorApp(lab_diagnosis(healthy), autostart=True, export_dir=blocker / "reports")
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report")
        await pilot.press("e")
        shown = app.screen.query_one("#exports", Static)
        await wait_for(pilot, lambda: "Export failed" in str(shown.render()), "the error line")
        assert app.exports == []
        await pilot.press("q")


async def test_copy_summary_clock_and_help(healthy: LabRun) -> None:
    app = LoginDoctorApp(lab_diagnosis(healthy), autostart=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report")
        await pilot.press("c")
        assert app.clipboard.startswith("login-doctor ")
        assert "✔ PASS  Your internet connection reaches the service" in app.clipboard
        # no clock check in this run: the reference clock says it was not measured
        await pilot.press("t")
        clock = app.screen.query_one("#refclock")
        assert clock.display
        assert "not measured" in str(clock.query_one("#refclock-text", Static).render())
        await pilot.press("t")
        assert not clock.display
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        theme = app.theme
        await pilot.press("d")
        assert app.theme != theme
        # q quits from the help screen too (a modal screen hides the app's plain keys)
        await pilot.press("question_mark", "q")
        await wait_for(pilot, lambda: not app.is_running, "the app to quit")


async def test_keys_that_need_a_report_do_nothing_before_one(healthy: LabRun, tmp_path: Path) -> None:
    app = LoginDoctorApp(lab_diagnosis(healthy), autostart=False, export_dir=tmp_path)
    async with app.run_test() as pilot:
        app.screen.query_one("#checklist").focus()
        await pilot.press("e", "c")
        assert app.exports == [] and list(tmp_path.iterdir()) == []
        assert app.clipboard == ""
        await pilot.press("q")
    # quitting before any run: no report, exit code 130, nothing written
    out = tmp_path / "never.json"
    assert conclude(app, [(out, "json")], env()) == ExitStatus.INTERRUPTED
    assert not out.exists()


async def test_an_engine_crash_is_shown_and_inconclusive(healthy: LabRun) -> None:
    # Given a network object the engine cannot describe (it fails after the checks ran)
    broken = dataclasses.replace(lab_diagnosis(healthy), net=object())  # type: ignore[arg-type]
    app = LoginDoctorApp(broken, autostart=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.failure != "" and app.drawn, "the failure")
        result = str(app.screen.query_one("#result", Static).render())
        assert result.startswith("? NOT DECIDED") and "AttributeError" in result
        assert status_cell(app, "internet-connection") == "? NOT DECIDED"
        await pilot.press("q")
    stream = env()
    assert conclude(app, [], stream) == ExitStatus.INCONCLUSIVE
    assert "internal error" in stream.stderr.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_export_announcement_never_covers_the_file_names(tmp_path: Path, size: tuple[int, int]) -> None:
    # was: the "3 report files saved" toast lay over the lines naming those files (and so did
    # the "summary copied" toast on c)
    from textual.widgets._toast import Toast

    from tests.diagnose.tui import fixed_run

    app = LoginDoctorApp(fixed_run.diagnosis(), autostart=False, export_dir=tmp_path / "reports")
    announced: list[str] = []
    notify = app.notify

    def record(message: str, **kwargs: object) -> None:  # what is announced, and then shown as usual
        announced.append(message)
        notify(message, **kwargs)  # type: ignore[arg-type]

    app.notify = record  # type: ignore[method-assign]
    async with app.run_test(size=size, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.ready, "the start screen")
        app.replay(fixed_run.events_done(fixed_run.HEALTHY, Status.PASS))
        await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report")
        await pilot.press("escape", "e")  # leave the address field, export
        await wait_for(pilot, lambda: app.exports and app.drawn, "the export")
        await pilot.press("c")
        await wait_for(pilot, lambda: "copied" in str(app.screen.query_one("#exports", Static).render()), "the note")
        # every announcement made is on the screen now (a toast appears one message later)
        await wait_for(pilot, lambda: len(app.screen.query(Toast)) >= len(announced), "the toasts")
        box = app.screen.query_one("#exports", Static)
        shown = str(box.render())
        assert f"{len(app.exports)} report files saved in {tmp_path / 'reports'}:" in shown
        assert all(f"  {path.name}" in shown.splitlines() for path in app.exports)
        toasts = [t.region for t in app.screen.query(Toast)]
        assert all(not toast.overlaps(box.region) for toast in toasts), (announced, toasts, box.region)
        await pilot.press("q")
