"""The checklist as the TUI shows it while a run is in progress, without Textual.

The engine reports check by check; the person reads checklist items. This
module keeps the run's state (what was planned, started and finished) and
derives, for each row, whether it is waiting, running or decided, and with
which status. Once the run's :class:`~diagnose.model.Report` arrives its
checklist is authoritative, so the screen always agrees with the exported
report.

Rows are the checklist items of ``diagnose/checklist.toml`` in order, followed
by one row per planned check that no item names (a plugin's check must not be
invisible).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from diagnose.model import ChecklistItemResult, CheckResult, Report, Status, worst_status
from diagnose.profiles import Profile
from diagnose.registry import Plan

EXTRA_ROW_PREFIX = "check:"
"""Key prefix of rows for checks that no checklist item names."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the on-screen checklist."""

    key: str
    """The checklist item id, or ``check:<id>`` for a check outside the checklist."""
    title: str
    checks: tuple[str, ...]
    """Check ids that decide the row (empty: a manual item)."""
    advice: str = ""
    """What to do before any result is known (manual advice, or the generic hint)."""
    steps: tuple[str, ...] = ()

    @property
    def manual(self) -> bool:
        return not self.checks


class Activity(StrEnum):
    """Where a row stands in the current run."""

    IDLE = "idle"
    """No run has started yet."""
    WAITING = "waiting"
    """Its checks are planned but none has started."""
    RUNNING = "running"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class RowView:
    """What a row shows right now."""

    activity: Activity
    status: Status | None
    advice: str


def build_rows(plan: Plan, profile: Profile) -> tuple[Row, ...]:
    """The rows for a plan: every checklist item, then checks no item covers."""
    from diagnose.checklist import evaluate, load_checklist

    items = load_checklist()
    # Deciding with no results gives each item its "unknown"/manual advice,
    # with the profile's vendor facts added, exactly as a report would.
    idle = {i.id: i for i in evaluate((), profile, items)}
    rows = [Row(item.id, item.title, item.checks, idle[item.id].advice, item.steps) for item in items]
    covered = {c for item in items for c in item.checks}
    rows.extend(
        Row(f"{EXTRA_ROW_PREFIX}{info.id}", info.cls.title, (info.id,), info.cls.description)
        for info in plan.checks
        if info.id not in covered
    )
    return tuple(rows)


class Phase(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"


@dataclass
class RunState:
    """The state of the latest run, fed by engine events (through messages)."""

    rows: tuple[Row, ...]
    phase: Phase = Phase.IDLE
    planned: tuple[str, ...] = ()
    titles: dict[str, str] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    results: dict[str, CheckResult] = field(default_factory=dict)
    report: Report | None = None
    failure: str = ""
    """Set when the run ended without a report (the engine itself crashed)."""
    absent: str = ""
    """Why a check of a row is not in the report, when the report says it itself (a recording)."""

    def begin(self, check_ids: Iterable[str], titles: Iterable[str]) -> None:
        """A new run: forget the previous one."""
        self.phase = Phase.RUNNING
        self.planned = tuple(check_ids)
        self.titles = dict(zip(self.planned, titles, strict=False))
        self.started = set()
        self.results = {}
        self.report = None
        self.failure = ""

    def check_started(self, check_id: str) -> None:
        self.started.add(check_id)

    def check_finished(self, result: CheckResult) -> None:
        self.results[result.id] = result

    def finish(self, report: Report) -> None:
        self.phase = Phase.DONE
        self.report = report
        self.results = {c.id: c for c in report.checks}

    def fail(self, why: str) -> None:
        """The run ended without a report; unfinished rows read as not decided."""
        self.phase = Phase.DONE
        self.failure = why

    @property
    def progress(self) -> tuple[int, int]:
        """(checks finished, checks planned)."""
        return len(self.results), len(self.planned)

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)

    def item_result(self, key: str) -> ChecklistItemResult | None:
        if self.report is None:
            return None
        return next((i for i in self.report.checklist if i.id == key), None)

    def view(self, row: Row) -> RowView:
        """Status and activity of ``row`` now."""
        if row.manual:
            item = self.item_result(row.key)
            return RowView(Activity.DONE, Status.MANUAL, item.advice if item else row.advice)
        if self.phase is Phase.IDLE:
            return RowView(Activity.IDLE, None, row.advice)
        item = self.item_result(row.key)
        if item is not None:
            return RowView(Activity.DONE, item.status, item.advice)
        return _view_from_results(row, self.planned, self.started, self.results, self.phase, self.failure)


def _view_from_results(
    row: Row,
    planned: tuple[str, ...],
    started: set[str],
    results: Mapping[str, CheckResult],
    phase: Phase,
    failure: str,
) -> RowView:
    mine = [c for c in row.checks if c in planned]
    if not mine:
        # None of its checks is part of this run (not installed, or left out):
        # the row is skipped, never shown as passed.
        return RowView(Activity.DONE, Status.SKIP, row.advice)
    if all(c in results for c in mine):
        return RowView(Activity.DONE, worst_status(results[c].status for c in mine), row.advice)
    if phase is Phase.DONE:
        return RowView(Activity.DONE, Status.ERROR, failure or row.advice)
    if any(c in started or c in results for c in mine):
        return RowView(Activity.RUNNING, None, row.advice)
    return RowView(Activity.WAITING, None, row.advice)


def recording_rows(profile: Profile, report: Report) -> tuple[Row, ...]:
    """The rows for a report on a browser's recording (``login-doctor har``): the checklist as
    a recording decides it (:func:`diagnose.checklist.for_recording`), then the report's checks
    that no item names (``har``: what the recording cannot tell)."""
    from diagnose.checklist import evaluate, for_recording

    items = for_recording()
    idle = {i.id: i for i in evaluate((), profile, items)}
    rows = [Row(item.id, item.title, item.checks, idle[item.id].advice, item.steps) for item in items]
    covered = {c for item in items for c in item.checks}
    rows.extend(Row(f"{EXTRA_ROW_PREFIX}{c.id}", c.title, (c.id,)) for c in report.checks if c.id not in covered)
    return tuple(rows)


def finished_state(rows: tuple[Row, ...], report: Report) -> RunState:
    """A :class:`RunState` that shows a finished report (a recording's: nothing runs)."""
    state = RunState(rows, absent="A recording cannot answer this check: it needs the live service. Run login-doctor "
                                  "on the sign-in address for it.")
    state.begin((c.id for c in report.checks), (c.title for c in report.checks))
    state.finish(report)
    return state
