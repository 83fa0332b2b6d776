"""One diagnosis from start to report, shared by the headless CLI, the TUI and the lab.

``plan → runner → checklist → Report``: this module wires the engine together
and knows nothing about how the result is shown.
"""

from __future__ import annotations

import asyncio
import platform
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from diagnose import __version__
from diagnose.check import CheckContext, Clock, SystemClock
from diagnose.deadline import Deadline
from diagnose.events import RunFinished, RunStarted
from diagnose.facts import OutOfTime
from diagnose.inputs.target import sign_in_target
from diagnose.model import CheckResult, Report, Target, overall_status
from diagnose.net import Net
from diagnose.profiles import Profile
from diagnose.redact import Redactor, without_home
from diagnose.registry import Plan
from diagnose.runner import EventSink, run_plan
from diagnose.settings import Settings

MAX_NOTE = 2000
"""Characters of ``--note`` kept in the report (a note, not an attachment)."""


def make_target(text: str | None, profile: Profile) -> Target:
    """Turn what the person typed into the address the checks will visit (the profile's
    sign-in address when nothing was typed); see :func:`diagnose.inputs.target.sign_in_target`."""
    return sign_in_target(text, profile.default_url)


@dataclass
class Diagnosis:
    """Everything one run needs; :meth:`run` produces the :class:`Report`."""

    target: Target
    profile: Profile
    plan: Plan
    settings: Settings = field(default_factory=Settings)
    net: Net | None = None
    clock: Clock = field(default_factory=SystemClock)
    warnings: Sequence[str] = ()
    note: str = ""
    debug: bool = False
    """``--debug``: a check that crashes carries its exception's message and traceback in the report
    (otherwise only the exception's type: a traceback names local paths)."""
    deadline: Deadline | None = None
    """When the run must end, on ``clock``'s monotonic time; by default ``settings.timeout``
    from when :meth:`run` starts. The command line starts it when the command starts, so
    that ``--timeout`` bounds the whole command, start-up included."""

    async def run(self, on_event: EventSink | None = None) -> Report:
        """Run the plan within the settings' deadline and build the report.

        Never raises for a check's sake; a cancelled run (Ctrl-C) still
        returns a report of what finished, marked ``interrupted``.
        """
        emit = on_event or (lambda event: None)
        net = self.net or Net(self.settings)
        redactor = Redactor()
        started_wall = datetime.now(UTC)
        loop = asyncio.get_running_loop()
        begin = loop.time()
        deadline = self.deadline or Deadline.after(self.settings.timeout, self.clock.monotonic)
        # What is shown of the target, from the first event on: its user info and tokens removed.
        shown_target = Target(
            input=redactor.url(self.target.input), url=redactor.url(self.target.url), host=self.target.host
        )
        emit(
            RunStarted(
                shown_target,
                self.plan.ids,
                tuple(info.cls.title for info in self.plan.checks),
            )
        )

        def make_context(results: Mapping[str, CheckResult]) -> CheckContext:
            return CheckContext(
                target=self.target,
                profile=self.profile,
                settings=self.settings,
                net=net,
                clock=self.clock,
                results=dict(results),
                redact=redactor,
                deadline=deadline,
            )

        outcome = await run_plan(
            self.plan,
            make_context,
            deadline=begin + deadline.remaining(),
            on_event=emit,
            monotonic=loop.time,
            debug=self.debug,
            redactor=redactor,
        )
        from diagnose.checklist import evaluate

        warnings = [*self.warnings, *self._deadline_warnings(outcome.results, outcome.deadline_hit)]
        # Redacted by the runner as each check finished or was re-judged (Redactor.result).
        results = outcome.results
        status = overall_status(results, interrupted=outcome.interrupted)
        env = environment(net, started_wall, redactor=redactor, target_url=self.target.url)
        report = Report(
            tool_version=__version__,
            report_id=str(uuid.uuid4()),
            profile=self.profile.name,
            target=shown_target,
            started_at=started_wall.strftime("%Y-%m-%dT%H:%M:%SZ"),
            duration_ms=round((loop.time() - begin) * 1000),
            status=status,
            checks=results,
            checklist=evaluate(results, self.profile),
            environment=env,
            warnings=tuple(redactor.text(w) for w in warnings),
            interrupted=outcome.interrupted,
            note=redactor.text(self.note.strip()[:MAX_NOTE]),
            redactions=redactor.fields,
        )
        emit(RunFinished(report))
        return report

    def _deadline_warnings(self, results: Sequence[CheckResult], hit: bool) -> list[str]:
        """What the run's time limit cost: checks that ran out of time, checks the runner stopped."""
        limit = f"The run reached its {self.settings.timeout:g} s time limit"
        out = [
            f"{limit}: the {r.id} check ran out of time during {fact.title}."
            for r in results
            if (fact := r.fact(OutOfTime)) is not None
        ]
        if hit:
            out.append(f"{limit}; checks still running were stopped.")
        return out


def environment(
    net: Net,
    when: datetime,
    *,
    redactor: Redactor | None = None,
    target_url: str | None = None,
) -> dict[str, object]:
    """Helpdesk context: OS, Python, UTC and local time with zone, proxy, resolvers, trust stores.

    Nothing that identifies the person (no user name, no host name, no IP):
    proxy credentials are redacted (and listed in the report's redactions when
    a ``redactor`` is given) and the home directory in file paths reads ``~``.
    """
    redactor = redactor or Redactor()
    local = when.astimezone()
    described: dict[str, Any] = dict(net.describe())
    proxies = net.proxies()
    described["proxy"] = {k: redactor.url(v) for k, v in proxies.items()} or None
    if target_url is not None:
        in_use = net.proxy_for(target_url)
        described["proxy_in_use"] = redactor.url(in_use) if in_use else None
    described["trust_stores"] = [without_home(str(t)) for t in described.get("trust_stores", [])]
    offset = local.utcoffset()
    return {
        "os": f"{platform.system()} {platform.release()}".strip(),
        "python": platform.python_version(),
        "local_time": local.isoformat(timespec="seconds"),
        "time_zone": local.tzname() or "",
        "utc_offset": _offset(offset.total_seconds() if offset is not None else 0.0),
        "utc_time": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "platform": sys.platform,
        **described,
    }


def _offset(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = round(abs(seconds) / 60)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
