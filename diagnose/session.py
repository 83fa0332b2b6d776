"""One diagnosis from start to report, shared by the headless CLI, the TUI and the lab.

``plan → runner → checklist → Report``: this module wires the engine together
and knows nothing about how the result is shown.
"""

from __future__ import annotations

import asyncio
import platform
import re
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from diagnose import __version__
from diagnose.check import CheckContext, Clock, SystemClock
from diagnose.events import RunFinished, RunStarted
from diagnose.model import CheckResult, Report, Status, Target, overall_status
from diagnose.net import Net
from diagnose.profiles import Profile
from diagnose.redact import Redactor
from diagnose.registry import Plan
from diagnose.runner import EventSink, run_plan
from diagnose.settings import Settings, UsageError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HOST_PORT = re.compile(r"^[^/?#@:]+:\d+(?:[/?#]|$)")


def make_target(text: str | None, profile: Profile) -> Target:
    """Turn what the person typed into the address the checks will visit.

    Scheme-less input gets ``https://`` (as a browser's address bar does);
    anything that is not an http(s) address a browser could open is a
    :class:`UsageError`. The ``url`` check judges the original text separately.
    """
    import ada_url

    raw = (text if text is not None else "").strip()
    if not raw:
        raw = profile.default_url
    if len(raw) > 8192:
        raise UsageError("the address is longer than 8192 characters; that is not a sign-in address")
    candidate = raw
    if not _SCHEME.match(raw) or _HOST_PORT.match(raw):
        if "@" in raw and "/" not in raw.split("@", 1)[0] and " " not in raw:
            raise UsageError(f"{_short(raw)!r} looks like an email address, not a web address")
        candidate = "https://" + raw
    try:
        url = ada_url.URL(candidate)
    except ValueError:
        raise UsageError(f"{_short(raw)!r} is not a web address that a browser could open") from None
    if url.protocol not in ("http:", "https:"):
        raise UsageError(f"{_short(raw)!r} is not an http or https address")
    if not url.hostname:
        raise UsageError(f"{_short(raw)!r} has no host name")
    return Target(input=raw, url=url.href, host=url.hostname.strip("[]"))


def _short(text: str) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 80 else text[:77] + "..."


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
        emit(
            RunStarted(
                self.target,
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
            )

        outcome = await run_plan(
            self.plan,
            make_context,
            deadline=begin + self.settings.timeout,
            on_event=emit,
            monotonic=loop.time,
        )
        from reports.checklist import evaluate

        warnings = list(self.warnings)
        if outcome.deadline_hit:
            warnings.append(
                f"The run reached its {self.settings.timeout:g} s time limit; "
                "checks still running were stopped."
            )
        status = overall_status(outcome.results)
        report = Report(
            tool_version=__version__,
            report_id=str(uuid.uuid4()),
            profile=self.profile.name,
            target=Target(
                input=redactor.url(self.target.input),
                url=redactor.url(self.target.url),
                host=self.target.host,
            ),
            started_at=started_wall.strftime("%Y-%m-%dT%H:%M:%SZ"),
            duration_ms=round((loop.time() - begin) * 1000),
            status=Status.ERROR if outcome.interrupted and status is Status.PASS else status,
            checks=outcome.results,
            checklist=evaluate(outcome.results, self.profile),
            environment=environment(net, started_wall),
            warnings=tuple(warnings),
            interrupted=outcome.interrupted,
            note=redactor.text(self.note),
            redactions=redactor.fields,
        )
        emit(RunFinished(report))
        return report


def environment(net: Net, when: datetime) -> dict[str, object]:
    """Helpdesk context: OS, Python, local time with zone, proxy, resolvers, trust stores.

    Nothing that identifies the person (no user name, no host name, no IP).
    """
    local = when.astimezone()
    return {
        "os": f"{platform.system()} {platform.release()}".strip(),
        "python": platform.python_version(),
        "local_time": local.isoformat(timespec="seconds"),
        "time_zone": local.tzname() or "",
        "utc_time": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "platform": sys.platform,
        **net.describe(),
    }
