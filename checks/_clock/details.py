"""The clock check's ``details``: the measurement, the sources, and the tolerances around sign-in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checks._clock.sources import Measure
from checks._clock.verdict import KERBEROS_TOLERANCE, SAML_EXAMPLES, SAML_TOLERANCE, TOTP_STEP, local_text, utc_text

if TYPE_CHECKING:
    from checks._clock.measure import ClockRun


def details_of(run: ClockRun, measure: Measure, now: float) -> dict[str, Any]:
    """Everything a helpdesk reads about the measurement (``None`` where nothing was measured)."""
    known = measure.known
    offset = measure.offset if known else None
    unc = measure.uncertainty if known else None
    selection = measure.selection
    details: dict[str, Any] = {
        "offset_s": round(offset, 6) if offset is not None else None,
        "uncertainty_s": round(unc, 6) if unc is not None else None,
        "offset_meaning": "local clock minus true time; positive means this device is ahead",
        "totp_steps": round(offset / TOTP_STEP, 3) if offset is not None else None,
        "totp_window_steps": run.window,
        "bands_s": {"pass_below": TOTP_STEP * run.window, "warn_up_to": TOTP_STEP * (run.window + 1)},
        "verdict": measure.verdict.band.value if measure.verdict else None,
        "verdict_certain": measure.verdict.certain if measure.verdict else None,
        "verdict_rule": "judged on |offset| + uncertainty (the worst case the measurement allows)",
        "method": measure.method,
        "measured_at_local_utc": utc_text(now),
        "reference_utc": utc_text(now - offset) if offset is not None else None,
        "reference_local": local_text(now - offset) if offset is not None else None,
        "device_local": local_text(now),
        "ntp_servers_from": run.servers_from,
        "sources": [s.evidence() for s in run.ntp_sources] + [s.evidence() for s in run.http_sources],
        "validated_sources": [c.label for c in measure.candidates],
        "truechimers": measure.labels(selection.truechimers if selection else None),
        "falsetickers": measure.labels(selection.falsetickers if selection else None),
        "kerberos": _kerberos(offset, unc),
        "saml": _saml(),
        "server_date_offset_s": None,
        "server_date_uncertainty_s": None,
    }
    if run.notes:
        details["notes"] = list(run.notes)
    return details


def _kerberos(offset: float | None, unc: float | None) -> dict[str, Any]:
    return {
        "tolerance_s": KERBEROS_TOLERANCE,
        "within": (abs(offset) + unc) < KERBEROS_TOLERANCE if offset is not None and unc is not None else None,
        "note": "Kerberos (Windows domain sign-in, some single sign-on) compares this device's clock "
        "with the domain controller's: 5 minutes at most (KRB_AP_ERR_SKEW).",
    }


def _saml() -> dict[str, Any]:
    return {
        "tolerance_s": SAML_TOLERANCE,
        "examples_s": dict(SAML_EXAMPLES),
        "note": "SAML compares the identity provider's and the service's clocks, not this "
        "device's; the sign-in site's Date header shows the service's clock.",
        "server_date_offset_s": None,
        "within": None,
    }
