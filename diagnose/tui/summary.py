"""The short summary the ``c`` key copies: a few lines to paste into a chat or ticket.

Built from the report only, which is redacted when evidence is captured, so
the summary holds no secrets either.
"""

from __future__ import annotations

from diagnose.model import Report, Status
from reports.labels import OVERALL_SENTENCE, label


def short_summary(report: Report) -> str:
    """Result, every checklist item with its status word, and the finding codes of problems."""
    lines = [
        f"login-doctor {report.tool_version}: {report.target.input} (profile {report.profile})",
        f"Result: {label(report.status.value)}: {OVERALL_SENTENCE.get(report.status.value, '')}",
    ]
    if report.interrupted:
        lines.append("The run was interrupted; only the checks that finished are reported.")
    lines.extend(f"{label(item.status.value)}  {item.title}" for item in report.checklist)
    problems = [
        f"{c.id}: {', '.join(f.code for f in c.findings) or c.summary}"
        for c in report.checks
        if c.status in (Status.FAIL, Status.WARN, Status.ERROR)
    ]
    if problems:
        lines.append("Problems: " + "; ".join(problems))
    lines.append(f"Started {report.started_at}, report id {report.report_id or '-'}")
    return "\n".join(lines) + "\n"
