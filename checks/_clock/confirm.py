"""A lone source's verdict of hours, confirmed at the end of the run by the sign-in site's certificate.

One time source alone is never enough to say the clock is hours off
(:data:`~checks._clock.measure.LONE_SOURCE_LIMIT`): the clock check then
ends ``error`` with ``clock.single_source`` and holds the verdict it would
have given in a private :class:`HeldVerdict` fact. Once the run's checks have
finished, :func:`confirm` (the clock check's
:meth:`~diagnose.check.Check.reconcile`) reads the certificate check's
:class:`~diagnose.facts.CertificateDates`: when the site's certificates are
valid by the time the lone source gives, and not by this device's clock, two
independent witnesses tell the same story, and the held verdict is given.

This is the case of a device clock far off with NTP blocked: the clock check
reads the site's ``Date`` over an unverified connection (the wrong clock makes
every certificate look expired), and the certificate's own dates confirm it.
A lone source the certificate cannot confirm (an offset of hours fits inside
a certificate's months of validity either way) stays unconfirmed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

from diagnose.check import Outcome
from diagnose.facts import CertificateDates, ClockOffset
from diagnose.model import CheckResult, Finding


@dataclass(frozen=True)
class HeldVerdict:
    """The verdict findings and summary a lone source would have given (a private fact)."""

    findings: tuple[Finding, ...]
    summary: str


def confirm(own: CheckResult, certificate: CheckResult | None) -> Outcome | None:
    """The held verdict, given, when the certificate's dates confirm the lone source; else None."""
    held = own.fact(HeldVerdict)
    measured = own.fact(ClockOffset)
    dates = certificate.fact(CertificateDates) if certificate is not None else None
    if held is None or measured is None or dates is None:
        return None
    corrected = dates.judged_at - measured.offset_s
    if not dates.holds(corrected, margin=measured.uncertainty_s) or dates.holds(dates.judged_at):
        return None
    witness = {
        "host": dates.host,
        "valid_from": _day(dates.valid_from),
        "valid_until": _day(dates.valid_until),
    }
    findings: list[Finding] = []
    for finding in own.findings:
        if finding.code == "clock.single_source":
            findings += [dataclasses.replace(f, evidence={**f.evidence, "confirmed_by": witness}) for f in held.findings]
        else:
            findings.append(finding)
    summary = (
        f"{held.summary} The certificate of {dates.host} confirms it: it is valid by this corrected time "
        f"(from {witness['valid_from']} to {witness['valid_until']}), not by this device's clock."
    )
    facts = tuple(
        dataclasses.replace(f, confirmed=True, sources=f.sources + 1) if isinstance(f, ClockOffset) else f
        for f in own.facts
        if not isinstance(f, HeldVerdict)
    )
    details = {**own.details, "verdict": held.findings[0].code.removeprefix("clock.") if held.findings else "",
               "confirmed_by": {"certificate": witness}}
    return Outcome(summary, tuple(findings), details, None, facts)


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")
