"""Local wall time for one measurement, read once and advanced by the monotonic clock.

Every local timestamp of the clock check comes from the injected
:class:`~diagnose.check.Clock` (tests inject one that runs ahead or behind).
The wall clock is read once; later instants are that reading plus monotonic
time elapsed. So a clock that is stepped while the check runs (an NTP daemon
correcting it) cannot tear one exchange in two, and ``T1``/``T4`` of an NTP
exchange are always consistent with each other.
"""

from __future__ import annotations

from diagnose.check import Clock


class Timebase:
    """``now()`` is the device's wall time; ``mono()`` the monotonic time for deadlines."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._mono0 = clock.monotonic()
        self._wall0 = clock.time()

    def now(self) -> float:
        """The device's wall-clock time now (seconds since the epoch, as the device believes)."""
        return self._wall0 + (self._clock.monotonic() - self._mono0)

    def mono(self) -> float:
        """Monotonic seconds (for deadlines and waits)."""
        return self._clock.monotonic()
