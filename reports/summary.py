"""Fleet summary: many reports in, one table of what fails where.

An MSP runs login-doctor on hundreds of endpoints (an RMM script writes one
JSON report each) and wants to know which checklist items, checks and finding
codes fail most often. :class:`FleetSummary` tallies reports one at a time
(constant memory per report, so 10,000 reports are a few seconds); the
renderers turn the tally into Markdown, CSV or JSON.

Reading is deliberately cheap: :func:`structural_problem` checks only what the
tally relies on (schema version, statuses, ids, finding codes and severities),
not the whole JSON Schema, which would cost more than everything else
together. A file that fails it is skipped with a reason, never half-counted.

Counting rules:

* every readable report counts as one endpoint (reports do not name the
  machine); copies of one report (same ``report_id``) count once;
* checklist items and checks count the status each report gave them;
* a finding code counts the endpoints whose report holds it, split by the
  status its severity implies (critical/high → fail, medium/low → warn,
  info → pass), the worst one when a report holds the code twice;
* "most common failures first": sorted by fail count, then not decided
  (errors), then warnings.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from diagnose.model import Severity, report_status
from diagnose.words import count as count_of
from reports.labels import OVERALL_SENTENCE, STATUS_LABEL

SUMMARY_VERSION = 1

STATUSES = ("pass", "warn", "fail", "skip", "error", "manual")
OVERALL_STATUSES = ("pass", "warn", "fail", "error", "skip")
_SEVERITY_STATUS = {"critical": "fail", "high": "fail", "medium": "warn", "low": "warn", "info": "pass"}
_STATUS_SET = frozenset(STATUSES)
_SEVERITY_SET = frozenset(Severity)


def _one_of(value: object, allowed: frozenset[str]) -> bool:
    """``value in allowed`` for any JSON value (a list or an object is not hashable: never a member)."""
    return isinstance(value, str) and value in allowed


def structural_problem(data: Any) -> str | None:
    """Why ``data`` cannot be tallied as a schema-version-1 report, or None when it can.

    A cheap check of the fields the summary reads (a full JSON Schema
    validation per file would dominate the run time for thousands of files).
    """
    if not isinstance(data, dict):
        return "not a JSON object"
    return _header_problem(data) or _checks_problem(data.get("checks")) or _checklist_problem(data.get("checklist"))


def _header_problem(data: dict[str, Any]) -> str | None:
    """Schema version, tool, overall status and start time."""
    if data.get("schema_version") != 1:
        return f"schema version {data.get('schema_version')!r} (this login-doctor reads version 1)"
    tool = data.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != "login-doctor":
        return "not a login-doctor report (no tool.name 'login-doctor')"
    if data.get("status") not in OVERALL_STATUSES:
        return "no valid overall status"
    if not isinstance(data.get("started_at"), str):
        return "no started_at"
    return None


def _checks_problem(checks: Any) -> str | None:
    """Each check's id and status, and its findings' codes and severities."""
    if not isinstance(checks, list):
        return "no checks list"
    for check in checks:
        if not isinstance(check, dict) or not isinstance(check.get("id"), str) or not _one_of(check.get("status"), _STATUS_SET):
            return "a check without a valid id or status"
        findings = check.get("findings", [])
        if not isinstance(findings, list):
            return f"check {check['id']}: findings is not a list"
        if not all(_valid_finding(finding) for finding in findings):
            return f"check {check['id']}: a finding without a valid code or severity"
    return None


def _valid_finding(finding: Any) -> bool:
    return (
        isinstance(finding, dict)
        and isinstance(finding.get("code"), str)
        and _one_of(finding.get("severity"), _SEVERITY_SET)
    )


def _checklist_problem(checklist: Any) -> str | None:
    """Each checklist item's id and status."""
    if not isinstance(checklist, list):
        return "no checklist"
    for item in checklist:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not _one_of(item.get("status"), _STATUS_SET):
            return "a checklist item without a valid id or status"
    return None


@dataclass
class Tally:
    """Status counts of one checklist item, check or finding code across reports."""

    id: str
    title: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    severity: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def sort_key(self, order: int) -> tuple[int, int, int, int]:
        """Most failures first, then not decided, then warnings; ties keep first-seen order."""
        return (-self.counts["fail"], -self.counts["error"], -self.counts["warn"], order)


@dataclass
class SkippedFile:
    path: str
    reason: str


MAX_LISTED_SKIPS = 1000
"""Skipped files listed by name in the output; the count is always complete."""


class FleetSummary:
    """Accumulates reports; :meth:`to_json` is the summary every format renders."""

    def __init__(self) -> None:
        self.reports = 0
        self.files = 0
        self.duplicates = 0
        self.interrupted = 0
        self.status: Counter[str] = Counter()
        self.tool_versions: Counter[str] = Counter()
        self.profiles: Counter[str] = Counter()
        self.first_started = ""
        self.last_started = ""
        self.checklist: dict[str, Tally] = {}
        self.checks: dict[str, Tally] = {}
        self.findings: dict[str, Tally] = {}
        self.skipped: list[SkippedFile] = []
        self.skipped_count = 0
        self._ids: set[str] = set()
        self._goal_titles: set[str] = set()

    def skip(self, path: str, reason: str) -> None:
        """Record a file that could not be read as a report."""
        self.files += 1
        self.skipped_count += 1
        if len(self.skipped) < MAX_LISTED_SKIPS:
            self.skipped.append(SkippedFile(path, reason))

    def add(self, data: Mapping[str, Any]) -> bool:
        """Tally one report that passed :func:`structural_problem`; False for a duplicate."""
        self.files += 1
        if self._seen_before(data.get("report_id")):
            self.duplicates += 1
            return False
        self.reports += 1
        self._add_run(data)
        for item in data["checklist"]:
            tally = self.checklist.get(item["id"])
            if tally is None:
                tally = self.checklist[item["id"]] = Tally(item["id"], str(item.get("title", "")))
            tally.counts[item["status"]] += 1
        worst: dict[str, str] = {}
        for check in data["checks"]:
            self._add_check(check)
            self._add_findings(check.get("findings", ()), worst)
        for code, severity in worst.items():
            self.findings[code].counts[_SEVERITY_STATUS[severity]] += 1
        return True

    def _seen_before(self, report_id: Any) -> bool:
        """True when a report with this id was tallied already (a copied file); remembers the id."""
        if not isinstance(report_id, str) or not report_id:
            return False
        if report_id in self._ids:
            return True
        self._ids.add(report_id)
        return False

    def _add_run(self, data: Mapping[str, Any]) -> None:
        """The report's overall status, interruption, tool version, profile and start time."""
        self.status[report_status((c["status"] for c in data["checks"]), interrupted=data.get("interrupted") is True).value] += 1
        if data.get("interrupted") is True:
            self.interrupted += 1
        self.tool_versions[str(data["tool"].get("version", ""))] += 1
        self.profiles[str(data.get("profile", ""))] += 1
        started = data["started_at"]
        if not self.first_started or started < self.first_started:
            self.first_started = started
        if started > self.last_started:
            self.last_started = started

    def _add_check(self, check: Mapping[str, Any]) -> None:
        tally = self.checks.get(check["id"])
        status = check["status"]
        if tally is None:
            tally = self.checks[check["id"]] = Tally(check["id"])
        if not tally.title or (status == "pass" and check["id"] not in self._goal_titles):
            # A passing check's title states the goal; a failing one states the failure.
            tally.title = str(check.get("title", ""))
            if status == "pass":
                self._goal_titles.add(check["id"])
        tally.counts[status] += 1

    def _add_findings(self, findings: Iterable[Mapping[str, Any]], worst: dict[str, str]) -> None:
        """Count each finding's severity; keep in ``worst`` the most severe one per code of this report."""
        for finding in findings:
            code, severity = finding["code"], finding["severity"]
            ftally = self.findings.get(code)
            if ftally is None:
                ftally = self.findings[code] = Tally(code, str(finding.get("message", "")))
            ftally.severity[severity] += 1
            previous = worst.get(code)
            if previous is None or Severity.rank_of(severity) < Severity.rank_of(previous):
                worst[code] = severity

    # ------------------------------------------------------------------ output

    def to_json(self, titles: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The summary as a JSON object (``titles`` names known finding codes)."""
        from diagnose import __version__

        titles = titles or {}

        def rows(tallies: Iterable[Tally], statuses: tuple[str, ...]) -> list[dict[str, Any]]:
            ordered = sorted(enumerate(tallies), key=lambda pair: pair[1].sort_key(pair[0]))
            return [
                {"id": t.id, "title": t.title, "total": t.total, **{s: t.counts[s] for s in statuses}}
                for _order, t in ordered
            ]

        findings = []
        for _order, tally in sorted(enumerate(self.findings.values()), key=lambda p: p[1].sort_key(p[0])):
            severity = min(tally.severity, key=Severity.rank_of) if tally.severity else "info"
            findings.append(
                {
                    "code": tally.id,
                    "title": titles.get(tally.id) or tally.title,
                    "severity": severity,
                    "endpoints": tally.total,
                    "share": round(tally.total / self.reports, 4) if self.reports else 0.0,
                    "fail": tally.counts["fail"],
                    "warn": tally.counts["warn"],
                    "pass": tally.counts["pass"],
                }
            )
        return {
            "summary_version": SUMMARY_VERSION,
            "tool": {"name": "login-doctor", "version": __version__},
            "reports": self.reports,
            "files": self.files,
            "skipped": self.skipped_count,
            "duplicates": self.duplicates,
            "interrupted": self.interrupted,
            "first_started_at": self.first_started or None,
            "last_started_at": self.last_started or None,
            "status": {s: self.status[s] for s in OVERALL_STATUSES},
            "tool_versions": dict(self.tool_versions.most_common()),
            "profiles": dict(self.profiles.most_common()),
            "checklist": rows(self.checklist.values(), STATUSES),
            "checks": rows(self.checks.values(), STATUSES),
            "findings": findings,
            "skipped_files": [{"path": s.path, "reason": s.reason} for s in self.skipped],
        }


# ---------------------------------------------------------------------- renderers


def render_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("section", "id", "title", "severity", "total", "pass", "warn", "fail", "error", "skip", "manual", "share")


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (``=``, ``+``, ``-``, ``@`` …) in text cells."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def render_csv(summary: dict[str, Any]) -> str:
    """One table: a ``reports`` row (overall statuses), then checklist, check and finding rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    status = summary["status"]
    writer.writerow(["reports", "all", "overall result", "", summary["reports"], status["pass"], status["warn"],
                     status["fail"], status["error"], status["skip"], "", 1.0 if summary["reports"] else 0.0])
    for section, key in (("checklist", "checklist"), ("check", "checks")):
        for row in summary[key]:
            writer.writerow([section, _cell(row["id"]), _cell(row["title"]), "", row["total"],
                             *(row[s] for s in ("pass", "warn", "fail", "error", "skip", "manual")),
                             round(row["fail"] / summary["reports"], 4) if summary["reports"] else 0.0])
    for row in summary["findings"]:
        writer.writerow(["finding", _cell(row["code"]), _cell(row["title"]), row["severity"], row["endpoints"],
                         row["pass"], row["warn"], row["fail"], "", "", "", row["share"]])
    return out.getvalue()


def render_markdown(summary: dict[str, Any]) -> str:
    from reports.markdown import code, esc

    n = summary["reports"]

    def pct(count: int) -> str:
        return f"{100 * count / n:.1f}%" if n else "-"

    out = [f"# login-doctor fleet summary: {count_of(n, 'report')}", ""]
    read = f"Read {count_of(n, 'report')} from {count_of(summary['files'], 'file')}"
    extras = []
    if summary["skipped"]:
        extras.append(f"{summary['skipped']} unreadable skipped")
    if summary["duplicates"]:
        extras.append(f"{count_of(summary['duplicates'], 'duplicate report')} counted once")
    if summary["interrupted"]:
        extras.append(count_of(summary['interrupted'], 'interrupted run'))
    line = read + (f" ({'; '.join(extras)})" if extras else "") + "."
    if summary["first_started_at"]:
        line += f" Runs from {esc(summary['first_started_at'])} to {esc(summary['last_started_at'])}."
    out += [line, ""]
    out += ["| Result | Endpoints | Share |", "| --- | ---: | ---: |"]
    for status in ("fail", "error", "warn", "pass", "skip"):
        count = summary["status"][status]
        out.append(f"| {STATUS_LABEL[status]}: {OVERALL_SENTENCE[status]} | {count} | {pct(count)} |")
    out.append("")

    header = "| {first} | Fail | Not decided | Warn | Pass | Skipped | Check yourself |"
    align = "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for title, key, first in (("Safe sign-in checklist", "checklist", "Item"), ("Checks", "checks", "Check")):
        out += [f"## {title} (most failures first)", "", header.format(first=first), align]
        for row in summary[key]:
            name = f"{esc(row['title'])} ({code(row['id'])})" if row["title"] else code(row["id"])
            out.append(f"| {name} | {row['fail']} | {row['error']} | {row['warn']} | {row['pass']} | "
                       f"{row['skip']} | {row['manual']} |")
        out.append("")

    out += ["## Findings (most common failures first)", ""]
    if summary["findings"]:
        out += ["| Code | Severity | Endpoints | Share | Fail | Warn | Info | What it means |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for row in summary["findings"]:
            out.append(f"| {code(row['code'])} | {row['severity']} | {row['endpoints']} | {pct(row['endpoints'])} | "
                       f"{row['fail']} | {row['warn']} | {row['pass']} | {esc(row['title'])} |")
    else:
        out.append("No report holds a finding.")
    out.append("")
    if summary["skipped_files"]:
        out += [f"## Unreadable files ({summary['skipped']})", ""]
        out += [f"- {code(s['path'])}: {esc(s['reason'])}" for s in summary["skipped_files"][:50]]
        if summary["skipped"] > 50:
            out.append(f"- … and {summary['skipped'] - 50} more (the JSON format lists up to {MAX_LISTED_SKIPS}).")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


SUMMARY_FORMATS = {"markdown": render_markdown, "csv": render_csv, "json": render_json}
SUMMARY_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".json": "json"}
