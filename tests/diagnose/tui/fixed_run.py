"""A fixed run for screenshots: fixed checks, fixed results, a fixed clock.

Snapshot tests must not depend on the network, the time of day or which
checks this build happens to ship, so they replay these engine events into
the app instead of running the engine. The check classes below only give the
plan its shape; :class:`JudgeUrl` is also a working offline address judge
(used to show the verdict line under the address). :func:`make_app` and
:func:`prepare` replay any run's events the same way (also the real lab runs of
:mod:`tests.diagnose.tui.scenario_runs`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar

from textual.pilot import Pilot
from textual.widgets import Input

from diagnose.check import Check, CheckContext, FindingSpec, Outcome
from diagnose.checklist import evaluate
from diagnose.events import CheckFinished, CheckStarted, Event, RunFinished, RunStarted
from diagnose.facts import ClockOffset
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH
from diagnose.model import CheckResult, Finding, Report, Severity, Status, Target
from diagnose.profiles import Profile, profile_from_mapping
from diagnose.registry import CheckInfo, Plan
from diagnose.session import Diagnosis
from diagnose.settings import Settings
from diagnose.tui.app import LoginDoctorApp

NOW = 1_795_000_000.0
"""2026-11-18 11:06:40 UTC: the fixed "device" time of every screenshot."""

URL = f"https://app.{LAB_DOMAIN}{SIGNIN_PATH}"


class FixedClock:
    """A device clock that never moves."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return 0.0


class JudgeUrl(Check):
    """Official when the host is the profile's domain or under it; offline."""

    id = "url"
    title = "The address is the official sign-in address"
    failure_title = "The address is not the official sign-in address"
    description = "Compares the host with the profile's official domains."
    findings: ClassVar[Mapping[str, FindingSpec]] = {
        "url.not_official": FindingSpec(
            Severity.CRITICAL,
            "{host} is not an official {vendor} address.",
            "Type the official address yourself.",
        )
    }

    async def run(self, ctx: CheckContext) -> Outcome:
        host = ctx.target.host
        if any(host == d or host.endswith("." + d) for d in ctx.profile.official_domains):
            return self.outcome(f"{host} is an official {ctx.profile.vendor} address.")
        return self.outcome(
            "Not an official address.",
            [self.finding("url.not_official", evidence={"host": host}, facts=ctx.profile.facts_for_messages())],
        )


def _check(check_id: str, title: str, failure_title: str, requires: tuple[str, ...] = ()) -> type[Check]:
    async def run(self: Check, ctx: CheckContext) -> Outcome:
        raise AssertionError("screenshot checks are replayed, never run")

    return type(
        f"Fixed{check_id.title()}",
        (Check,),
        {
            "id": check_id,
            "title": title,
            "failure_title": failure_title,
            "description": f"The {check_id} check (screenshot stand-in).",
            "requires": requires,
            "run": run,
        },
    )


CHECKS: tuple[type[Check], ...] = (
    JudgeUrl,
    _check("connectivity", "Your device reaches the sign-in service", "Your device does not reach the sign-in service"),
    _check("certificate", "The certificate is valid and trusted", "The certificate is not valid", ("connectivity",)),
    _check("clock", "Your device clock is in sync", "Your device clock is off"),
    _check("redirects", "The sign-in page loads without a loop", "The sign-in page loops", ("connectivity",)),
)


def profile() -> Profile:
    return profile_from_mapping(
        {
            "name": "atera-lab",
            "vendor": "Atera (lab)",
            "default_url": URL,
            "official_domains": [LAB_DOMAIN],
            "signin_urls": [URL],
            "support_url": f"https://support.{LAB_DOMAIN}",
            "advice": {"credentials": "The lab locks an account for 15 minutes after 5 failed attempts."},
        },
        origin="screenshots",
    )


def diagnosis() -> Diagnosis:
    plan = Plan(tuple(CheckInfo(cls, "built-in") for cls in CHECKS))
    return Diagnosis(
        target=Target(URL, URL, f"app.{LAB_DOMAIN}"),
        profile=profile(),
        plan=plan,
        settings=Settings(),
        clock=FixedClock(),
    )


def _result(check_id: str, status: Status, summary: str, ms: int, **kw: object) -> CheckResult:
    title = next(c for c in CHECKS if c.id == check_id).result_title(status)
    return CheckResult(id=check_id, title=title, status=status, summary=summary, duration_ms=ms, **kw)  # type: ignore[arg-type]


NXDOMAIN = Finding(
    code="connectivity.dns_nxdomain",
    severity=Severity.CRITICAL,
    message=f"The name app.{LAB_DOMAIN} does not exist according to your DNS resolver, while other names resolve.",
    remediation="Check the address for typos; if it is right, your network's DNS is blocking it: try another network.",
    evidence={"host": f"app.{LAB_DOMAIN}", "resolver": "system (lab dns 53000)", "rcode": "NXDOMAIN"},
)

HEALTHY = (
    _result("url", Status.PASS, f"app.{LAB_DOMAIN} is an official Atera (lab) address.", 1),
    _result("connectivity", Status.PASS, f"app.{LAB_DOMAIN} is reachable: the sign-in page answered 200 OK.", 38),
    _result("certificate", Status.PASS, "The certificate is valid for 89 more days and trusted.", 12),
    _result("clock", Status.PASS, "Your clock is 0.2 s ahead of the time server: fine.", 51, details={"offset_s": 0.2},
            facts=(ClockOffset(0.2, 0.01, "ntp"),)),
    _result("redirects", Status.PASS, "The sign-in page loads after 1 redirect; cookies are accepted.", 20),
)

FAILING = (
    HEALTHY[0],
    _result(
        "connectivity", Status.FAIL, f"app.{LAB_DOMAIN} does not resolve (NXDOMAIN).", 9,
        findings=(NXDOMAIN,), details={"dns": {"system": "NXDOMAIN"}},
    ),
    _result("certificate", Status.SKIP, "Skipped because the connectivity check did not pass (fail).", 0),
    _result("clock", Status.WARN, "Your clock is 42.0 s ahead of the time server.", 51, details={"offset_s": 42.0},
            facts=(ClockOffset(42.0, 0.01, "ntp"),)),
    _result("redirects", Status.SKIP, "Skipped because the connectivity check did not pass (fail).", 0),
)


def report(results: tuple[CheckResult, ...], status: Status, *, interrupted: bool = False) -> Report:
    return Report(
        tool_version="0.0-test",
        report_id="00000000-0000-4000-8000-000000000000",
        profile="atera-lab",
        target=Target(URL, URL, f"app.{LAB_DOMAIN}"),
        started_at="2026-11-17T08:26:40Z",
        duration_ms=120,
        status=status,
        checks=results,
        checklist=evaluate(results, profile()),
        environment={"os": "Linux", "python": "3.11"},
        interrupted=interrupted,
    )


def started() -> RunStarted:
    return RunStarted(Target(URL, URL, f"app.{LAB_DOMAIN}"), tuple(c.id for c in CHECKS), tuple(c.title for c in CHECKS))


def events_done(results: tuple[CheckResult, ...], status: Status) -> list[Event]:
    """A whole run: started, each check started and finished, the report."""
    return run_events(report(results, status), {c.id: c.title for c in CHECKS})


def run_events(done: Report, titles: Mapping[str, str]) -> list[Event]:
    """The events of the run that produced ``done``: started (``titles``: each planned check's title),
    each check started and finished in the report's order, the report."""
    ids = tuple(c.id for c in done.checks)
    out: list[Event] = [RunStarted(done.target, ids, tuple(titles[i] for i in ids))]
    for n, result in enumerate(done.checks, 1):
        out.append(CheckStarted(result.id, result.title))
        out.append(CheckFinished(result, n, len(done.checks)))
    out.append(RunFinished(done))
    return out


def events_running() -> list[Event]:
    """Mid-run: url done, connectivity and clock running, the rest waiting."""
    return [
        started(),
        CheckStarted("url", JudgeUrl.title),
        CheckFinished(HEALTHY[0], 1, 5),
        CheckStarted("connectivity", CHECKS[1].title),
        CheckStarted("clock", CHECKS[3].title),
    ]


# ----------------------------------------------------------------------------- the app, replayed


def make_app(diagnosis_: Diagnosis | None = None, theme: str = "textual-dark") -> LoginDoctorApp:
    """The app for a screenshot: ``diagnosis_`` (default: this module's fixed one), nothing animated."""
    app = LoginDoctorApp(diagnosis_ or diagnosis(), autostart=False)
    app.animation_level = "none"
    app.theme = theme
    return app


def prepare(events: Sequence[Event] = (), *, focus_list: bool = True) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Replay ``events``, then wait until the app is quiet (verdict judged, messages handled)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, LoginDoctorApp)
        while not app.ready:
            await pilot.pause()
        for field in app.screen.query(Input):
            field.cursor_blink = False
        app.replay(events)
        await pilot.pause()
        await app.workers.wait_for_complete()
        while not app.drawn:
            await pilot.pause()
        if focus_list:
            app.main.checklist.focus()
            await pilot.pause()

    return run_before
