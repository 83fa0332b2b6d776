"""The safe sign-in checklist: load the data, decide each item from the checks' findings and statuses.

The checklist is data (``diagnose/checklist.toml``, design §3.4): each item names
its inputs, the results (and finding codes) of the checks that decide it, and
the sentences it says. This module applies the rules, the same for every item,
documented in docs/reports.md ("How each item is decided"):

* **Status**: worst of the inputs (fail > error > warn > pass). An input whose
  check did not run, was skipped, or did not look at what the item needs counts
  as skipped. A pass needs an input that can pass the item (``pass``) and
  looked; otherwise the item is ``skip`` (or ``manual``), never ``pass``.
* **Advice**: composed once, from the decisive finding (the most severe finding
  that decides the item; a cause before a symptom): its message, then what to
  do, or a pointer to the item that carries that advice (``see``). Repeated
  sentences are dropped. Without a finding, the item's own sentence for its
  status: the ``pass`` sentences of the inputs that looked (and ``confirms``),
  ``advice_unknown``, or ``advice_manual``.

It sits at the bottom of the layers, next to the model: the engine decides the
checklist of every report (live runs and ``login-doctor har`` alike: recording
checks are inputs like any other), and the TUI previews it.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from diagnose.model import ChecklistItemResult, CheckResult, Finding, Severity, Status, severity_status, worst_status
from diagnose.profiles import Profile

_DECIDED = (Status.PASS, Status.WARN, Status.FAIL)


def matches(code: str, patterns: Sequence[str]) -> bool:
    """Whether ``code`` is one of ``patterns`` (exact codes or fnmatch patterns such as ``browser.*cookie*``)."""
    return any(code == p or fnmatch.fnmatchcase(code, p) for p in patterns)


@dataclass(frozen=True, slots=True)
class Input:
    """One check whose result decides an item (``[[item.input]]`` in ``checklist.toml``)."""

    check: str
    codes: tuple[str, ...] = ()
    """Only these findings of the check decide the item (the check's status does not); empty: all do."""
    except_: tuple[str, ...] = ()
    """Findings of the check that decide another item instead."""
    at_most: Status | None = None
    passes: str = ""
    """Said when the input looked and found nothing; empty: the input cannot pass the item."""
    confirms: str = ""
    """Added to a pass when the input looked and found nothing."""
    inconclusive: tuple[str, ...] = ()
    """Findings that mean the check did not look at what the item needs (they never decide it; alone,
    the input counts as not run)."""
    recording: bool = False

    @property
    def filtered(self) -> bool:
        """Whether the item reads some of the check's findings, not the check's own status."""
        return bool(self.codes or self.except_ or self.inconclusive)

    def counts(self, finding: Finding) -> bool:
        """Whether ``finding`` decides the item (info findings never do)."""
        if finding.severity is Severity.INFO:
            return False
        if self.codes and not matches(finding.code, self.codes):
            return False
        return not matches(finding.code, (*self.except_, *self.inconclusive))

    def cap(self, status: Status) -> Status:
        if self.at_most is not None and status in _DECIDED and status.rank > self.at_most.rank:
            return self.at_most
        return status


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One checklist item as data (``diagnose/checklist.toml``)."""

    id: str
    title: str
    inputs: tuple[Input, ...] = ()
    advice_unknown: str = ""
    advice_manual: str = ""
    steps: tuple[str, ...] = ()
    see: Mapping[str, str] = field(default_factory=dict)
    """Code pattern → item id: when the decisive finding matches, this item points at that one."""
    symptoms: tuple[str, ...] = ()
    """Findings that say what happened, not why: one as severe that names the cause is decisive instead."""
    manual_when_undecided: bool = False

    @property
    def checks(self) -> tuple[str, ...]:
        """The ids of every check that can decide the item, in order (empty: a manual item)."""
        return tuple(dict.fromkeys(i.check for i in self.inputs))

    @property
    def manual(self) -> bool:
        return not self.inputs


@cache
def load_checklist() -> tuple[ChecklistItem, ...]:
    """The built-in checklist, in display order."""
    raw = tomllib.loads(resources.files("diagnose").joinpath("checklist.toml").read_text("utf-8"))
    return tuple(_item(entry) for entry in raw["item"])


_ITEM_KEYS = {"id", "title", "input", "advice_unknown", "advice_manual", "steps", "see", "symptoms",
              "manual_when_undecided"}
_INPUT_KEYS = {"check", "codes", "except", "at_most", "pass", "confirms", "inconclusive", "recording"}


def _item(entry: Mapping[str, Any]) -> ChecklistItem:
    unknown = set(entry) - _ITEM_KEYS
    if unknown:
        raise ValueError(f"checklist item {entry.get('id')!r}: unknown keys {sorted(unknown)}")
    return ChecklistItem(
        id=entry["id"],
        title=entry["title"],
        inputs=tuple(_input(entry["id"], i) for i in entry.get("input", ())),
        advice_unknown=entry.get("advice_unknown", ""),
        advice_manual=entry.get("advice_manual", ""),
        steps=tuple(entry.get("steps", ())),
        see=dict(entry.get("see", {})),
        symptoms=tuple(entry.get("symptoms", ())),
        manual_when_undecided=bool(entry.get("manual_when_undecided", False)),
    )


def _input(item_id: str, entry: Mapping[str, Any]) -> Input:
    unknown = set(entry) - _INPUT_KEYS
    if unknown:
        raise ValueError(f"checklist item {item_id!r}: input {entry.get('check')!r} has unknown keys {sorted(unknown)}")
    return Input(
        check=entry["check"],
        codes=tuple(entry.get("codes", ())),
        except_=tuple(entry.get("except", ())),
        at_most=Status(entry["at_most"]) if "at_most" in entry else None,
        passes=entry.get("pass", ""),
        confirms=entry.get("confirms", ""),
        inconclusive=tuple(entry.get("inconclusive", ())),
        recording=bool(entry.get("recording", False)),
    )


# ----------------------------------------------------------------------------- deciding


@dataclass(frozen=True, slots=True)
class Reading:
    """What one input says about its item in one report."""

    input: Input
    result: CheckResult | None
    findings: tuple[Finding, ...]
    """The findings that decide the item, in the check's order."""
    status: Status
    looked: bool
    """The check decided (pass, warn or fail) and looked at what the item needs."""


def read_input(spec: Input, result: CheckResult | None) -> Reading:
    """The status and deciding findings ``result`` gives the item through ``spec``."""
    if result is None:
        return Reading(spec, None, (), Status.SKIP, looked=False)
    counted = tuple(f for f in result.findings if spec.counts(f))
    blind = not counted and any(matches(f.code, spec.inconclusive) for f in result.findings)
    looked = result.status in _DECIDED and not blind
    implied = [spec.cap(severity_status(f.severity)) for f in counted]
    if looked:
        status = _looked_status(spec, result, counted, implied)
    else:
        status = _undecided_status(spec, result, blind, implied)
    return Reading(spec, result, counted, status, looked)


def _looked_status(spec: Input, result: CheckResult, counted: Sequence[Finding], implied: Sequence[Status]) -> Status:
    """The check's own verdict when the item reads all of it (or set aside none of its findings); else
    what the findings the item reads imply."""
    set_aside = bool(spec.codes) or any(f.severity is not Severity.INFO and f not in counted for f in result.findings)
    return worst_status([Status.PASS, *implied]) if set_aside else spec.cap(result.status)


def _undecided_status(spec: Input, result: CheckResult, blind: bool, implied: Sequence[Status]) -> Status:
    """``error`` when the check that decides the item could not decide, else skipped. Named findings
    are facts even when the check did not finish; a skipped check's own findings only say why."""
    decides = spec.passes or not spec.filtered
    status = Status.ERROR if result.status is Status.ERROR and not blind and decides else Status.SKIP
    return worst_status([status, *implied]) if spec.filtered else status


def evaluate(
    results: Sequence[CheckResult],
    profile: Profile,
    items: Sequence[ChecklistItem] | None = None,
) -> tuple[ChecklistItemResult, ...]:
    """Decide every item from ``results`` (a live run's or a recording's checks)."""
    chosen = tuple(items) if items is not None else load_checklist()
    titles = {i.id: i.title for i in (*load_checklist(), *chosen)}
    by_id: Mapping[str, CheckResult] = {r.id: r for r in results}
    return tuple(decide(item, by_id, profile, titles) for item in chosen)


def decide(
    item: ChecklistItem,
    results: Mapping[str, CheckResult],
    profile: Profile,
    titles: Mapping[str, str] | None = None,
) -> ChecklistItemResult:
    """One item's status and advice from the results by check id."""
    readings = [read_input(spec, results.get(spec.check)) for spec in item.inputs]
    status = item_status(item, readings)
    advice = _advice(item, status, readings, titles or {})
    extra = profile.advice.get(item.id, "")
    return ChecklistItemResult(
        id=item.id,
        title=item.title,
        status=status,
        checks=_deciding_checks(readings),
        advice=compose(advice, extra),
        steps=item.steps,
    )


def _deciding_checks(readings: Sequence[Reading]) -> tuple[str, ...]:
    """The checks of this report that decide the item (can pass or confirm it, or found what decides it);
    when none of them ran, the live checks that would have."""
    ran = [r.input.check for r in readings
           if r.result is not None and (r.input.passes or r.input.confirms or r.findings)]
    would = [r.input.check for r in readings if r.input.passes and not r.input.recording]
    return tuple(dict.fromkeys(ran or would))


def item_status(item: ChecklistItem, readings: Sequence[Reading]) -> Status:
    """Worst of the inputs; a pass only when an input that can pass the item looked."""
    if item.manual:
        return Status.MANUAL
    status = worst_status(r.status for r in readings)
    if status is Status.PASS and not any(r.looked and r.input.passes for r in readings):
        status = Status.SKIP
    if status is Status.SKIP and item.manual_when_undecided:
        return Status.MANUAL
    return status


def decisive(item: ChecklistItem, status: Status, readings: Sequence[Reading]) -> Finding | None:
    """The finding the advice comes from: the most severe one that decides the item at its status (for
    ``error``: of the inputs that could not decide), a cause before a symptom, then in input order."""
    if status in (Status.FAIL, Status.WARN):
        found = [(f, n) for n, r in enumerate(readings) for f in r.findings
                 if r.input.cap(severity_status(f.severity)) is status]
    elif status is Status.ERROR:
        found = [(f, n) for n, r in enumerate(readings) if r.status is Status.ERROR for f in r.findings]
    else:
        return None
    if not found:
        return None
    ranked = sorted(found, key=lambda pair: (pair[0].severity.rank, matches(pair[0].code, item.symptoms), pair[1]))
    return ranked[0][0]


def _advice(item: ChecklistItem, status: Status, readings: Sequence[Reading], titles: Mapping[str, str]) -> str:
    if status is Status.MANUAL:
        return item.advice_manual
    if status is Status.PASS:
        said = [r.input.passes for r in readings if r.looked and r.input.passes and r.status is Status.PASS]
        said += [r.input.confirms for r in readings if r.looked and r.input.confirms and not r.findings]
        return compose(*said)
    finding = decisive(item, status, readings)
    if finding is None:
        return item.advice_unknown
    target = next((item_id for pattern, item_id in item.see.items() if matches(finding.code, (pattern,))), None)
    if target is not None:
        return compose(finding.message, f"See “{titles.get(target, target)}”.")
    return compose(finding.message, finding.remediation)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def compose(*parts: str) -> str:
    """``parts`` joined into one text in which no sentence is said twice."""
    said: set[str] = set()
    out: list[str] = []
    for part in parts:
        for sentence in _SENTENCE_END.split(part.strip()) if part else ():
            key = " ".join(sentence.lower().split())
            if key and key not in said:
                said.add(key)
                out.append(sentence.strip())
    return " ".join(out)
