"""The safe sign-in checklist: load the data, decide each item from check results.

The checklist is data (``diagnose/checklist.toml``, design §3.4) plus the
worst-of evaluation below. It sits at the bottom of the layers, next to the
model: the engine (:mod:`diagnose.session`) decides the checklist of every
report and the TUI previews it, while the renderers only print what was decided.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from diagnose.model import ChecklistItemResult, CheckResult, Status, worst_status
from diagnose.profiles import Profile


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One checklist item as data (``diagnose/checklist.toml``)."""

    id: str
    title: str
    checks: tuple[str, ...]
    advice_pass: str = ""
    advice_fail: str = ""
    advice_unknown: str = ""
    advice_manual: str = ""
    steps: tuple[str, ...] = ()
    recording_checks: tuple[str, ...] = ()
    """Checks that also decide the item when the diagnosis reads a browser's recording (``login-doctor har``)."""

    @property
    def manual(self) -> bool:
        return not self.checks


@cache
def load_checklist() -> tuple[ChecklistItem, ...]:
    """The built-in checklist, in display order."""
    raw = tomllib.loads(resources.files("diagnose").joinpath("checklist.toml").read_text("utf-8"))
    return tuple(
        ChecklistItem(
            id=item["id"],
            title=item["title"],
            checks=tuple(item.get("checks", ())),
            advice_pass=item.get("advice_pass", ""),
            advice_fail=item.get("advice_fail", ""),
            advice_unknown=item.get("advice_unknown", ""),
            advice_manual=item.get("advice_manual", ""),
            steps=tuple(item.get("steps", ())),
            recording_checks=tuple(item.get("recording_checks", ())),
        )
        for item in raw["item"]
    )


def for_recording(items: Sequence[ChecklistItem] | None = None) -> tuple[ChecklistItem, ...]:
    """The checklist as it is decided from a browser's recording: each item's checks plus its
    ``recording_checks`` (an item no recording check decides stays undecided, never passed)."""
    import dataclasses

    return tuple(
        dataclasses.replace(item, checks=(*item.checks, *item.recording_checks))
        for item in (items if items is not None else load_checklist())
    )


def evaluate(
    results: Sequence[CheckResult],
    profile: Profile,
    items: Sequence[ChecklistItem] | None = None,
) -> tuple[ChecklistItemResult, ...]:
    """Decide every item: worst-of its checks' statuses; manual items stay ``manual``.

    A check that did not run (left out, or not installed) counts as skipped,
    so an item whose checks all did not run is ``skip``, never ``pass``.
    """
    by_id: Mapping[str, CheckResult] = {r.id: r for r in results}
    out = []
    for item in items if items is not None else load_checklist():
        if item.manual:
            status = Status.MANUAL
            advice = item.advice_manual
        else:
            status = worst_status(by_id[c].status if c in by_id else Status.SKIP for c in item.checks)
            advice = _advice(item, status, [by_id[c] for c in item.checks if c in by_id])
        extra = profile.advice.get(item.id, "")
        if extra:
            advice = f"{advice} {extra}".strip()
        out.append(
            ChecklistItemResult(
                id=item.id,
                title=item.title,
                status=status,
                checks=item.checks,
                advice=advice,
                steps=item.steps,
            )
        )
    return tuple(out)


def _advice(item: ChecklistItem, status: Status, results: Sequence[CheckResult]) -> str:
    if status is Status.PASS:
        return item.advice_pass
    if status in (Status.FAIL, Status.WARN):
        # The most specific advice is the remediation of the most severe finding.
        findings = sorted(
            (f for r in results if r.status is status for f in r.findings),
            key=lambda f: f.severity.rank,
        )
        specific = findings[0].remediation if findings else ""
        return f"{item.advice_fail} {specific}".strip() if specific and specific not in item.advice_fail else item.advice_fail
    return item.advice_unknown
