"""``login-doctor demo SCENARIO --tui``: the TUI on a lab scenario, driven like a person would.

For one failing scenario of each check that has lab scenarios, the real command
(``demo``, in-process) starts the lab, opens the TUI on the scenario's real
diagnosis and returns the exit code; only the terminal is Textual's pilot
(:attr:`Environment.open_tui` is the one thing replaced). Nothing leaves loopback:
the lab's own DNS, servers and time servers answer everything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from textual.widgets import Static

from diagnose.cli import run
from diagnose.environment import Environment, ExitStatus
from diagnose.lab.scenario import all_scenarios
from diagnose.model import Status
from diagnose.session import Diagnosis
from diagnose.tui.app import LoginDoctorApp, conclude
from diagnose.tui.widgets.checklist import ChecklistRow
from reports.labels import label
from tests.diagnose.tui.conftest import wait_for

FAILING = {
    "connectivity": "dns-nxdomain",
    "certificate": "certificate-expired",
    "clock": "clock-behind-95s",
    "redirects": "redirects-loop",
}
"""One failing scenario per check that has lab scenarios (url, har and browser have none)."""


@dataclass
class Seen:
    """What the person saw when the run was done."""

    statuses: dict[str, Status] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)
    result: str = ""
    address: str = ""


def pilot_terminal(seen: Seen) -> Any:
    async def open_tui(diagnosis: Diagnosis, env: Environment) -> int:
        app = LoginDoctorApp(diagnosis, autostart=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.report is not None and app.drawn, "the report", limit=60)
            assert app.report is not None
            seen.statuses = {c.id: c.status for c in app.report.checks}
            seen.rows = {
                r.row.key: str(r.query_one(".status", Static).render())
                for r in app.screen.query(ChecklistRow)
            }
            seen.result = str(app.screen.query_one("#result", Static).render())
            seen.address = app.main.address.value
            await pilot.press("q")
        return conclude(app, (), env)

    return open_tui


def terminal_env(seen: Seen) -> Environment:
    return Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),
                       stdin_isatty=True, stdout_isatty=True, stderr_isatty=True,
                       open_tui=pilot_terminal(seen))


@pytest.mark.parametrize(("check", "name"), FAILING.items(), ids=FAILING.keys())
def test_a_failing_scenario_of_each_check_in_the_tui(check: str, name: str) -> None:
    scenario = all_scenarios()[name]
    assert scenario.expect[check] is Status.FAIL
    seen = Seen()
    env = terminal_env(seen)
    code = run(["demo", name, "--tui"], env)
    stderr = env.stderr.getvalue()  # type: ignore[attr-defined]
    assert code == ExitStatus.FAILED, stderr
    assert seen.statuses[check] is Status.FAIL
    assert seen.address.startswith("https://")
    # the checklist items this check decides show it failed, in words and symbol
    from diagnose.checklist import load_checklist

    items = [i.id for i in load_checklist() if check in i.checks]
    assert items and all(seen.rows[i].startswith(label("fail")) for i in items), seen.rows
    assert seen.result.startswith(label("fail"))
    # after the TUI closes: the headless run's last line, then which scenario it was
    assert f"demo: {name}: {scenario.description}" in stderr
    assert "Expected " in stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--tui"], "--tui opens one scenario: name it"),
        (["demo", "dns-nxdomain", "--tui", "--format", "json"], "leave out --format"),
    ],
)
def test_tui_usage_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    env = terminal_env(Seen())
    assert run(args, env) == ExitStatus.USAGE
    stderr = env.stderr.getvalue()  # type: ignore[attr-defined]
    assert stderr.count("\n") == 1 and message in stderr


def test_tui_without_a_terminal_says_how_to_get_the_report() -> None:
    env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    assert run(["demo", "dns-nxdomain", "--tui"], env) == ExitStatus.USAGE
    stderr = env.stderr.getvalue()  # type: ignore[attr-defined]
    assert "--tui needs a terminal" in stderr and "demo dns-nxdomain prints the report" in stderr
