"""The reference clock: the true time as the ``clock`` check measured it.

Authenticator codes are only accepted when the phone's clock is right; the
person compares the phone with this clock. The ``clock`` check hands on a
:class:`~diagnose.facts.ClockOffset`: the device's time minus the true time
(seconds), so the true time now is the device's time minus that offset.
Without a measurement the TUI says so instead of showing the device's own clock.
"""

from __future__ import annotations

from datetime import datetime

from diagnose.facts import ClockOffset
from diagnose.model import Report
from diagnose.words import duration

CLOCK_CHECK_ID = "clock"


def measured_offset(report: Report | None) -> float | None:
    """The device-minus-true offset in seconds, or None when it was not measured."""
    if report is None:
        return None
    result = report.check(CLOCK_CHECK_ID)
    measured = result.fact(ClockOffset) if result is not None else None
    return measured.offset_s if measured is not None else None


def true_time(device_now: float, offset_s: float) -> datetime:
    """The true time now, in the device's time zone."""
    return datetime.fromtimestamp(device_now - offset_s).astimezone()


def describe_offset(offset_s: float) -> str:
    """Plain words for the offset: ahead, behind, or in step (under half a second)."""
    size = abs(offset_s)
    if size < 0.5:
        return "Your device clock is in step with it."
    amount = duration(size)
    way = "ahead of" if offset_s > 0 else "behind"
    return f"Your device clock is {amount} {way} it."
