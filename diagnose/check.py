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
            return self.outcome("Greeting found.")
"""

from __future__ import annotations

import string
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, ClassVar, Protocol

from diagnose.model import CheckResult, Finding, Severity, Status, Target, worst_status
from diagnose.profiles import Profile
from diagnose.redact import Redactor
from diagnose.settings import Settings


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


def severity_status(severity: Severity) -> Status:
    """The check status a finding implies: critical/high fail, medium/low warn, info passes."""
    if severity in (Severity.CRITICAL, Severity.HIGH):
        return Status.FAIL
    if severity in (Severity.MEDIUM, Severity.LOW):
        return Status.WARN
    return Status.PASS


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :meth:`Check.run` returns; the runner adds timing and metadata.

    ``status`` None means "derive it from the findings' severities".
    """

    summary: str
    findings: tuple[Finding, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    status: Status | None = None

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


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may use: the target, the profile, the settings, the network
    factory, the clock, and the results of the checks it declared.

    Only declared dependencies (``requires`` and ``optional``) appear in
    ``results``, so a check cannot come to rely on an undeclared ordering.
    """

    target: Target
    profile: Profile
    settings: Settings
    net: Any  # diagnose.net.Net; typed loosely to keep this module import-light
    clock: Clock
    results: Mapping[str, CheckResult] = field(default_factory=dict)
    redact: Redactor = field(default_factory=Redactor)
    """Apply to every URL, header and message before it becomes evidence."""

    def result(self, check_id: str) -> CheckResult | None:
        """The result of a declared dependency, or None if it did not run."""
        return self.results.get(check_id)


class Check(ABC):
    """Base class of every check. Subclasses set the metadata and implement :meth:`run`."""

    id: ClassVar[str]
    title: ClassVar[str]
    failure_title: ClassVar[str]
    description: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    timeout: ClassVar[float] = 10.0
    version: ClassVar[str] = "1"
    findings: ClassVar[Mapping[str, FindingSpec]] = {}

    @abstractmethod
    async def run(self, ctx: CheckContext) -> Outcome:
        """Run the check. Expected failures are findings; bugs may raise."""

    # -- helpers for subclasses -------------------------------------------------

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
    ) -> Outcome:
        """Shorthand for an :class:`Outcome` whose status follows from the findings."""
        return Outcome(summary, tuple(findings), dict(details or {}), status)

    @classmethod
    def result_title(cls, status: Status) -> str:
        """Lighthouse's rule: the title reads as a fact, true or false."""
        return cls.failure_title if status in (Status.FAIL, Status.WARN) else cls.title


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``str.format_map`` that leaves unknown ``{names}`` in place and never raises."""
    try:
        return string.Formatter().vformat(template, (), _Lenient(values))
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
    )
