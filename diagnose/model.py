"""The result model: what a diagnosis produces, as typed, frozen values.

Everything a front end shows and every report format is derived from these
objects (and their JSON form, :func:`report_to_json`). They are frozen so a
result cannot change after a check returned it; a renderer or the TUI can hold
on to them without copying.

Vocabulary (design §3.2):

* :class:`Status` of a check or checklist item: ``pass``, ``warn`` (works, but
  something is off), ``fail``, ``skip`` (not applicable, or a dependency did not
  pass), ``error`` (could not decide: timeout, crash) and ``manual`` (the person
  must look). A skipped or errored check is never shown as passed.
* :class:`Severity` of a finding: ``critical`` … ``info``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias, TypeVar

SCHEMA_VERSION = 1

JSONValue: TypeAlias = (
    str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None
)
JSONObject: TypeAlias = dict[str, JSONValue]

F = TypeVar("F")


class Status(StrEnum):
    """Outcome of a check or of a checklist item."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"
    MANUAL = "manual"

    @property
    def rank(self) -> int:
        """Order used for worst-of aggregation: fail > error > warn > pass > skip."""
        return _STATUS_RANK[self]


_STATUS_RANK = {
    Status.SKIP: 0,
    Status.MANUAL: 0,
    Status.PASS: 1,
    Status.WARN: 2,
    Status.ERROR: 3,
    Status.FAIL: 4,
}


def severity_status(severity: Severity) -> Status:
    """The status a finding implies: critical/high fail, medium/low warn, info passes."""
    if severity in (Severity.CRITICAL, Severity.HIGH):
        return Status.FAIL
    if severity in (Severity.MEDIUM, Severity.LOW):
        return Status.WARN
    return Status.PASS


def worst_status(statuses: Iterable[Status]) -> Status:
    """Worst-of aggregation (design §3.4): fail > error > warn > pass; all skipped → skip.

    ``manual`` never comes out of aggregation: a manual checklist item is decided
    by the person, not by checks.
    """
    decided = [s for s in statuses if s not in (Status.SKIP, Status.MANUAL)]
    if not decided:
        return Status.SKIP
    return max(decided, key=lambda s: s.rank)


class Severity(StrEnum):
    """How much a finding matters to the person trying to sign in."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical … 4 for info: sort by it to put the most severe finding first."""
        return _SEVERITY_RANK[self]

    @staticmethod
    def rank_of(value: str) -> int:
        """:attr:`rank` of a severity given as text (a JSON report's); an unknown one ranks last."""
        return _SEVERITY_RANK.get(value, len(_SEVERITY_RANK))


_SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(Severity)}
"""Keyed by the members, which are also their text (``StrEnum``), so text looks up too."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found, with a stable code.

    Attributes:
        code: ``<check>.<snake_case>``, stable across versions; listed in the
            catalogue with its message and remediation.
        severity: how much it matters.
        message: plain words for the person in front of the screen.
        remediation: what to do about it.
        evidence: machine-readable facts behind the message, already redacted
            when captured (see :mod:`diagnose.redact`).
    """

    code: str
    severity: Severity
    message: str
    remediation: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The normalised result of one check in one run.

    ``facts`` are typed values the check hands to the checks that read it and
    to front ends (:mod:`diagnose.facts`); they are not part of the JSON report,
    whose ``details`` carry the same information for people and scripts.
    """

    id: str
    title: str
    status: Status
    summary: str
    duration_ms: int
    details: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    source: str = "built-in"
    version: str = ""
    facts: tuple[object, ...] = ()

    def fact(self, kind: type[F]) -> F | None:
        """The fact of type ``kind`` this check handed on, or None."""
        return next((f for f in self.facts if isinstance(f, kind)), None)


@dataclass(frozen=True, slots=True)
class ChecklistItemResult:
    """One item of the safe sign-in checklist, decided from check results."""

    id: str
    title: str
    status: Status
    checks: tuple[str, ...]
    advice: str
    steps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """What the person asked to diagnose.

    ``input`` is exactly what was typed or pasted; ``url`` is what it was taken
    to mean (scheme added when missing) and ``host`` the host in it.
    """

    input: str
    url: str
    host: str


@dataclass(frozen=True, slots=True)
class Report:
    """A whole diagnosis: the canonical object every format is rendered from."""

    tool_version: str
    profile: str
    target: Target
    started_at: str
    duration_ms: int
    status: Status
    checks: tuple[CheckResult, ...]
    checklist: tuple[ChecklistItemResult, ...]
    environment: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    interrupted: bool = False
    report_id: str = ""
    note: str = ""
    redactions: tuple[str, ...] = ()
    schema_version: int = SCHEMA_VERSION
    source: Mapping[str, Any] | None = None
    """Where the diagnosis came from when it was not a live run: ``{"kind": "har", …}`` for a
    browser's recording (``login-doctor har``). None (and absent from the JSON) for a live run."""

    def check(self, check_id: str) -> CheckResult | None:
        """The result of ``check_id``, or None when it was not part of the run."""
        return next((c for c in self.checks if c.id == check_id), None)


def report_status(statuses: Iterable[Status | str], *, interrupted: bool = False) -> Status:
    """The status of a whole report from its checks' statuses: the one rule every front end applies.

    The session, ``login-doctor har``, ``render`` and ``summarize`` all call
    this (docs/reports.md, "The report's status"), in this order:

    1. ``fail`` when any check failed: a failure found is real even if the
       run was cut short;
    2. ``error`` when the run was interrupted (Ctrl-C, SIGTERM): not
       everything was decided;
    3. ``error`` when any check could not decide (crashed, timed out, cut off
       by the deadline): not deciding outranks a warning, because the
       undecided check may hide a failure;
    4. ``warn`` when any check warned;
    5. ``pass`` when at least one check passed;
    6. ``skip`` otherwise: every check was skipped (or none ran), so nothing
       was decided. Never ``pass``, and never ``error`` either: nothing went
       wrong, there was nothing to decide.

    ``manual`` (a check cannot end so, a checklist item can) counts as skipped.
    Unknown values (a report from a newer version) count as ``error``.
    """
    seen = {_as_status(s) for s in statuses}
    if Status.FAIL in seen:
        return Status.FAIL
    if interrupted or Status.ERROR in seen:
        return Status.ERROR
    if Status.WARN in seen:
        return Status.WARN
    if Status.PASS in seen:
        return Status.PASS
    return Status.SKIP


def _as_status(value: Status | str) -> Status:
    try:
        return Status(value)
    except ValueError:
        return Status.ERROR


def overall_status(checks: Iterable[CheckResult], *, interrupted: bool = False) -> Status:
    """:func:`report_status` of ``checks``."""
    return report_status((c.status for c in checks), interrupted=interrupted)


# --------------------------------------------------------------------------- JSON


def _finding_to_json(f: Finding) -> JSONObject:
    return {
        "code": f.code,
        "severity": f.severity.value,
        "message": f.message,
        "remediation": f.remediation,
        "evidence": _plain(f.evidence),
    }


def _check_to_json(c: CheckResult) -> JSONObject:
    return {
        "id": c.id,
        "title": c.title,
        "status": c.status.value,
        "summary": c.summary,
        "duration_ms": c.duration_ms,
        "source": c.source,
        "version": c.version,
        "details": _plain(c.details),
        "findings": [_finding_to_json(f) for f in c.findings],
    }


def _item_to_json(i: ChecklistItemResult) -> JSONObject:
    return {
        "id": i.id,
        "title": i.title,
        "status": i.status.value,
        "checks": list(i.checks),
        "advice": i.advice,
        "steps": list(i.steps),
    }


def report_to_json(report: Report) -> JSONObject:
    """The canonical JSON object of a report (design §3.2)."""
    return {
        "schema_version": report.schema_version,
        "tool": {"name": "login-doctor", "version": report.tool_version},
        "report_id": report.report_id,
        "profile": report.profile,
        "target": {
            "input": report.target.input,
            "url": report.target.url,
            "host": report.target.host,
        },
        "started_at": report.started_at,
        "duration_ms": report.duration_ms,
        "status": report.status.value,
        "interrupted": report.interrupted,
        "note": report.note,
        "checks": [_check_to_json(c) for c in report.checks],
        "checklist": [_item_to_json(i) for i in report.checklist],
        "environment": _plain(report.environment),
        "warnings": list(report.warnings),
        "redactions": list(report.redactions),
        **({"source": _plain(report.source)} if report.source is not None else {}),
    }


def _plain(value: Any) -> Any:
    """Turn mappings, tuples, enums and sets into JSON-ready values, recursively."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
