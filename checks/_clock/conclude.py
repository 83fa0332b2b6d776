"""From measurements to a verdict: combining the sources, then the findings and the summary."""

from __future__ import annotations

from typing import Any, ClassVar

from checks._clock import ntp
from checks._clock.confirm import HeldVerdict
from checks._clock.details import details_of
from checks._clock.measure import LONE_SOURCE_LIMIT, ClockRun
from checks._clock.select import agreeing
from checks._clock.sources import Measure, set_role, sources_text, udp_ports
from checks._clock.verdict import (
    KERBEROS_TOLERANCE,
    SAML_TOLERANCE,
    TOTP_STEP,
    Band,
    duration_text,
    judge,
    local_text,
    offset_text,
    uncertainty_text,
    utc_text,
)
from diagnose.check import Outcome
from diagnose.facts import ClockOffset
from diagnose.model import Severity, Status

REJECTION_CODES: dict[ntp.Rejection, str] = {
    ntp.Rejection.KISS_O_DEATH: "clock.ntp_kiss_of_death",
    ntp.Rejection.UNSYNCHRONISED: "clock.ntp_unsynchronised",
    ntp.Rejection.BAD_REPLY: "clock.ntp_bad_reply",
}


def combine(run: ClockRun, measure: Measure) -> None:
    """Intersect the candidates' intervals (RFC 5905 style) into one offset and a verdict."""
    if not measure.candidates:
        return
    selection = agreeing([c.interval for c in measure.candidates])
    measure.selection = selection
    if selection is not None:
        for i, candidate in enumerate(measure.candidates):
            set_role(candidate.source, "truechimer" if i in selection.truechimers else "falseticker")
        measure.offset, measure.uncertainty = selection.offset, selection.uncertainty
        measure.verdict = judge(selection.offset, selection.uncertainty, run.window)
        return
    # No majority. If every source still puts the clock in the same band, that band is
    # no guess: say it, and say that the sources disagree. Otherwise: inconclusive.
    measure.disagree = True
    for candidate in measure.candidates:
        set_role(candidate.source, "candidate")
    low = min(c.interval[0] for c in measure.candidates)
    high = max(c.interval[1] for c in measure.candidates)
    verdict = judge((low + high) / 2, (high - low) / 2, run.window)
    if verdict.certain:
        measure.offset, measure.uncertainty = (low + high) / 2, (high - low) / 2
        measure.verdict = verdict


class Conclusion:
    """Turns one :class:`Measure` into findings, details and the outcome."""

    SAME_BAND: ClassVar[str] = (
        "The time sources disagree ({candidates}) and no majority of them agrees on the time; "
        "but all of them put this clock in the same range, so the verdict below holds."
    )

    def __init__(self, run: ClockRun, measure: Measure) -> None:
        self.run = run
        self.measure = measure

    def outcome(self) -> Outcome:
        run, measure = self.run, self.measure
        self.report_source_problems()
        now = run.tb.now()
        run.details.update(details_of(run, measure, now))
        if measure.disagree:
            self.report_disagreement()
        if not measure.known:
            return self.undecided()
        assert measure.offset is not None and measure.uncertainty is not None and measure.method is not None
        agreeing = len(measure.selection.truechimers) if measure.selection else len(measure.candidates)
        lone = self.lone_verdict_of_hours()
        run.hand_on(ClockOffset(round(measure.offset, 6), round(measure.uncertainty, 6), measure.method,
                                sources=agreeing, confirmed=not lone))
        if lone:
            return self.unconfirmed(now)
        summary = self.report_verdict(now)
        self.report_kerberos()
        return run.outcome(summary + self.report_server_clock())

    def lone_verdict_of_hours(self) -> bool:
        """One source alone says the clock is at least :data:`LONE_SOURCE_LIMIT` off."""
        measure = self.measure
        return (
            len(measure.candidates) == 1
            and measure.verdict is not None
            and measure.verdict.best_abs >= LONE_SOURCE_LIMIT
        )

    def unconfirmed(self, now: float) -> Outcome:
        """One source says hours: not enough for a verdict. The verdict is held (a private fact) for the
        reconciliation at the end of the run, which gives it when the site's certificate dates agree."""
        run, measure = self.run, self.measure
        assert measure.offset is not None
        before = len(run.findings)
        summary = self.report_verdict(now)
        self.report_kerberos()
        held = tuple(run.findings[before:])
        del run.findings[before:]
        run.hand_on(HeldVerdict(held, summary))
        source = measure.candidates[0]
        run.add(
            "clock.single_source",
            source=source.label,
            offset_text=offset_text(measure.offset),
            offset_s=round(measure.offset, 3),
            limit_s=LONE_SOURCE_LIMIT,
            verified=getattr(source.source, "verified", True),
        )
        run.details["verdict"] = "unconfirmed"
        return run.outcome(
            f"Only one time source could be read ({source.label}), and it says this device's clock is "
            f"{offset_text(measure.offset)}; one source alone is not enough to say so.",
            Status.ERROR,
        )

    def undecided(self) -> Outcome:
        run = self.run
        if self.measure.candidates:
            run.details["verdict"] = "inconclusive"
            return run.outcome("The time sources disagree, so this device's clock offset cannot be told.", Status.ERROR)
        why = self.no_source_reason()
        run.add("clock.no_time_source", why=why)
        run.details["verdict"] = "no_time_source"
        if run.nothing_configured() or run.offline():
            # Not a failure to measure: there was nothing to measure against (no source
            # configured, or none reachable by name: offline, which connectivity reports).
            return run.outcome(f"Skipped: {why}", Status.SKIP)
        return run.outcome(f"The clock could not be checked: {why}", Status.ERROR)

    # -- the sources --------------------------------------------------------------------

    def report_source_problems(self) -> None:
        """Rejected NTP answers, blocked NTP, cached Date headers, falsetickers."""
        run, measure = self.run, self.measure
        for source in run.ntp_sources:
            if isinstance(source.result, ntp.Rejected):
                rejected = source.result
                run.add(
                    REJECTION_CODES[rejected.kind],
                    server=source.name,
                    reason=rejected.reason,
                    kiss_code=rejected.kiss_code or None,
                    kiss_meaning=ntp.KISS_CODES.get(rejected.kiss_code, "unknown") if rejected.kiss_code else None,
                    **ntp.packet_evidence(rejected.packet),
                )
        self.report_ntp_blocked()
        for web in run.http_sources:
            if web.cached:
                run.add(
                    "clock.http_date_cached",
                    source=run.ctx.redact.url(web.url),
                    age=web.cached[0].age,
                    date_header=web.cached[0].date_header,
                )
        if measure.selection is not None and measure.selection.falsetickers:
            run.add(
                "clock.falseticker",
                names=", ".join(measure.labels(list(measure.selection.falsetickers))),
                falsetickers=[measure.candidates[i].evidence() for i in measure.selection.falsetickers],
            )

    def report_ntp_blocked(self) -> None:
        asked = [s for s in self.run.ntp_sources if s.address is not None]
        if not asked or any(not isinstance(s.result, ntp.NoReply) for s in asked):
            return
        if self.measure.method == "http_date":
            fallback = "The time was measured from web servers' clocks instead (their HTTP Date headers)."
        else:
            fallback = "No web server's clock could be read instead."
        self.run.add(
            "clock.ntp_blocked",
            servers=", ".join(s.name for s in asked),
            udp_ports=udp_ports(asked),
            fallback=fallback,
            replies={s.name: str(s.result) for s in asked},
        )

    def report_disagreement(self) -> None:
        measure = self.measure
        candidates = "; ".join(
            f"by {c.label} this clock is {offset_text((c.interval[0] + c.interval[1]) / 2)}"
            for c in measure.candidates
        )
        evidence: dict[str, Any] = {"candidates": candidates, "sources": [c.evidence() for c in measure.candidates]}
        if measure.verdict is not None:
            message = self.SAME_BAND.format(candidates=candidates)
            self.run.add("clock.sources_disagree", severity=Severity.INFO, message=message, **evidence)
        else:
            self.run.add("clock.sources_disagree", **evidence)

    def no_source_reason(self) -> str:
        run = self.run
        if run.nothing_configured():
            site = f" ({run.target.reason})" if run.target is not None and run.target.reason else ""
            return f"no time source is configured, and the sign-in site's clock could not be read{site}."
        if not run.ntp_sources:
            ntp_part = "no time server is configured"
        elif run.offline():
            ntp_part = "no time server's name could be looked up (this device seems to be offline)"
        elif all(s.address is None or isinstance(s.result, ntp.NoReply) for s in run.ntp_sources):
            ntp_part = f"no time server answered (the network may block NTP, {udp_ports(run.ntp_sources)})"
        else:
            ntp_part = "no time server gave a usable answer"
        web_part = (
            "no web server's clock could be read either" if run.http_sources
            else "no web server was available to read the time from"
        )
        return f"{ntp_part}, and {web_part}."

    # -- the verdict --------------------------------------------------------------------

    def report_verdict(self, now: float) -> str:
        measure = self.measure
        assert measure.verdict is not None and measure.offset is not None and measure.uncertainty is not None
        offset, unc, verdict = measure.offset, measure.uncertainty, measure.verdict
        source_text = sources_text(measure)
        window = self.run.window
        self.run.add(
            f"clock.{verdict.band.value}",
            offset_s=round(offset, 6),
            uncertainty_s=round(unc, 6),
            offset_text=offset_text(offset),
            uncertainty_text=uncertainty_text(unc),
            totp_steps=round(offset / TOTP_STEP, 3),
            window_steps=window,
            window_s=f"{TOTP_STEP * window:g}",
            limit_s=f"{TOTP_STEP * (window + 1):g}",
            reference_utc=utc_text(now - offset),
            reference_local=local_text(now - offset),
            device_local=local_text(now),
            source_text=source_text,
            method=measure.method,
            band_certain=verdict.certain,
        )
        about = f"{offset_text(offset)} ({uncertainty_text(unc)}, measured against {source_text})"
        effect = {
            Band.IN_SYNC: "authenticator codes made with it will be accepted",
            Band.INTERMITTENT: "authenticator codes made with it will work only some of the time",
        }.get(verdict.band, "authenticator codes made with it will be rejected")
        return f"This device's clock is {about}: {effect}."

    def report_kerberos(self) -> None:
        measure = self.measure
        if measure.verdict is not None and measure.verdict.best_abs > KERBEROS_TOLERANCE:
            assert measure.offset is not None
            self.run.add("clock.kerberos_skew", offset_text=offset_text(measure.offset),
                         tolerance_s=KERBEROS_TOLERANCE)

    def report_server_clock(self) -> str:
        """Report the sign-in site's clock; returns a sentence for the summary when it is off."""
        server = self.server_offset()
        if server is None:
            return ""
        run = self.run
        value, unc = server
        run.details["server_date_offset_s"] = round(value, 3)
        run.details["server_date_uncertainty_s"] = round(unc, 3)
        run.details["saml"]["server_date_offset_s"] = round(value, 3)
        run.details["saml"]["within"] = abs(value) + unc < SAML_TOLERANCE
        threshold = TOTP_STEP * max(run.window, 1)
        if abs(value) - unc < threshold:
            return ""
        run.add(
            "clock.server_clock_off",
            server_offset_s=round(value, 3),
            server_uncertainty_s=round(unc, 3),
            server_offset_text=offset_text(value),
            server_off_by=duration_text(value),
            threshold_s=threshold,
            saml_tolerance_s=SAML_TOLERANCE,
        )
        return f" But the sign-in site's own clock is {offset_text(value)}: a problem on the service's side."

    def server_offset(self) -> tuple[float, float] | None:
        """The sign-in site's clock minus true time, from its Date and the combined offset."""
        target, measure = self.run.target, self.measure
        if target is None or target.interval is None or measure.offset is None or measure.uncertainty is None:
            return None
        t_low, t_high = target.interval  # local − site
        low = (measure.offset - measure.uncertainty) - t_high  # site − true = (local − true) − (local − site)
        high = (measure.offset + measure.uncertainty) - t_low
        return (low + high) / 2, (high - low) / 2
