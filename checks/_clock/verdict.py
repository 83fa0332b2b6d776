"""What an offset does to sign-in: TOTP bands, Kerberos and SAML tolerances, and plain wording.

TOTP (RFC 6238) codes change every 30 seconds; a verifier that accepts ``w``
steps either side always accepts a code from a clock less than ``30·w`` s off,
sometimes accepts one up to ``30·(w+1)`` s off (it depends on where in the
step the code is made and how long it takes to type), and never beyond.

The uncertainty is taken into account pessimistically: the band is decided
by the largest offset the measurement allows, ``|offset| + uncertainty``. So
"in sync" is only said when even the worst case is inside the window, and a
clock that might be 30.2 s off is told to sync. ``certain`` says whether the
smallest offset the measurement allows falls in the same band.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from diagnose.words import duration

TOTP_STEP = 30.0
"""Seconds per TOTP time step (RFC 6238 §5.2 recommends 30)."""

DEFAULT_WINDOW = 1
"""Steps accepted either side (RFC 6238 recommends at most one for network delay)."""

KERBEROS_TOLERANCE = 300.0
"""RFC 4120's recommended maximum clock skew (MIT ``clockskew`` default; ``KRB_AP_ERR_SKEW``)."""

SAML_TOLERANCE = 180.0
"""A common SAML skew allowance (Shibboleth SP 180 s); it concerns the identity provider's
and the service's clocks, not this device's."""

SAML_EXAMPLES = {"Shibboleth SP": 180, "PingFederate": 300, "ServiceNow": 60}


class Band(StrEnum):
    """The TOTP verdict, named after its finding code."""

    IN_SYNC = "in_sync"
    INTERMITTENT = "totp_intermittent"
    REJECTED = "totp_rejected"


def band_of(abs_offset: float, window: int) -> Band:
    if abs_offset < TOTP_STEP * window:
        return Band.IN_SYNC
    if abs_offset <= TOTP_STEP * (window + 1):
        return Band.INTERMITTENT
    return Band.REJECTED


@dataclass(frozen=True, slots=True)
class Verdict:
    band: Band
    certain: bool
    worst_abs: float
    best_abs: float


def judge(offset: float, uncertainty: float, window: int) -> Verdict:
    """The band of the worst case the measurement allows."""
    worst = abs(offset) + uncertainty
    best = max(0.0, abs(offset) - uncertainty)
    band = band_of(worst, window)
    return Verdict(band, band_of(best, window) == band, worst, best)


# -- wording ----------------------------------------------------------------------------


def duration_text(seconds: float) -> str:
    """'0.02 seconds', '40.0 seconds', '1 minute 35 seconds', '2 hours 3 minutes', '400 days',
    '4,627 days (about 13 years)'
    (:func:`diagnose.words.duration`, the words every check uses for a length of time)."""
    return duration(seconds)


def offset_text(offset: float) -> str:
    """'40.0 seconds ahead of the correct time' / 'behind'."""
    if abs(offset) < 0.005:
        return "on time"
    side = "ahead of" if offset > 0 else "behind"
    return f"{duration_text(offset)} {side} the correct time"


def uncertainty_text(uncertainty: float) -> str:
    if uncertainty < 0.001:
        return "±0.001 seconds"
    if uncertainty < 1:
        return f"±{uncertainty:.3f} seconds"
    return f"±{uncertainty:.1f} seconds"


def utc_text(timestamp: float) -> str:
    """ISO 8601 UTC with milliseconds: ``2026-11-22T16:06:07.123Z``."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_text(timestamp: float) -> str:
    """The time in this device's time zone, as a person reads a clock: ``16:06:07 (UTC+01:00)``."""
    local = datetime.fromtimestamp(timestamp, UTC).astimezone()
    zone = local.strftime("%z")
    zone = f"UTC{zone[:3]}:{zone[3:]}" if zone else "UTC"
    return f"{local:%Y-%m-%d %H:%M:%S} ({zone})"
