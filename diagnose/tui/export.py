"""Export a report as the files a helpdesk asks for: Markdown, HTML and JSON.

Formats come from :data:`reports.render.FORMATS`, so HTML is exported as
soon as a renderer for it is installed, and a missing one is simply not
written (never a half-empty file). Every file is written atomically.
"""

from __future__ import annotations

from pathlib import Path

from diagnose.model import Report

EXPORT_FORMATS = ("markdown", "html", "json")
"""Formats the ``e`` key writes, in this order, when a renderer exists."""

_SUFFIX = {"markdown": ".md", "html": ".html", "json": ".json", "text": ".txt", "junit": ".xml"}


def export_formats() -> list[str]:
    """The export formats this build can render."""
    from reports.render import FORMATS

    return [fmt for fmt in EXPORT_FORMATS if fmt in FORMATS]


def file_stem(report: Report) -> str:
    """``login-doctor-20261122-100000-1a2b3c4d``: sortable, and unique per run."""
    stamp = "".join(ch for ch in report.started_at if ch.isdigit())
    stamp = f"{stamp[:8]}-{stamp[8:14]}" if len(stamp) >= 14 else stamp or "report"
    suffix = report.report_id.replace("-", "")[:8]
    return f"login-doctor-{stamp}-{suffix}" if suffix else f"login-doctor-{stamp}"


def export_report(report: Report, directory: Path) -> list[Path]:
    """Write the report in every export format into ``directory``; return the paths.

    The directory is created when missing. Raises :class:`OSError` when it
    cannot be written.
    """
    from diagnose.model import report_to_json
    from diagnose.writer import write_atomic
    from reports.render import render

    directory.mkdir(parents=True, exist_ok=True)
    data = report_to_json(report)
    stem = file_stem(report)
    paths = []
    for fmt in export_formats():
        path = directory / f"{stem}{_SUFFIX.get(fmt, '.' + fmt)}"
        write_atomic(path, render(data, fmt))
        paths.append(path)
    return paths
