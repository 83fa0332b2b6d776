"""The contract between the engine and a check (built-in or plugin).

A check is a class that carries its own metadata, in the spirit of
Lighthouse's audits and Prowler's checks: an ``id``, a present-tense
``title`` ("The connection reaches the service") and ``failure_title``, a
``description``, the ids it ``requires`` (hard dependencies: skipped unless
they pass or warn) and ``optional`` ones (only ordering: read if present), a
``timeout``, and the catalogue of finding codes it may emit.

``async run(ctx)`` returns an :class:`Outcome`. Expected network failures are
findings; anything the check did not expect may simply raise: the runner turns
it into ``error`` for that check alone, never a failure of the run.

The :class:`CheckContext` gives the check everything it may use: the network
(:class:`~diagnose.net.Net`, the only way out), the clock, the run's
:class:`~diagnose.deadline.Deadline` to budget its steps from, and the results
(and typed :mod:`~diagnose.facts`) of the checks it declared. A check records
what it finds through one :class:`CheckRun`.

A minimal plugin::

    from diagnose.check import Check, CheckContext, FindingSpec, Outcome
    from diagnose.model import Severity

    class HelloCheck(Check):
        id = "hello"
        title = "The sign-in page says hello"
        failure_title = "The sign-in page does not say hello"
        description = "Fetches the sign-in page and looks for a greeting."
        findings = {"hello.missing": FindingSpec(Severity.HIGH, "No greeting.", "Ask the site.")}

        async def run(self, ctx: CheckContext) -> Outcome:
            run = self.start(ctx)
            page = await ...  # through ctx.net, within run.budget(limit).seconds
            if "hello" not in page:
                run.add("hello.missing")
            return run.outcome("Greeting found." if not run.findings else "No greeting.")
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import tomllib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from diagnose.deadline import Budget, Deadline
from diagnose.facts import OutOfTime
from diagnose.model import CheckResult, Finding, Severity, Status, Target, severity_status, worst_status
from diagnose.profiles import Profile
from diagnose.redact import Redactor
from diagnose.settings import Settings
from diagnose.words import TemplateFormatter

if TYPE_CHECKING:
    from diagnose.net import Net

F = TypeVar("F")


@dataclass(frozen=True, slots=True)
class FindingSpec:
    """Catalogue entry for one finding code.

    ``message`` and ``remediation`` may name evidence fields and profile facts
    in braces (``{host}``, ``{support_url}``); missing names are left as they
    are rather than raising, so a catalogue typo never crashes a run.
    """

    severity: Severity
    message: str
    remediation: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :meth:`Check.run` returns; the runner adds timing and metadata.

    ``status`` None means "derive it from the findings' severities";
    ``facts`` are typed values for the checks that read this one (:mod:`diagnose.facts`).
    """

    summary: str
    findings: tuple[Finding, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    status: Status | None = None
    facts: tuple[object, ...] = ()

    def resolved_status(self) -> Status:
        """The explicit status, else the worst one the findings imply (pass when none)."""
        if self.status is not None:
            return self.status
        return worst_status([Status.PASS, *(severity_status(f.severity) for f in self.findings)])


class Clock(Protocol):
    """Time as a check sees it; injected so tests never touch the real clock."""

    def time(self) -> float:
        """Wall-clock seconds since the epoch (what the device believes)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, for measuring durations."""
        ...


class SystemClock:
    """The device's own clock."""

    def time(self) -> float:
        import time

        return time.time()

    def monotonic(self) -> float:
        import time

        return time.monotonic()


ResultWaiter = Callable[[str], Awaitable[CheckResult | None]]
"""Waits for another check of the run to finish and gives its result (None: not in the run)."""


async def _nothing_later(check_id: str) -> CheckResult | None:
    """Outside the runner (a check run on its own) no other check runs alongside."""
    return None


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may use: the target, the profile, the settings, the network,
    the clock, the deadline, and the results of the checks it declared.

    Only declared dependencies (``requires`` and ``optional``) appear in
    ``results``, so a check cannot come to rely on an undeclared ordering.
    """

    target: Target
    profile: Profile
    settings: Settings
    net: Net
    """The only way to the network (``diagnose.net`` is imported only for type checking here)."""
    clock: Clock
    results: Mapping[str, CheckResult] = field(default_factory=dict)
    redact: Redactor = field(default_factory=Redactor)
    """Apply to every URL, header and message before it becomes evidence."""
    deadline: Deadline = field(default_factory=Deadline.never)
    """When this check must have concluded: the run's deadline, or the check's own timeout if sooner."""
    later: ResultWaiter = field(default=_nothing_later)
    """Waits for the result of a check this one names in ``reads_later`` (None when that check is not in
    the run); set by the runner. Read it through :meth:`CheckRun.result_later`, which bounds the wait."""

    def result(self, check_id: str) -> CheckResult | None:
        """The result of a declared dependency, or None if it did not run."""
        return self.results.get(check_id)

    def fact(self, check_id: str, kind: type[F]) -> F | None:
        """The fact of type ``kind`` a declared dependency handed on, or None."""
        result = self.results.get(check_id)
        return result.fact(kind) if result is not None else None


class Check(ABC):
    """Base class of every check. Subclasses set the metadata and implement :meth:`run`."""

    id: ClassVar[str]
    title: ClassVar[str]
    failure_title: ClassVar[str]
    description: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    reads_later: ClassVar[tuple[str, ...]] = ()
    """Checks whose results this one may read near its end (:meth:`CheckRun.result_later`) without waiting
    for them to start: no ordering, so a slow network never delays this check's own work."""
    reconciles_with: ClassVar[tuple[str, ...]] = ()
    """Checks whose results this one re-judges its own result with (:meth:`reconcile`), once the run's
    checks have finished. No ordering and no waiting: the checks run side by side."""
    timeout: ClassVar[float] = 10.0
    version: ClassVar[str] = "1"
    findings: ClassVar[Mapping[str, FindingSpec]] = {}

    @abstractmethod
    async def run(self, ctx: CheckContext) -> Outcome:
        """Run the check. Expected failures are findings; bugs may raise."""

    def reconcile(self, own: CheckResult, others: Mapping[str, CheckResult]) -> Outcome | None:
        """Re-judge this check's result given the results of the checks named in :attr:`reconciles_with`.

        Called by the runner once the run's checks have finished (or were cut
        off), with ``own`` (this check's result) and ``others`` (those of the
        named checks that took part, each as its check produced it, never
        another reconciliation, so reconciliations may be mutual and their
        order does not matter). Return a new :class:`Outcome` to replace the
        result, or None to keep it. It must be quick and pure: no I/O, only
        ``own`` and ``others`` (their typed :mod:`~diagnose.facts`, status and
        findings). What it needs of its own run, the check hands on to itself
        as a fact. An exception is ``error`` for this check alone.
        """
        return None

    # -- helpers for subclasses -------------------------------------------------

    def start(self, ctx: CheckContext, **placeholders: Any) -> CheckRun:
        """A :class:`CheckRun` for this run; ``placeholders`` fill ``{names}`` in messages."""
        return CheckRun(self, ctx, **placeholders)

    def finding(
        self,
        code: str,
        *,
        evidence: Mapping[str, Any] | None = None,
        message: str | None = None,
        severity: Severity | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> Finding:
        """Build a :class:`Finding` for ``code`` from this check's catalogue.

        ``message`` replaces the catalogue's sentence when the check can say
        something more precise; placeholders are filled from ``evidence`` and
        ``facts`` (profile facts such as ``support_url``).
        """
        spec = self.findings.get(code)
        if spec is None:
            raise KeyError(f"{self.id}: finding code {code!r} is not in the catalogue")
        evidence = dict(evidence or {})
        values = {**(facts or {}), **evidence}
        return Finding(
            code=code,
            severity=severity or spec.severity,
            message=fill(message if message is not None else spec.message, values),
            remediation=fill(spec.remediation, values),
            evidence=evidence,
        )

    def outcome(
        self,
        summary: str,
        findings: list[Finding] | tuple[Finding, ...] = (),
        details: Mapping[str, Any] | None = None,
        status: Status | None = None,
        facts: tuple[object, ...] = (),
    ) -> Outcome:
        """Shorthand for an :class:`Outcome` whose status follows from the findings."""
        return Outcome(summary, tuple(findings), dict(details or {}), status, facts)

    @classmethod
    def result_title(cls, status: Status) -> str:
        """Lighthouse's rule: the title reads as a fact, true or false."""
        return cls.failure_title if status in (Status.FAIL, Status.WARN) else cls.title


Seen = str | Callable[[], str]
"""What a check had seen when a step ran out of time: words, or a function that says them then."""


class RanOutOfTime(Exception):
    """A step could not finish before the deadline; :meth:`CheckRun.conclude` makes it the outcome."""

    def __init__(self, step: str, title: str, seen: str) -> None:
        super().__init__(f"ran out of time during {title}")
        self.step, self.title, self.seen = step, title, seen


class CheckRun:
    """What one run of one check has found so far: the scaffold every built-in check records through.

    * :meth:`add` a finding by catalogue code (evidence as keywords or a mapping);
    * ``details`` for the report; :meth:`hand_on` a typed fact for other checks;
    * time: :meth:`budget` gives a step its timeout from the deadline,
      :meth:`step` bounds a step by the deadline, :meth:`out_of_time` says a
      step's timeout was the deadline's doing, and :meth:`conclude` turns
      running out of time into an outcome that names the step;
    * :meth:`outcome` ends the run.

    ``placeholders`` fill ``{names}`` in catalogue messages, after the profile's
    facts (``{vendor}``, ``{support_url}``) and before each finding's evidence.
    """

    def __init__(self, check: Check, ctx: CheckContext, **placeholders: Any) -> None:
        self.check = check
        self.ctx = ctx
        self.deadline = ctx.deadline.earlier(check.timeout)
        """The run's deadline, or this check's own timeout if sooner."""
        self.placeholders: dict[str, Any] = {**ctx.profile.facts_for_messages(), **placeholders}
        self.common_evidence: dict[str, Any] = {}
        """Evidence every finding of this run carries first (the certificate check names the host)."""
        self.findings: list[Finding] = []
        self.details: dict[str, Any] = {}
        self.facts: list[object] = []
        self.out_of_time_at: OutOfTime | None = None
        self.not_finished: list[str] = []
        """Checks :meth:`result_later` waited for in vain (still running when this check's time was up)."""

    # -- findings -------------------------------------------------------------------

    def add(
        self,
        code: str,
        evidence: Mapping[str, Any] | None = None,
        /,
        *,
        severity: Severity | None = None,
        message: str | None = None,
        **more: Any,
    ) -> Finding:
        """Record the finding ``code`` with ``evidence`` (and ``more``); returns it."""
        finding = self.check.finding(
            code,
            evidence={**self.common_evidence, **(evidence or {}), **more},
            facts=self.placeholders,
            severity=severity,
            message=message,
        )
        self.findings.append(finding)
        return finding

    def has(self, *codes: str) -> bool:
        """Whether any of ``codes`` was found."""
        return any(f.code in codes for f in self.findings)

    def failing(self) -> bool:
        """Whether a finding fails the check (critical or high)."""
        return any(f.severity.rank <= Severity.HIGH.rank for f in self.findings)

    def by_severity(self) -> list[Finding]:
        """The findings, most severe first (stable within a severity)."""
        return sorted(self.findings, key=lambda f: f.severity.rank)

    # -- facts for other checks -----------------------------------------------------

    def hand_on(self, fact: object) -> None:
        """Put a typed fact (:mod:`diagnose.facts`) on the result for the checks that read this one."""
        self.facts = [f for f in self.facts if type(f) is not type(fact)] + [fact]

    async def result_later(self, check_id: str) -> CheckResult | None:
        """The result of ``check_id`` (named in ``reads_later``), waiting for it while the deadline allows.

        None when that check is not in the run, or has not finished when this check's time is up
        (then ``check_id`` is in :attr:`not_finished`, so the check can say what it could not decide).
        """
        if check_id not in self.check.reads_later:
            raise ValueError(f"{self.check.id}: {check_id!r} is not in reads_later")
        left = self.budget(math.inf)
        try:
            if left.exhausted:
                raise TimeoutError
            async with asyncio.timeout(left.seconds):
                return await self.ctx.later(check_id)
        except TimeoutError:
            self.not_finished.append(check_id)
            return None

    # -- time -------------------------------------------------------------------------

    def budget(self, limit: float) -> Budget:
        """The timeout of a step whose own limit is ``limit``: that limit, or less when the deadline
        is nearer (``cut``). See :mod:`diagnose.deadline`."""
        return self.deadline.budget(limit)

    def out_of_time(self, step: str, title: str, seen: Seen) -> RanOutOfTime:
        """The exception to raise when a step timed out on a ``cut`` budget: the deadline ended it."""
        return RanOutOfTime(step, title, seen if isinstance(seen, str) else seen())

    @contextlib.asynccontextmanager
    async def step(self, step: str, title: str, seen: Seen) -> AsyncIterator[None]:
        """Bound a step by the deadline: raise :class:`RanOutOfTime` if there is no time to start
        it, or when the deadline passes while it runs. Its own timeouts are the step's business."""
        left = self.budget(math.inf)
        if left.exhausted:
            raise self.out_of_time(step, title, seen)
        bound = asyncio.timeout(left.seconds)
        try:
            async with bound:
                yield
        except TimeoutError:
            if bound.expired():
                raise self.out_of_time(step, title, seen) from None
            raise

    async def conclude(self, steps: Awaitable[Outcome]) -> Outcome:
        """Await the check's steps; a step that ran out of time ends the run with what was seen."""
        try:
            return await steps
        except RanOutOfTime as stop:
            return self.ran_out_of_time(stop.step, stop.title, stop.seen)

    def ran_out_of_time(self, step: str, title: str, seen: str, *, found: str | None = None) -> Outcome:
        """End the run at ``step``: the deadline left no time to finish it.

        The findings so far stay; the status is ``error`` (could not decide)
        unless they already fail the check, when the summary starts with
        ``found`` (default: the most severe finding's message). The summary,
        ``details["out_of_time"]`` and an :class:`~diagnose.facts.OutOfTime`
        fact name the step and what was seen.
        """
        self.out_of_time_at = OutOfTime(step, title, seen)
        self.hand_on(self.out_of_time_at)
        self.details["out_of_time"] = {"step": step, "title": title, "seen": seen}
        if self.failing():
            found = found or self.by_severity()[0].message
            return self.outcome(f"{found} The check then ran out of time during {title} ({seen}).")
        return self.outcome(f"The check ran out of time during {title} ({seen}), so it could not decide.", Status.ERROR)

    # -- the end ----------------------------------------------------------------------

    def outcome(self, summary: str, status: Status | None = None) -> Outcome:
        """The run's :class:`Outcome`: the status follows from the findings unless given."""
        return Outcome(summary, tuple(self.findings), dict(self.details), status, tuple(self.facts))


_FORMATTER = TemplateFormatter()


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``str.format_map`` that leaves unknown ``{names}`` in place and never raises.

    ``{name:~spec}`` chooses singular or plural words by the number (or the
    length of the list) ``name`` holds: ``{count:~redirect}`` reads "1 redirect"
    or "20 redirects", ``{cookie_names:~the cookie|the cookies}`` picks the
    words alone (:func:`diagnose.words.choose`).
    """
    try:
        return _FORMATTER.vformat(template, (), _Lenient(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def load_catalogue(check_id: str) -> dict[str, FindingSpec]:
    """The built-in finding codes of ``check_id`` from ``checks/findings.toml``.

    One file holds every built-in code so the catalogue can be read, reviewed
    and published (README) in one place.
    """
    return {code: spec for code, spec in _builtin_catalogue().items() if code.startswith(check_id + ".")}


_CATALOGUE: dict[str, FindingSpec] | None = None


def _builtin_catalogue() -> dict[str, FindingSpec]:
    global _CATALOGUE
    if _CATALOGUE is None:
        raw = tomllib.loads(resources.files("checks").joinpath("findings.toml").read_text("utf-8"))
        _CATALOGUE = {
            code: FindingSpec(
                severity=Severity(entry["severity"]),
                message=entry["message"],
                remediation=entry["remediation"],
                title=entry.get("title", ""),
            )
            for code, entry in raw.items()
        }
    return _CATALOGUE


def builtin_catalogue() -> Mapping[str, FindingSpec]:
    """Every built-in finding code, for documentation and tests."""
    return dict(_builtin_catalogue())


def check_result_from(check: type[Check], outcome: Outcome, duration_ms: int, source: str) -> CheckResult:
    """Normalise an :class:`Outcome` into a :class:`CheckResult` (used by the runner)."""
    status = outcome.resolved_status()
    return CheckResult(
        id=check.id,
        title=check.result_title(status),
        status=status,
        summary=outcome.summary,
        duration_ms=duration_ms,
        details=outcome.details,
        findings=outcome.findings,
        source=source,
        version=check.version,
        facts=outcome.facts,
    )
