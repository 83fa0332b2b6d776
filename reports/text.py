"""Plain text for a terminal; colour only when asked (the CLI asks on a TTY)."""

from __future__ import annotations

from typing import Any

from reports.labels import OVERALL_SENTENCE, SEVERITY_ORDER, label

_COLOURS = {"pass": "32", "warn": "33", "fail": "31", "error": "35", "skip": "2", "manual": "36"}


def render(data: dict[str, Any], *, color: bool = False) -> str:
    def paint(status: str, text: str) -> str:
        return f"\x1b[{_COLOURS[status]}m{text}\x1b[0m" if color and status in _COLOURS else text

    out: list[str] = []
    out.append(f"login-doctor {data['tool']['version']}: {data['target']['input']} (profile {data['profile']})")
    out.append(paint(data["status"], f"Result: {label(data['status'])}: {OVERALL_SENTENCE.get(data['status'], '')}"))
    if data.get("interrupted"):
        out.append("The run was interrupted; only the checks that finished are reported.")
    out.append("")
    out.append("Safe sign-in checklist")
    for item in data["checklist"]:
        out.append(f"  {paint(item['status'], label(item['status'])):<16} {item['title']}")
        if item["status"] != "pass":
            out.append(f"      {item['advice']}")
    out.append("")
    out.append("Checks")
    for check in data["checks"]:
        out.append(f"  {paint(check['status'], label(check['status'])):<16} {check['id']}: {check['summary']}")
        for f in sorted(check["findings"], key=lambda f: SEVERITY_ORDER.index(f["severity"])):
            if f["severity"] == "info":
                continue
            out.append(f"      [{f['code']}] {f['message']}")
            out.append(f"        What to do: {f['remediation']}")
    for warning in data.get("warnings", []):
        out.append(f"warning: {warning}")
    return "\n".join(out) + "\n"
