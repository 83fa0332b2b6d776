"""The reference clock: the true time, ticking, to compare with the authenticator's phone.

Large digits (Textual's ``Digits``) so the person can hold a phone next to
the screen; one line below says how far the device's own clock is off. The
time comes from the injected :class:`~diagnose.check.Clock` (the run's), so
a test with a fixed clock gets a fixed picture.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static

from diagnose.check import Clock
from diagnose.tui.refclock import describe_offset, true_time

TICK = 0.5
"""Redraw twice a second so the seconds never lag by a whole second."""

NOT_MEASURED = (
    "Reference clock: the true time was not measured in this run (the clock check did not run "
    "or could not reach a time server), so there is nothing to compare your phone with."
)


class ReferenceClock(Vertical):
    """Device time minus the measured offset, redrawn while shown."""

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self.measured: float | None = None

    def compose(self) -> ComposeResult:
        yield Digits("", id="refclock-digits")
        yield Static(NOT_MEASURED, id="refclock-text", markup=False)

    def on_mount(self) -> None:
        self.set_interval(TICK, self.tick)
        self.tick()

    def set_offset(self, offset: float | None) -> None:
        self.measured = offset
        self.tick()

    def tick(self) -> None:
        """Redraw (only while visible: a hidden clock costs nothing)."""
        if not self.display or not self.is_mounted:
            return
        digits = self.query_one(Digits)
        text = self.query_one("#refclock-text", Static)
        if self.measured is None:
            digits.display = False
            text.update(NOT_MEASURED)
            return
        now = true_time(self._clock.time(), self.measured)
        digits.display = True
        digits.update(f"{now:%H:%M:%S}")
        text.update(
            f"The true time ({now.tzname() or 'local time'}), measured by the clock check. "
            f"{describe_offset(self.measured)} Compare it with the phone that shows your authenticator codes."
        )
