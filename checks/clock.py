"""The ``clock`` check: will authenticator codes be accepted with this device's clock?

It measures how far the local clock is from real time, with an honest error
bound, and says what that does to sign-in:

1. **NTP**: the profile's time servers (or ``--ntp-server``), resolved through
   the run's resolvers (pins and the lab's DNS apply) and queried
   concurrently, one packet each. Every reply is validated here (server mode,
   our nonce echoed, no Kiss-o'-Death, synchronised, sane root distance with
   RFC 5905's dispersion floor; see :mod:`checks._clock.ntp`), then the good
   ones are intersected RFC 5905 style with an agreement floor (sources within
   0.5 s agree; :mod:`checks._clock.select`): falsetickers are named, and when
   no majority agrees the answer is "inconclusive", not a guess.
2. **HTTP Date fallback**: when the time servers do not settle it (no usable
   answer, as when UDP 123 is blocked; no majority; or one server alone says
   hours), the ``Date`` headers of the sign-in site and the profile's
   ``http_date_sources`` are read and refined below one second around the
   second boundary (the htpdate method, :mod:`checks._clock.httpdate`), over
   an unverified connection (for the time only, labelled so) when the clock
   is too far off for any certificate to verify; cached answers (``Age``) are
   discarded. Time servers and web clocks then vote together.
3. **Verdict**: the offset in 30-second TOTP steps against the profile's
   window ``w``: under ``30·w`` s pass, up to ``30·(w+1)`` s warn, beyond fail,
   judged on the worst case the uncertainty allows
   (:mod:`checks._clock.verdict`). Kerberos (5 min) and SAML (about 3 min)
   tolerances, and the sign-in site's own clock (from its ``Date``), are
   reported as information.

No source, no verdict: without at least one validated source the check
never passes; it ends with ``clock.no_time_source``, and the checklist item
never reads as passed. Its status is ``error`` ("could not decide") when
time sources were there but none gave a usable answer (silent, invalid,
cached), and ``skip`` when there was nothing to measure against: no time
server's name resolves (offline: the connectivity check reports that) or the
profile configures no time source, and the sign-in site gives no usable
``Date`` either. No time
server is ever contacted by a literal address unless the person typed one
with ``--ntp-server``: when names do not resolve (offline), the check ends
at once. The whole check stays inside its own timeout: every step is cut at
an internal deadline, and what was measured by then is what is reported.

One source alone never fails the clock by hours (a wrong server is likelier
than a device years off): the check then ends ``error`` with
``clock.single_source``, and at the end of the run (:meth:`ClockCheck.reconcile`)
gives the held verdict when the sign-in site's certificate dates confirm it
(:mod:`checks._clock.confirm`).

A measured offset is handed on as a :class:`~diagnose.facts.ClockOffset`
fact (the certificate check and the TUI's reference clock read it).
"""

from __future__ import annotations

from collections.abc import Mapping

from checks._clock.conclude import Conclusion, combine
from checks._clock.confirm import confirm
from checks._clock.measure import ClockRun
from checks._clock.verdict import DEFAULT_WINDOW, TOTP_STEP, Band, judge, local_text, offset_text, uncertainty_text
from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.model import CheckResult, Status

__all__ = [
    "DEFAULT_WINDOW",
    "TOTP_STEP",
    "Band",
    "ClockCheck",
    "judge",
    "local_text",
    "offset_text",
    "uncertainty_text",
]
"""Public API for other checks: the TOTP verdict on a measured offset and its wording
(``login-doctor har`` judges the recording browser's clock with it, exactly as this check does)."""


class ClockCheck(Check):
    id = "clock"
    title = "Your device clock is in sync"
    failure_title = "Your device clock is not in sync"
    description = (
        "Measures how far this device's clock is from the correct time, against time servers (NTP) "
        "or, when NTP is blocked, web servers' Date headers, with an honest error bound; says whether "
        "authenticator (TOTP) codes made with this clock will be accepted, and checks the sign-in "
        "site's own clock."
    )
    timeout = 8.0
    reconciles_with = ("certificate",)
    findings = load_catalogue("clock")

    async def run(self, ctx: CheckContext) -> Outcome:
        run = ClockRun(self, ctx)
        measure = await run.measure()
        combine(run, measure)
        return Conclusion(run, measure).outcome()

    def reconcile(self, own: CheckResult, others: Mapping[str, CheckResult]) -> Outcome | None:
        """Give the verdict of a lone source of hours when the sign-in site's certificate dates confirm it."""
        return confirm(own, others.get("certificate"))

    @classmethod
    def result_title(cls, status: Status) -> str:
        if status in (Status.ERROR, Status.SKIP):
            return "Your device clock could not be checked"
        return super().result_title(status)
