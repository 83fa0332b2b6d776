"""The async scheduler: runs a plan's checks as a dependency graph.

* Every check starts as soon as the checks it declared (``requires`` and
  ``optional``) have finished, so independent checks run concurrently and a
  run lasts as long as its slowest chain, not the sum.
* A check whose hard dependency did not pass or warn is skipped, and its
  summary says which dependency and why.
* A check may read other checks' results near its end instead (``reads_later``):
  it starts at once, and ``ctx.later`` waits for them within its deadline
  (never for a check that itself waits for this one).
* Each check runs under its own timeout; an exception is ``error`` for that
  check only (sslyze's rule: a crashed check is never a failure of the run).
* Each check's context carries its deadline (the run's, or its own timeout if
  sooner) so it can budget its steps and conclude in time by itself.
* One deadline covers the run: at the deadline everything still running is
  cancelled and reported as ``error`` ("cut off"), and the results that did
  finish are returned all the same.
* If the run itself is cancelled (Ctrl-C), the results so far are returned
  with :attr:`RunOutcome.interrupted` set, so the caller can still write them.
* Checks that reason together run side by side and reconcile at the end: once
  every check has finished (or was cut off), each check that names others in
  ``reconciles_with`` may re-judge its result from theirs (:meth:`Check.reconcile`,
  pure and quick). A changed result is emitted again as a revised
  :class:`~diagnose.events.CheckFinished`.
* Every result passes through :meth:`~diagnose.redact.Redactor.result` the
  moment it is recorded, before anything else sees it: the
  :class:`~diagnose.events.CheckFinished` event (the progress line, the
  terminal app), the checks that depend on it (a skip repeats its
  dependency's summary) and the returned results hold only redacted text.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from diagnose.check import Check, CheckContext, ResultWaiter, check_result_from
from diagnose.events import CheckFinished, CheckStarted, Event
from diagnose.model import CheckResult, Status
from diagnose.redact import Redactor
from diagnose.registry import CheckInfo, Plan

EventSink = Callable[[Event], None]

PASSING = (Status.PASS, Status.WARN)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """Results in plan order, whether the deadline cut the run, and whether it was interrupted."""

    results: tuple[CheckResult, ...]
    deadline_hit: bool
    interrupted: bool


ContextFactory = Callable[[Mapping[str, CheckResult]], CheckContext]
"""Builds the :class:`CheckContext` of a check from its dependencies' results."""


async def run_plan(
    plan: Plan,
    make_context: ContextFactory,
    *,
    deadline: float,
    on_event: EventSink | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    debug: bool = False,
    redactor: Redactor | None = None,
) -> RunOutcome:
    """Run every check of ``plan`` and return their results in plan order.

    ``deadline`` is a time on the ``monotonic`` clock by which the run ends.
    ``debug`` puts a crashed check's exception message and traceback in its
    details; otherwise they name the exception's type only (a traceback names
    local paths, a message may hold anything).
    ``redactor`` is the run's (the one the checks' contexts carry): every
    result goes through it when it is recorded, and its list of redacted
    fields becomes the report's.
    """
    emit = on_event or (lambda event: None)
    redact = redactor or Redactor()
    total = len(plan.checks)
    results: dict[str, CheckResult] = {}
    finished: dict[str, asyncio.Event] = {info.id: asyncio.Event() for info in plan.checks}
    started: dict[str, float] = {}
    ran: dict[str, Check] = {}
    """The instance that produced each check's own result (the one that may reconcile it)."""

    def record(result: CheckResult) -> None:
        # The only way a result leaves its check: redacted first, then stored and announced.
        result = redact.result(result)
        results[result.id] = result
        finished[result.id].set()
        emit(CheckFinished(result, len(results), total))

    def waiter(cls: type[Check]) -> ResultWaiter:
        # A check that (through its own dependencies) waits for this one is never waited for: no deadlock.
        readable = {d for d in cls.reads_later if d in finished and cls.id not in _dependencies(d, plan)}

        async def later(check_id: str) -> CheckResult | None:
            if check_id not in readable:
                return None
            await finished[check_id].wait()
            return results.get(check_id)

        return later

    async def one(info: CheckInfo) -> None:
        cls = info.cls
        deps = [d for d in (*cls.requires, *cls.optional) if d in finished]
        for dep in deps:
            await finished[dep].wait()
        blocked = _blocking_dependency(cls, results, plan)
        if blocked is not None:
            record(_synthetic(info, Status.SKIP, blocked, 0))
            return
        emit(CheckStarted(cls.id, cls.title))
        begin = monotonic()
        started[cls.id] = begin
        ctx = make_context({d: results[d] for d in deps if d in results})
        ctx = dataclasses.replace(ctx, deadline=ctx.deadline.earlier(cls.timeout), later=waiter(cls))
        result, check = await _execute(info, ctx, lambda: _ms(monotonic() - begin), debug)
        if check is not None:
            ran[cls.id] = check
        record(result)

    tasks = {info.id: asyncio.create_task(one(info), name=f"check:{info.id}") for info in plan.checks}
    deadline_hit, interrupted = await _wait(list(tasks.values()), max(0.0, deadline - monotonic()))
    now = monotonic()
    for info in plan.checks:
        if info.id not in results:
            begun = started.get(info.id)
            record(_unfinished(info, None if begun is None else _ms(now - begun), interrupted=interrupted))
    # A re-judged result leaves its check like any other: redacted first.
    reconciled = {k: redact.result(r) for k, r in _reconcile(plan, results, ran).items()}
    for info in plan.checks:
        if info.id in reconciled:
            emit(CheckFinished(reconciled[info.id], total, total, revised=True))
    return RunOutcome(
        tuple(reconciled.get(i.id, results[i.id]) for i in plan.checks),
        deadline_hit=deadline_hit,
        interrupted=interrupted,
    )


async def _execute(
    info: CheckInfo, ctx: CheckContext, elapsed_ms: Callable[[], int], debug: bool
) -> tuple[CheckResult, Check | None]:
    """Run one check within its own limit: its result, and the instance that produced it (None when
    the check crashed or ran out of its time: nothing of it is left to reconcile)."""
    cls = info.cls
    try:
        check = cls()
        async with asyncio.timeout(cls.timeout):
            outcome = await check.run(ctx)
        return check_result_from(cls, outcome, elapsed_ms(), info.source), check
    except TimeoutError:
        return _synthetic(
            info,
            Status.ERROR,
            f"The check did not finish within its {cls.timeout:g} s limit, so it could not decide.",
            elapsed_ms(),
            {"error": "timeout", "timeout_s": cls.timeout},
        ), None
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug in a check is an error for that check only
        return _synthetic(
            info,
            Status.ERROR,
            f"The {cls.id} check stopped with an internal error ({type(exc).__name__}), so it could not decide.",
            elapsed_ms(),
            _crash_details(exc, ctx, debug),
        ), None


async def _wait(tasks: list[asyncio.Task[None]], remaining: float) -> tuple[bool, bool]:
    """Wait for the checks until the run's deadline, then cancel what is left and let it wind down.

    Returns (the deadline cut some off, the run was interrupted): Ctrl-C (a cancelled wait) still
    returns, so the report holds what finished."""
    interrupted = deadline_hit = False
    try:
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=remaining)
            deadline_hit = bool(pending)
    except asyncio.CancelledError:
        interrupted = _uncancel()
    finally:
        for task in tasks:
            task.cancel()
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        except asyncio.CancelledError:  # Ctrl-C just as the checks wind down
            interrupted = _uncancel()
    return deadline_hit, interrupted


def _uncancel() -> bool:
    """Take back the cancellation of the running task (the run goes on to report); True."""
    current = asyncio.current_task()
    if current is not None:
        current.uncancel()
    return True


def _unfinished(info: CheckInfo, ran_ms: int | None, *, interrupted: bool) -> CheckResult:
    """The result of a check the run's end caught: started ``ran_ms`` ago, or never started (None)."""
    if ran_ms is None:
        return _synthetic(
            info,
            Status.ERROR,
            "The run ended before this check could start, so it could not decide.",
            0,
            {"error": "interrupted" if interrupted else "deadline"},
        )
    if interrupted:
        summary = "The run was interrupted before this check finished, so it could not decide."
    else:
        summary = "The run's time limit was reached before this check finished, so it could not decide."
    return _synthetic(info, Status.ERROR, summary, ran_ms,
                      {"error": "interrupted" if interrupted else "cut off by the run's deadline"})


def _reconcile(plan: Plan, results: Mapping[str, CheckResult], ran: Mapping[str, Check]) -> dict[str, CheckResult]:
    """The results that reconciliation changed, by check id.

    Every check that produced its own result and names others in ``reconciles_with`` is asked once,
    with the results of those of them that took part (possibly none), each as its check produced it.
    """
    changed: dict[str, CheckResult] = {}
    for info in plan.checks:
        check = ran.get(info.id)
        if check is None or not info.cls.reconciles_with:
            continue
        own = results[info.id]
        others = {d: results[d] for d in info.cls.reconciles_with if d in results and d != info.id}
        try:
            outcome = check.reconcile(own, others)
        except Exception as exc:  # a bug in a reconciliation is an error for that check only
            changed[info.id] = dataclasses.replace(
                own,
                status=Status.ERROR,
                title=info.cls.result_title(Status.ERROR),
                summary=f"The check stopped with an internal error ({type(exc).__name__}) while it re-judged "
                "its result with the other checks' results, so it could not decide.",
                details={**own.details, "error": "reconcile", "exception": type(exc).__name__},
            )
            continue
        if outcome is not None:
            changed[info.id] = check_result_from(info.cls, outcome, own.duration_ms, info.source)
    return changed


def _crash_details(exc: Exception, ctx: CheckContext, debug: bool) -> dict[str, object]:
    """What the report says about a check that crashed: the exception's type; with ``--debug``
    also its message and the last frames of its traceback (through the run's redactor)."""
    details: dict[str, object] = {"error": "exception", "exception": type(exc).__name__}
    if debug:
        details["message"] = ctx.redact.text(str(exc))[:500]
        details["trace"] = ctx.redact.text("".join(traceback.format_exception(exc, limit=-4)))[-2000:]
    return details


def _dependencies(check_id: str, plan: Plan) -> set[str]:
    """Every check ``check_id`` waits for (before it starts, or near its end), directly or through others."""
    by_id = {info.id: info.cls for info in plan.checks}
    seen: set[str] = set()
    pending = [check_id]
    while pending:
        cls = by_id.get(pending.pop())
        for dep in (*cls.requires, *cls.optional, *cls.reads_later) if cls is not None else ():
            if dep not in seen:
                seen.add(dep)
                pending.append(dep)
    return seen


def _blocking_dependency(cls: type[Check], results: Mapping[str, CheckResult], plan: Plan) -> str | None:
    """The skip reason when a hard dependency did not pass or warn, else None."""
    for dep in cls.requires:
        if dep in plan.skipped_by_request:
            return f"Skipped: it needs the {dep} check, which was left out of this run."
        result = results.get(dep)
        if result is None:
            return f"Skipped: it needs the {dep} check, which did not run."
        if result.status not in PASSING:
            return f"Skipped because the {dep} check did not pass ({result.status.value}): {result.summary}"
    return None


CUT_SHORT = frozenset({"interrupted", "deadline"})
"""``details["error"]`` of a result the runner wrote for a check that never finished."""


def cut_short(result: CheckResult) -> bool:
    """True when ``result`` is the runner's stand-in for a check that was stopped or ran out of time
    (it is in the report so every planned check is accounted for, but the check did not finish)."""
    return result.details.get("error") in CUT_SHORT


def _synthetic(
    info: CheckInfo,
    status: Status,
    summary: str,
    duration_ms: int,
    details: Mapping[str, object] | None = None,
) -> CheckResult:
    return CheckResult(
        id=info.id,
        title=info.cls.title,
        status=status,
        summary=summary,
        duration_ms=duration_ms,
        details=dict(details or {}),
        source=info.source,
        version=info.cls.version,
    )


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))
