"""Progress events the runner emits while a diagnosis runs.

Front ends subscribe with a plain callback: the headless CLI prints a line on
stderr, the TUI turns each event into a Textual message. The engine never knows
which; these types hold no UI objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnose.model import CheckResult, Report, Target


@dataclass(frozen=True, slots=True)
class RunStarted:
    """The plan is fixed and checks are about to start."""

    target: Target
    check_ids: tuple[str, ...]
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CheckStarted:
    """A check began running (its dependencies are done)."""

    check_id: str
    title: str


@dataclass(frozen=True, slots=True)
class CheckFinished:
    """A check produced its result (including skip, error and timeout).

    ``revised``: the result replaces one emitted earlier: the check re-judged it with other checks'
    results once they had finished (:meth:`diagnose.check.Check.reconcile`).
    """

    result: CheckResult
    done: int
    total: int
    revised: bool = False


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The report is complete."""

    report: Report


Event = RunStarted | CheckStarted | CheckFinished | RunFinished
