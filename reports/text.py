"""Plain text for a terminal; colour only when asked (the CLI asks on a TTY without ``NO_COLOR``).

The status word is always there, so the text reads the same without colour.
Every value from the report goes through :func:`reports.view.printable`: a
server's or plugin's text cannot send escape sequences to the terminal.
"""

from __future__ import annotations

from typing import Any

from reports.labels import INTERRUPTED_SENTENCE, NOT_DECIDED_ADVICE, OVERALL_SENTENCE, label
from reports.view import (
    actionable,
    attention_summary,
    context_rows,
    counts_sentence,
    is_plugin,
    notes,
    overall,
    printable,
    problems,
)
from reports.wrap import wrap as wrap_lines

_COLOURS = {"pass": "32", "warn": "33", "fail": "31", "error": "35", "skip": "2", "manual": "36"}
WIDTH = 100
LABEL_WIDTH = 16
"""Width of the widest status label (``☐ CHECK YOURSELF``), so titles line up."""


def render(data: dict[str, Any], *, color: bool = False) -> str:
    """The terminal text for a report's JSON object."""

    def paint(status: str, text: str) -> str:
        return f"\x1b[{_COLOURS[status]}m{text}\x1b[0m" if color and status in _COLOURS else text

    def badge(status: str) -> str:
        return paint(status, label(status).ljust(LABEL_WIDTH))

    def wrap(text: Any, indent: int) -> list[str]:
        pad = " " * indent
        return wrap_lines(printable(text), WIDTH, pad, break_on_hyphens=False) or [pad.rstrip()]

    out: list[str] = []
    status = overall(data)
    out.append(paint(status, f"Result: {label(status)}") + f"  {OVERALL_SENTENCE.get(status, '')}")
    out.append(counts_sentence(data))
    if data.get("interrupted"):
        out.append(paint("error", INTERRUPTED_SENTENCE))
    out.append("")
    for name, value in context_rows(data):
        out.append(f"{name + ':':<17}{printable(value)}")
    if data.get("note"):
        note = wrap(data["note"], 17)
        out += [f"{'Note:':<17}{note[0].lstrip()}", *note[1:]]
    out.append("")

    out.append("Safe sign-in checklist")
    for item in data["checklist"]:
        out.append(f"  {badge(item['status'])} {printable(item['title'])}")
        if item["status"] != "pass":
            out += wrap(item["advice"], LABEL_WIDTH + 3)
    out.append("")

    found = problems(data)
    if found:
        out.append("What needs attention")
        for check in found:
            out.append(f"  {badge(check['status'])} {printable(check['title'])} ({printable(check['id'])})")
            out += wrap(attention_summary(check), LABEL_WIDTH + 3) if attention_summary(check) else []
            if check["status"] == "error" and not actionable(check):
                out += wrap(f"What to do: {NOT_DECIDED_ADVICE}", LABEL_WIDTH + 5)
            for f in actionable(check):
                out += wrap(f"[{f['code']}, {f['severity']}] {f['message']}", LABEL_WIDTH + 3)
                if f.get("remediation"):
                    out += wrap(f"What to do: {f['remediation']}", LABEL_WIDTH + 5)
            for f in notes(check):
                out += wrap(f"Also noted: {f['message']}", LABEL_WIDTH + 3)
        out.append("")

    out.append("All checks")
    for check in data["checks"]:
        source = f" [{printable(check.get('source', ''))}]" if is_plugin(check) else ""
        out.append(
            f"  {badge(check['status'])} {printable(check['id']):<14}{check['duration_ms']:>6} ms  "
            f"{printable(check['summary'])}{source}"
        )
    if not data["checks"]:
        out.append("  No check ran.")
    for warning in data.get("warnings", []):
        out += wrap(f"warning: {warning}", 0)
    redactions = data.get("redactions", [])
    if redactions:
        out += ["", *wrap(f"Removed before saving (names only): {', '.join(redactions)}", 0)]
    return "\n".join(out) + "\n"
