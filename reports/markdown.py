"""Markdown: ready to paste into a helpdesk ticket.

The checklist comes first (one line of plain advice per item), then the checks
that failed or warned with their findings and remediation, then the technical
details a technician needs.
"""

from __future__ import annotations

import json
from typing import Any

from reports.labels import OVERALL_SENTENCE, SEVERITY_ORDER, label


def _esc(text: Any) -> str:
    """Escape text for a Markdown table cell or inline context."""
    s = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    for ch in "`*_[]<>":
        s = s.replace(ch, "\\" + ch)
    return s


def render(data: dict[str, Any]) -> str:
    out: list[str] = []
    target = data["target"]
    out.append(f"# login-doctor report: {_esc(target['host'])}")
    out.append("")
    out.append(f"**Result: {label(data['status'])}**: {OVERALL_SENTENCE.get(data['status'], '')}")
    if data.get("interrupted"):
        out.append("")
        out.append("> The run was interrupted; only the checks that finished are reported.")
    out.append("")
    out.append(f"- Address checked: `{_code(target['input'])}`")
    out.append(f"- Profile: {_esc(data['profile'])}")
    out.append(f"- Time: {data['started_at']} (UTC), local {data.get('environment', {}).get('local_time', '')}")
    out.append(f"- login-doctor {data['tool']['version']}, report {data.get('report_id', '')}")
    if data.get("note"):
        out.append(f"- Note from the person: {_esc(data['note'])}")
    out.append("")

    out.append("## Safe sign-in checklist")
    out.append("")
    for item in data["checklist"]:
        out.append(f"- **{label(item['status'])}** {_esc(item['title'])}: {_esc(item['advice'])}")
        if item["status"] == "manual":
            for step in item.get("steps", []):
                out.append(f"  - {_esc(step)}")
    out.append("")

    problems = [c for c in data["checks"] if c["status"] in ("fail", "warn", "error")]
    if problems:
        out.append("## What needs attention")
        out.append("")
        for check in problems:
            out.append(f"### {label(check['status'])} {_esc(check['title'])} (`{check['id']}`)")
            out.append("")
            out.append(_esc(check["summary"]))
            out.append("")
            for f in sorted(check["findings"], key=lambda f: SEVERITY_ORDER.index(f["severity"])):
                if f["severity"] == "info" and check["status"] != "error":
                    continue
                out.append(f"- **{_esc(f['message'])}** ({f['severity']}, `{f['code']}`)")
                out.append(f"  - What to do: {_esc(f['remediation'])}")
            out.append("")

    out.append("## All checks")
    out.append("")
    out.append("| Check | Result | Summary | Time |")
    out.append("| --- | --- | --- | --- |")
    for check in data["checks"]:
        out.append(
            f"| `{check['id']}` | {label(check['status'])} | {_esc(check['summary'])} | {check['duration_ms']} ms |"
        )
    out.append("")

    out.append("## Technical details")
    out.append("")
    env = data.get("environment", {})
    for key in ("os", "python", "local_time", "time_zone", "proxy", "resolvers", "pins", "trust_stores"):
        if key in env:
            out.append(f"- {key.replace('_', ' ')}: {_esc(_flat(env[key]))}")
    for warning in data.get("warnings", []):
        out.append(f"- warning: {_esc(warning)}")
    if data.get("redactions"):
        out.append(f"- redacted before saving: {_esc(', '.join(data['redactions']))}")
    out.append("")
    for check in data["checks"]:
        out.append("<details>")
        out.append(f"<summary>{check['id']}: details and evidence</summary>")
        out.append("")
        out.append("```json")
        payload = {"details": check["details"], "findings": check["findings"]}
        out.append(json.dumps(payload, indent=2, ensure_ascii=False).replace("```", "`\u200b``"))
        out.append("```")
        out.append("")
        out.append("</details>")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _code(text: str) -> str:
    return str(text).replace("`", "'").replace("\n", " ")


def _flat(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(_flat(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_flat(v)}" for k, v in value.items()) or "none"
    return str(value)
