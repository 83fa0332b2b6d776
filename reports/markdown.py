"""Markdown: ready to paste into a helpdesk ticket.

Order (issue 7): the result and the helpdesk context, then the safe sign-in
checklist with one line of plain advice per item, then the checks that failed,
could not decide or warned with their findings and what to do, then every
check in a table, then the technical details (environment, warnings, what was
redacted, and each check's details and evidence folded in ``<details>``).

Every value is escaped for the place it goes (inline text, table cell, code
span, fenced block), so a hostile string can neither break the layout nor
inject links, images or HTML. Ticket systems differ in what Markdown they
render; the document reads fine as plain text too.
"""

from __future__ import annotations

import html
import re
from typing import Any

from reports.labels import INTERRUPTED_SENTENCE, NOT_DECIDED_ADVICE, OVERALL_SENTENCE, label
from reports.view import (
    actionable,
    context_rows,
    counts_sentence,
    environment_rows,
    is_plugin,
    notes,
    printable,
    problems,
    technical_json,
)

_SPECIAL = re.compile(r"([\\`*_\[\]<>|&#~!{}])")


def esc(text: Any) -> str:
    """Escape text for inline Markdown (also safe inside a table cell)."""
    return _SPECIAL.sub(r"\\\1", printable(text))


def code(text: Any) -> str:
    """A code span that holds any text: the fence is longer than any backtick run inside."""
    s = printable(text)
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def fenced(text: str, info: str = "") -> list[str]:
    """A fenced code block that no line of ``text`` can close early."""
    s = printable(text, multiline=True)
    longest = max((len(run) for run in re.findall(r"`{3,}", s)), default=2)
    fence = "`" * (longest + 1)
    return [f"{fence}{info}", *s.split("\n"), fence]


def render(data: dict[str, Any]) -> str:
    """The Markdown document for a report's JSON object."""
    out = [
        *_result(data),
        *_checklist(data),
        *_attention(data),
        *_all_checks(data),
        *_technical(data),
    ]
    return "\n".join(out).rstrip() + "\n"


def _result(data: dict[str, Any]) -> list[str]:
    """The title, the overall result in one sentence, and the helpdesk context."""
    status = data["status"]
    out = [f"# Sign-in diagnosis: {esc(data['target']['host'])}", ""]
    out.append(f"**Result: {label(status)}.** {esc(OVERALL_SENTENCE.get(status, ''))} {esc(counts_sentence(data))}")
    out.append("")
    if data.get("interrupted"):
        out += [f"> **Interrupted.** {esc(INTERRUPTED_SENTENCE)}", ""]
    for name, value in context_rows(data):
        out.append(f"- {name}: {code(value) if name in ('Address checked', 'Visited as', 'Sign-in address') else esc(value)}")
    if data.get("note"):
        out.append(f"- Note from the person: {esc(data['note'])}")
    out.append("")
    return out


def _checklist(data: dict[str, Any]) -> list[str]:
    """One line of advice per checklist item; the steps of the items the person checks."""
    out = ["## Safe sign-in checklist", ""]
    for item in data["checklist"]:
        out.append(f"- **{label(item['status'])}** {esc(item['title'])}: {esc(item['advice'])}")
        if item["status"] == "manual":
            out += [f"  - {esc(step)}" for step in item.get("steps", [])]
    out.append("")
    return out


def _attention(data: dict[str, Any]) -> list[str]:
    """The checks that failed, could not decide or warned: their findings and what to do."""
    found = problems(data)
    if not found:
        return []
    out = ["## What needs attention", ""]
    for check in found:
        out += [f"### {label(check['status'])}: {esc(check['title'])} ({code(check['id'])})", ""]
        out += [esc(check["summary"]), ""]
        if check["status"] == "error" and not actionable(check):
            out += [f"- What to do: {esc(NOT_DECIDED_ADVICE)}"]
        for f in actionable(check):
            out.append(f"- **{esc(f['message'])}** ({esc(f['severity'])}, {code(f['code'])})")
            if f.get("remediation"):
                out.append(f"  - What to do: {esc(f['remediation'])}")
        for f in notes(check):
            out.append(f"- Also noted: {esc(f['message'])} ({code(f['code'])})")
        out.append("")
    return out


def _all_checks(data: dict[str, Any]) -> list[str]:
    """Every check in one table."""
    out = ["## All checks", "", "| Check | Result | Summary | Time |", "| --- | --- | --- | --- |"]
    for check in data["checks"]:
        name = code(check["id"]).replace("|", "\\|") + (f" ({esc(check.get('source', ''))})" if is_plugin(check) else "")
        out.append(f"| {name} | {label(check['status'])} | {esc(check['summary'])} | {check['duration_ms']} ms |")
    if not data["checks"]:
        out.append("| (none) | | No check ran. | |")
    out.append("")
    return out


def _technical(data: dict[str, Any]) -> list[str]:
    """Environment, warnings, what was redacted, and each check's details folded in ``<details>``."""
    out = ["## Technical details", ""]
    out += [f"- {esc(name)}: {esc(value)}" for name, value in environment_rows(data)]
    for warning in data.get("warnings", []):
        out.append(f"- Warning: {esc(warning)}")
    redactions = data.get("redactions", [])
    out.append(
        f"- Removed before saving (names only, values never stored): {esc(', '.join(redactions))}"
        if redactions
        else "- Removed before saving: nothing secret was seen."
    )
    out.append("")
    for check in data["checks"]:
        out += ["<details>", f"<summary>{html.escape(printable(check['id']))}: details and evidence</summary>", ""]
        out += fenced(technical_json(check), "json")
        out += ["", "</details>", ""]
    return out
