"""What one checklist item means for this person: plain advice first, evidence folded below.

Used by the item screen and, on wide terminals, by the preview pane beside
the checklist. Everything a server or a check produced is shown as literal
text (``markup=False``): evidence is data, never Textual markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from diagnose.model import CheckResult, Finding, Severity
from diagnose.tui.rows import Activity, Phase, Row, RowView, RunState
from diagnose.tui.widgets.checklist import status_class, status_text


def _text(content: str, *classes: str) -> Static:
    return Static(content, classes=" ".join(classes), markup=False)


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


class ItemDetails(Vertical):
    """The details of one row in the current state of the run."""

    def __init__(self, row: Row | None, state: RunState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row = row
        self.state = state

    def compose(self) -> ComposeResult:
        yield from self._widgets()

    async def show(self, row: Row | None, state: RunState) -> None:
        """Replace the contents with ``row`` in ``state``."""
        self.row, self.state = row, state
        await self.remove_children()
        await self.mount_all(list(self._widgets()))

    def _widgets(self) -> Iterator[Widget]:
        row, state = self.row, self.state
        if row is None:
            yield _text("Select an item of the checklist to see what it means for you.", "hint")
            return
        view = state.view(row)
        yield _text(row.title, "item-title")
        yield _text(status_text(view), "item-status", status_class(view))
        if view.advice:
            yield _text("What to do", "heading")
            yield _text(view.advice, "advice")
        if row.manual:
            if row.steps:
                yield _text("Steps", "heading")
                yield _text("\n".join(f"{n}. {step}" for n, step in enumerate(row.steps, 1)), "steps")
            return
        for check_id in row.checks:
            yield from self._check(check_id, state)

    def _check(self, check_id: str, state: RunState) -> Iterator[Widget]:
        result = state.results.get(check_id)
        title = result.title if result else state.titles.get(check_id)
        yield _text(f"{title}  ({check_id} check)" if title else f"The {check_id} check", "check-title")
        if result is None:
            yield _text(_pending_reason(check_id, state), "check-summary")
            return
        yield _text(status_text(_done(result)), "item-status", f"-{result.status.value}")
        problems = sorted(
            (f for f in result.findings if f.severity is not Severity.INFO),
            key=lambda f: f.severity.rank,
        )
        if result.summary not in {f.message for f in problems}:
            yield _text(result.summary, "check-summary")
        for finding in problems:
            yield _text(f"• {finding.message}", "finding")
            if finding.remediation:
                yield _text(f"What to do: {finding.remediation}", "remediation")
        yield Collapsible(
            _text(_technical(result), "evidence"),
            title=f"Technical details ({check_id})",
            collapsed=True,
        )


def _done(result: CheckResult) -> RowView:
    return RowView(Activity.DONE, result.status, "")


def _pending_reason(check_id: str, state: RunState) -> str:
    """Why a check of the row has no result (yet)."""
    if state.phase is Phase.IDLE:
        return "Not run yet."
    if check_id not in state.planned:
        return state.absent or "This check is not part of this run (it is not installed, or was left out)."
    if state.phase is Phase.DONE:
        return "The run ended before this check finished, so it could not decide."
    if check_id in state.started:
        return "Running…"
    return "Waiting for the checks it depends on."


def _technical(result: CheckResult) -> str:
    lines = [
        f"check {result.id} version {result.version or '-'} ({result.source}), "
        f"status {result.status.value}, {result.duration_ms} ms"
    ]
    for finding in sorted(result.findings, key=lambda f: f.severity.rank):
        lines.append("")
        lines.extend(_finding_lines(finding))
    if result.details:
        lines.append("")
        lines.append("details:")
        lines.append(_json(result.details))
    return "\n".join(lines)


def _finding_lines(finding: Finding) -> list[str]:
    lines = [f"{finding.code} ({finding.severity.value})"]
    if finding.severity is Severity.INFO:
        lines.append(finding.message)
    if finding.evidence:
        lines.append(_json(finding.evidence))
    return lines
