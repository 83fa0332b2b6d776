"""The run's deadline as a check sees it, and the time budget of one step.

The engine hands every check a :class:`Deadline` (on the injected clock's
monotonic time): the run's deadline, or the check's own timeout when that
comes first. A check budgets each step from it::

    budget = ctx.deadline.budget(TLS_TIMEOUT)
    if budget.exhausted:
        ...                                   # no time left to even try: say so
    result = await ctx.net.tls_handshake(..., timeout=budget.seconds)
    if result.error == "timeout" and budget.cut:
        ...                                   # the deadline, not the server, ended it

A step's timeout is the smaller of its own limit and the time left minus
:data:`RESERVE`, the time kept to conclude and write the result, so a check
reports what it saw before the runner would have to cut it off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

RESERVE = 0.25
"""Seconds kept back from the deadline to conclude and write the result."""

MIN_STEP = 0.05
"""A budget shorter than this is not worth starting a step with."""

REPORT_RESERVE = 0.3
"""Seconds of a command's ``--timeout`` kept after the checks for the report: built, written, and the
process gone (0.1–0.3 s measured), so an agent that allows N seconds has the report at N. At most a
tenth of the timeout (:func:`command_deadline`)."""


@dataclass(frozen=True, slots=True)
class Budget:
    """The time one step may take."""

    seconds: float
    """How long the step may take: its own limit, or less when the deadline is nearer."""
    limit: float
    """The step's own limit."""

    @property
    def cut(self) -> bool:
        """True when the deadline, not the step's own limit, bounds it: a timeout then says
        "out of time", not "the server did not answer"."""
        return self.seconds < self.limit

    @property
    def exhausted(self) -> bool:
        """Too little time to start the step at all."""
        return self.seconds < MIN_STEP


@dataclass(frozen=True, slots=True)
class Deadline:
    """An instant on ``monotonic``'s clock by which a check must have concluded."""

    at: float
    monotonic: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, monotonic: Callable[[], float] = time.monotonic) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(monotonic() + seconds, monotonic)

    @classmethod
    def never(cls) -> Deadline:
        """No deadline (a check run on its own, outside the engine, keeps its own timeouts)."""
        return cls(math.inf)

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.at - self.monotonic())

    def earlier(self, seconds: float) -> Deadline:
        """This deadline, or ``seconds`` from now if that comes first."""
        return Deadline(min(self.at, self.monotonic() + seconds), self.monotonic)

    def budget(self, limit: float, *, reserve: float = RESERVE) -> Budget:
        """The time a step whose own limit is ``limit`` may take now."""
        return Budget(max(0.0, min(limit, self.remaining() - reserve)), limit)

    def expired(self, *, reserve: float = RESERVE) -> bool:
        """No time left for another step."""
        return self.remaining() - reserve < MIN_STEP


def command_deadline(timeout: float, started_s_ago: float, monotonic: Callable[[], float] = time.monotonic) -> Deadline:
    """The checks' deadline for a command given ``--timeout``: counted from the process's start
    (``started_s_ago``) and ending :data:`REPORT_RESERVE` early, so the command is over by then."""
    return Deadline.after(timeout - started_s_ago - min(REPORT_RESERVE, timeout / 10), monotonic)
