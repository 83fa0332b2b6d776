"""``login-doctor demo``: diagnose the local lab's scenarios and show the reports.

The demo is the product showing itself on any machine, offline: each scenario
starts loopback servers (DNS, HTTPS, proxy, portal) that reproduce one
situation, the real diagnosis runs against them, and the report is printed
with a header saying what was simulated and whether the diagnosis matched
what the scenario declares (its ``expect`` statuses and ``codes``). The same
scenarios are what the test suite asserts, so the demo shows what the tests
prove.

Usage::

    login-doctor demo                     healthy + every demo scenario
    login-doctor demo dns-nxdomain        one scenario
    login-doctor demo --list              names and descriptions
    login-doctor demo --format json       reports as JSON (one per line when several)
    login-doctor demo clock-ahead-6min --tui   one scenario in the terminal interface

Exit codes: 0 when every diagnosis matched its scenario, 1 otherwise, 2 for
bad usage (an unknown scenario name lists the known ones).

Nothing leaves loopback: a scenario's network is the lab's (its DNS server is
the "system" resolver, proxies from the environment are ignored) and no
third-party check plugins are loaded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from diagnose.environment import Environment, ExitStatus
from diagnose.frontend import PROG, CommandParser, suggest
from diagnose.lab.scenario import Scenario, all_scenarios, diagnose_scenario, scenario_diagnosis
from diagnose.model import Report, report_to_json
from diagnose.settings import UsageError
from diagnose.words import count

FORMATS = ("text", "markdown", "json")

CONCURRENCY = 6
"""Scenarios diagnosed at once. Most of a scenario's time is spent waiting on a
timeout (a dropped SYN, a silent DNS server), so running several together makes
the whole demo last about as long as its slowest scenario."""

FIRST = "healthy"
"""Shown first: what a working sign-in looks like, before the broken ones."""


def build_parser() -> CommandParser:
    p = CommandParser(
        prog=f"{PROG} demo",
        description="Start the local lab (loopback only, no network needed), diagnose its scenarios "
        "and print the reports. Without SCENARIO: the healthy scenario and every demo scenario.",
        epilog="Exit codes: 0 every diagnosis matched its scenario, 1 at least one did not, 2 usage error.",
    )
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="the scenario to run (see --list)")
    p.add_argument("--list", action="store_true", help="list the scenarios with what each simulates, and exit")
    p.add_argument("--format", default="text", metavar="FORMAT",
                   help="report format: text (default), markdown or json")
    p.add_argument("--timeout", default=None, metavar="SECONDS",
                   help="deadline of each scenario's run (default: the scenario's own)")
    p.add_argument("--tui", action="store_true",
                   help="open SCENARIO in the terminal interface, as a person would see it (needs a terminal)")
    return p


def main(argv: list[str], env: Environment) -> int:
    ns = build_parser().parse_args(argv)
    if ns.format not in FORMATS:
        raise UsageError(f"--format {ns.format!r}: choose one of {', '.join(FORMATS)}")
    timeout = _timeout(ns.timeout)
    scenarios = ordered(all_scenarios())
    if ns.list:
        env.stdout.write(listing(scenarios))
        return int(ExitStatus.OK)
    if ns.scenario is not None:
        chosen = [s for s in scenarios if s.name == ns.scenario]
        if not chosen:
            # 148 names do not fit the one line an error gets: the likely one, and where they all are.
            near = suggest(ns.scenario, (s.name for s in scenarios))
            hint = f"; did you mean `{near}`?" if near else ""
            raise UsageError(
                f"unknown scenario {ns.scenario!r}{hint} ({PROG} demo --list shows all {count(len(scenarios), 'scenario')})"
            )
    else:
        chosen = [s for s in scenarios if s.demo or s.name == FIRST]
    if ns.tui:
        return _tui(chosen, ns, timeout, env)
    return asyncio.run(_demo(chosen, ns.format, timeout, env))


def _tui(chosen: Sequence[Scenario], ns: Any, timeout: float | None, env: Environment) -> int:
    """``--tui``: one scenario, its lab and the TUI on the same event loop."""
    if ns.scenario is None:
        raise UsageError(f"--tui opens one scenario: name it, e.g. {PROG} demo {FIRST} --tui (see --list)")
    if ns.format != "text":
        raise UsageError("--tui shows the scenario in the terminal interface; leave out --format")
    if not (env.stdin_isatty and env.stdout_isatty):
        raise UsageError(f"--tui needs a terminal; without it, {PROG} demo {ns.scenario} prints the report")
    if env.open_tui is None:
        raise UsageError("the terminal interface is not available in this build")
    return asyncio.run(_open_in_tui(chosen[0], timeout, env))


async def _open_in_tui(s: Scenario, timeout: float | None, env: Environment) -> int:
    assert env.open_tui is not None
    async with scenario_diagnosis(s.name, timeout=timeout) as (diagnosis, _run):
        code = await env.open_tui(diagnosis, env)
    env.stderr.write(f"{PROG} demo: {s.name}: {s.description} Expected {expectation(s)}.\n")
    return code


def _timeout(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--timeout {text!r}: expected a number of seconds") from None
    if not 0 < value <= 3600:
        raise UsageError("--timeout must be more than 0 and at most 3600 seconds")
    return value


def ordered(scenarios: dict[str, Scenario]) -> list[Scenario]:
    """The healthy scenario first, then the others in the order their modules registered them."""
    return sorted(scenarios.values(), key=lambda s: s.name != FIRST)


def listing(scenarios: Sequence[Scenario]) -> str:
    """One line per scenario: name, area, expected diagnosis, and what it simulates."""
    width = max((len(s.name) for s in scenarios), default=0)
    lines = [f"{s.name:<{width}}  [{s.area or '-'}] {s.description} Expected: {expectation(s)}."
             for s in scenarios]
    return "\n".join(lines) + "\n"


def expectation(s: Scenario) -> str:
    """The scenario's declared diagnosis in a few words, e.g. ``connectivity fail (connectivity.dns_nxdomain)``."""
    statuses = ", ".join(f"{check} {status.value}" for check, status in s.expect.items()) or "no status declared"
    return f"{statuses} ({', '.join(s.codes)})" if s.codes else statuses


def mismatches(s: Scenario, report: Report) -> list[str]:
    """How ``report`` differs from what ``s`` declares (empty: the diagnosis matched)."""
    problems = []
    for check_id, status in s.expect.items():
        result = report.check(check_id)
        if result is None:
            problems.append(f"{check_id} did not run")
        elif result.status is not status:
            problems.append(f"{check_id} is {result.status.value}, expected {status.value}")
    found = {f.code for c in report.checks for f in c.findings}
    problems += [f"{code} not reported" for code in s.codes if code not in found]
    return problems


@dataclass
class _Outcome:
    scenario: Scenario
    report: Report | None
    problems: list[str]

    @property
    def matched(self) -> bool:
        return not self.problems


async def _demo(chosen: Sequence[Scenario], fmt: str, timeout: float | None, env: Environment) -> int:
    """Diagnose ``chosen`` (several at a time), printing each in order as soon as it is done."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(s: Scenario) -> _Outcome:
        async with gate:
            return await run_one(s, timeout)

    tasks = [asyncio.create_task(one(s), name=f"demo:{s.name}") for s in chosen]
    outcomes: list[_Outcome] = []
    try:
        for number, task in enumerate(tasks, 1):
            outcome = await task
            outcomes.append(outcome)
            show(outcome, number, len(chosen), fmt, env)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    matched = sum(o.matched for o in outcomes)
    summary = f"{PROG} demo: {matched} of {count(len(outcomes), 'scenario')} diagnosed as expected\n"
    (env.stderr if fmt == "json" else env.stdout).write(summary)
    return int(ExitStatus.OK if matched == len(outcomes) else ExitStatus.FAILED)


async def run_one(s: Scenario, timeout: float | None) -> _Outcome:
    """Diagnose one scenario; a lab that cannot start is a mismatch, not a crash of the demo."""
    try:
        result = await diagnose_scenario(s.name, timeout=timeout)
    except Exception as exc:
        return _Outcome(s, None, [f"the lab could not run it ({type(exc).__name__}: {exc})"])
    return _Outcome(s, result.report, mismatches(s, result.report))


def header(outcome: _Outcome, number: int, total: int) -> str:
    """One line: which scenario, what it simulates, what was expected and whether it matched."""
    s = outcome.scenario
    verdict = "as expected" if outcome.matched else "NOT as expected: " + "; ".join(outcome.problems)
    return f"[{number}/{total}] {s.name}: {s.description} Expected {expectation(s)}: {verdict}."


def show(outcome: _Outcome, number: int, total: int, fmt: str, env: Environment) -> None:
    from reports.render import render

    line = header(outcome, number, total)
    data: dict[str, Any] | None = report_to_json(outcome.report) if outcome.report is not None else None
    if fmt == "json":
        env.stderr.write(line + "\n")
        if data is not None:
            env.stdout.write(render(data, "json") if total == 1 else json.dumps(data, ensure_ascii=False) + "\n")
    else:
        env.stdout.write(("## " if fmt == "markdown" else "== ") + line + "\n\n")
        if data is not None:
            env.stdout.write(render(data, fmt, color=env.color) + "\n")
    env.stdout.flush()
