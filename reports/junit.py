"""JUnit XML: one test case per check, for monitoring tools and CI.

The mapping monitoring tools expect (Jenkins, GitLab, Azure DevOps, RMM
dashboards that read JUnit):

* ``fail`` → ``<failure>`` (type: the worst finding's code);
* ``error`` → ``<error>`` (the check could not decide: timeout, crash, cut off);
* ``skip`` and ``manual`` → ``<skipped>`` (never counted as passed);
* ``pass`` and ``warn`` pass; a warning's findings are in ``<system-out>``.

Run context (report id, profile, target, overall status, checklist statuses)
is in ``<properties>``. Nothing names the machine: there is no ``hostname``.
The document is built with :mod:`xml.etree.ElementTree`, which escapes every
value; characters XML 1.0 cannot hold (control characters, lone surrogates)
are written as visible escapes first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

from reports.labels import label
from reports.view import actionable, findings_by_severity, overall, printable, technical_json


def _s(value: Any) -> str:
    return printable(value, multiline=True)


def _seconds(ms: Any) -> str:
    return f"{int(ms) / 1000:.3f}"


def render(data: dict[str, Any]) -> str:
    """The JUnit XML document for a report's JSON object."""
    checks = data["checks"]
    counts = Counter(c["status"] for c in checks)
    totals = {
        "tests": str(len(checks)),
        "failures": str(counts["fail"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["skip"] + counts["manual"]),
        "time": _seconds(data["duration_ms"]),
    }
    timestamp = str(data["started_at"]).removesuffix("Z")
    root = ET.Element("testsuites", {"name": "login-doctor", **totals})
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": _s(f"login-doctor {data['target']['host']}"), **totals, "timestamp": _s(timestamp),
         "id": _s(data.get("report_id", ""))},
    )
    properties = ET.SubElement(suite, "properties")
    props: list[tuple[str, Any]] = [
        ("report_id", data.get("report_id", "")),
        ("tool_version", data["tool"]["version"]),
        ("profile", data["profile"]),
        ("target", data["target"]["input"]),
        ("status", overall(data)),
        ("interrupted", "true" if data.get("interrupted") else "false"),
        *((f"checklist.{item['id']}", item["status"]) for item in data["checklist"]),
    ]
    if data.get("note"):
        props.append(("note", data["note"]))
    for name, value in props:
        ET.SubElement(properties, "property", {"name": _s(name), "value": _s(value)})

    for check in checks:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": _s(f"login-doctor.{check['id']}"), "name": _s(f"{check['id']}: {check['title']}"),
             "time": _seconds(check["duration_ms"])},
        )
        status = check["status"]
        findings = findings_by_severity(check)
        if status == "fail":
            worst = actionable(check)[:1] or findings[:1]
            element = ET.SubElement(
                case, "failure", {"message": _s(check["summary"]), "type": _s(worst[0]["code"] if worst else "fail")}
            )
            element.text = _s(_findings_text(check))
        elif status == "error":
            element = ET.SubElement(case, "error", {"message": _s(check["summary"]), "type": "not-decided"})
            element.text = _s(_findings_text(check))
        elif status in ("skip", "manual"):
            ET.SubElement(case, "skipped", {"message": _s(f"{label(status)}: {check['summary']}")})
        out = [f"{label(status)}: {check['summary']}"]
        if status in ("pass", "warn") and findings:
            out.append(_findings_text(check))
        out.append(technical_json(check))
        ET.SubElement(case, "system-out").text = _s("\n".join(out))
    for warning in data.get("warnings", []):
        ET.SubElement(suite, "system-err").text = _s(f"warning: {warning}")
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _findings_text(check: dict[str, Any]) -> str:
    lines = [check["summary"]]
    for f in findings_by_severity(check):
        lines.append(f"[{f['severity']}] {f['code']}: {f['message']}")
        if f.get("remediation") and f["severity"] != "info":
            lines.append(f"  What to do: {f['remediation']}")
    return "\n".join(lines)
