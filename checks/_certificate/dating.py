"""Dates: judged by this device's clock during the run, re-judged with the ``clock`` check's at the end.

Chrome shows its bad-clock interstitial when a certificate looks expired (or
not yet valid) only because the device's clock is off: then the clock is the
cause, not the certificate. The certificate and clock checks run side by side
(a blocked NTP never delays the certificate's verdict), so this happens in two
steps:

1. during the run, :func:`judge_dates` judges every date by this device's
   clock (what the browser does) and hands on a private :class:`DatesJudged`
   fact: the path and the device time it was judged at;
2. once the run's checks have finished, :func:`rejudge` (the certificate
   check's :meth:`~diagnose.check.Check.reconcile`) reads the clock check's
   :class:`~diagnose.facts.ClockOffset` and blames the clock wherever the
   measured offset explains the dates (``certificate.clock_skew``); a
   certificate that is out of date by the true time too stays expired.

When no clock source at all measured an offset (the clock check did not run,
was skipped, or found no source) and the certificate is out of date by more
than :data:`~checks._certificate.elsewhere.SUSPECT_DAYS`, the certificates of
the vendor's other official sites decide (:mod:`checks._certificate.elsewhere`):
if they are out of date by this device's clock too, in the same direction,
and one moment makes them all valid, the device clock is the likely cause
(``certificate.clock_likely_wrong``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checks._certificate.describe import Cert, iso
from checks._certificate.elsewhere import OtherSite, common_window, implied_offset, look_elsewhere
from checks._certificate.judges import Issue, Role, dates
from checks._certificate.state import CertificateRun
from diagnose.check import Check, Outcome
from diagnose.facts import CertificateDates, ClockOffset, OutOfTime
from diagnose.model import CheckResult, Finding, Severity, Status
from diagnose.words import duration

DATE_CODES = ("certificate.expired", "certificate.not_yet_valid", "certificate.expires_soon")
_SKEWED = ("certificate.expired", "certificate.not_yet_valid")
_SOON = "certificate.expires_soon"


@dataclass(frozen=True)
class DatesJudged:
    """What the certificate check hands on to its own reconciliation (a private fact)."""

    path: tuple[Role, ...]
    """The path as the browser built it, each certificate with its role (leaf, intermediate, root)."""
    local_root: bool
    """The root is trusted locally, so its dates count (Chromium ignores a public root's)."""
    device_now: dt.datetime
    soon_days: int
    host: str
    placeholders: Mapping[str, Any]
    """The profile's facts for the catalogue's ``{names}`` (``{support_url}``)."""
    others: tuple[OtherSite, ...] = ()
    """The vendor's other official sites' certificates, read only when the dates look off by days."""
    leaf_summary: str = ""
    """The summary of a certificate with no finding ("valid and trusted: issued by …")."""


def judge_dates(run: CertificateRun, path: Sequence[Role], *, local_root: bool) -> None:
    """Add the date findings of ``path`` by this device's clock; hand on what re-judging them needs."""
    for issue in dates(path, run.device_now, run.soon_days, local_root=local_root):
        run.add_issue(issue)
    run.hand_on(DatesJudged(tuple(path), local_root, run.device_now, run.soon_days, run.host,
                            dict(run.placeholders),
                            leaf_summary=valid_summary(run.host, path[0][0]) if path else ""))
    window = common_window([(c.not_before, c.not_after) for c, cert_role in path if cert_role != "root"])
    if window is not None:
        run.hand_on(CertificateDates(run.host, window[0].timestamp(), window[1].timestamp(),
                                     run.device_now.timestamp()))


async def call_witnesses(run: CertificateRun) -> None:
    """When a certificate looks out of date by days, read the other official sites' certificates now
    (the clock check's verdict is not known yet), for :func:`rejudge` to weigh at the end."""
    others = await look_elsewhere(run, days_off(run.findings))
    held = next((f for f in run.facts if isinstance(f, DatesJudged)), None)
    if others and held is not None:
        run.hand_on(dataclasses.replace(held, others=others))


def valid_summary(host: str, leaf: Cert) -> str:
    return f"The certificate of {host} is valid and trusted: issued by {leaf.issuer}, valid until {iso(leaf.not_after)[:10]}."


def days_off(findings: Sequence[Finding]) -> int:
    """The most days a certificate of the path is out of date by this device's clock (0: none is)."""
    return max((int(f.evidence.get("days", 0)) for f in findings if f.code in _SKEWED), default=0)


# ----------------------------------------------------------------------------- reconciling


def rejudge(check: Check, own: CheckResult, clock: CheckResult | None) -> Outcome | None:
    """The certificate's result with its dates re-judged by the clock check's measured offset
    (or, when nothing measured one, by the vendor's other certificates); None to keep it."""
    held = own.fact(DatesJudged)
    if held is None:
        return None  # the chain was never judged (unreadable, plain http)
    measured = clock.fact(ClockOffset) if clock is not None else None
    judge = _Rejudge(check, held)
    if measured is not None:
        clock_status = clock.status.value if clock is not None else ""
        new_dates = judge.with_offset(measured, clock_status)
        details: dict[str, Any] = {"offset_s": measured.offset_s, "uncertainty_s": measured.uncertainty_s,
                                   "source": measured.source, "clock_status": clock_status,
                                   "device_time": iso(held.device_now),
                                   "true_time": iso(held.device_now - dt.timedelta(seconds=measured.offset_s))}
        if not new_dates and not any(f.code in DATE_CODES for f in own.findings):
            return None
    else:
        suspect = judge.suspect([f for f in own.findings if f.code in _SKEWED])
        if suspect is None:
            return None
        new_dates = [*judge.dates_by_device(keep=(_SOON,)), suspect]
        details = {"measured": False, "inferred_from": [o.host for o in held.others],
                   "device_time": iso(held.device_now)}
    findings = [*new_dates, *(f for f in own.findings if f.code not in DATE_CODES)]
    return Outcome(
        _summary(own, findings, held), tuple(findings), {**own.details, "clock": details},
        _status(own, findings), own.facts,
    )


def _status(own: CheckResult, findings: Sequence[Finding]) -> Status | None:
    """Derived from the findings, unless the check could not finish (then it stays undecided unless a
    finding fails it)."""
    if own.status in (Status.PASS, Status.WARN, Status.FAIL):
        return None
    return Status.FAIL if any(f.severity.rank <= Severity.HIGH.rank for f in findings) else own.status


def _summary(own: CheckResult, findings: Sequence[Finding], held: DatesJudged) -> str:
    ordered = sorted(findings, key=lambda f: f.severity.rank)
    if not ordered:
        summary = held.leaf_summary or own.summary
    else:
        summary = ordered[0].message
        if len(ordered) > 1:
            summary += f" ({len(ordered) - 1} more finding{'s' if len(ordered) > 2 else ''} below.)"
    stopped = own.fact(OutOfTime)
    if stopped is not None:
        summary += f" The check then ran out of time during {stopped.title} ({stopped.seen})."
    return summary


class _Rejudge:
    """Date findings rebuilt from the path, as the run would have built them."""

    def __init__(self, check: Check, held: DatesJudged) -> None:
        self.check = check
        self.held = held

    def finding(self, issue: Issue) -> Finding:
        return self.check.finding(issue.code, evidence={"host": self.held.host, **issue.evidence},
                                  facts=self.held.placeholders, severity=issue.severity, message=issue.message)

    def dates_by_device(self, keep: Sequence[str] = DATE_CODES) -> list[Finding]:
        held = self.held
        judged = dates(held.path, held.device_now, held.soon_days, local_root=held.local_root)
        return [self.finding(i) for i in judged if i.code in keep]

    def with_offset(self, measured: ClockOffset, clock_status: str) -> list[Finding]:
        """Dates by the device (what the browser shows) and by the true time: where only the device's
        clock makes a certificate look out of date, the clock is the cause."""
        held = self.held
        true_now = held.device_now - dt.timedelta(seconds=measured.offset_s)
        by_device = dates(held.path, held.device_now, held.soon_days, local_root=held.local_root)
        by_truth = dates(held.path, true_now, held.soon_days, local_root=held.local_root)
        true_keys = {_key(i) for i in by_truth}
        device_keys = {_key(i) for i in by_device}
        explained = [i for i in by_device if i.code in _SKEWED and _key(i) not in true_keys]
        out = [
            self.finding(dataclasses.replace(i, evidence={**i.evidence, "clock_offset_s": measured.offset_s}))
            for i in by_device
            if i not in explained and not (i.code == _SOON and _key(i) not in true_keys)
        ]
        out += [self.finding(i) for i in by_truth if i.code == _SOON and _key(i) not in device_keys]
        if explained:
            out.insert(0, self._clock_skew(explained, measured, true_now, clock_status))
        return out

    def _clock_skew(self, explained: Sequence[Issue], measured: ClockOffset, true_now: dt.datetime,
                    clock_status: str) -> Finding:
        first = explained[0].evidence
        return self.check.finding("certificate.clock_skew", facts=self.held.placeholders, evidence={
            "host": self.held.host,
            "looks": "expired" if explained[0].code == "certificate.expired" else "not yet valid",
            "offset": plain_offset(measured.offset_s),
            "clock_offset_s": measured.offset_s,
            "clock_uncertainty_s": measured.uncertainty_s,
            "clock_source": measured.source,
            "clock_status": clock_status,
            "device_time": iso(self.held.device_now),
            "true_time": iso(true_now),
            "valid_from": first["not_before"][:10],
            "valid_until": first["not_after"][:10],
            "certificates": [
                {k: i.evidence[k] for k in ("certificate", "subject", "not_before", "not_after")} for i in explained
            ],
        })

    def suspect(self, skewed: Sequence[Finding]) -> Finding | None:
        """``certificate.clock_likely_wrong`` when the other official sites' certificates say so, else None."""
        held = self.held
        ahead = _one_direction(skewed)
        if ahead is None or not held.path:
            return None
        others = [o for o in held.others if o.read and o.fingerprint != held.path[0][0].fingerprint]
        if not others or not all(o.out_of_date(held.device_now, ahead=ahead) for o in others):
            return None
        window = common_window(_windows(held.path, others))
        if window is None:
            return None  # no moment makes them all valid: they do not tell one story
        low, high = implied_offset(held.device_now, window)
        return self.check.finding("certificate.clock_likely_wrong", facts=held.placeholders, evidence={
            "host": held.host,
            "looks": "expired" if ahead else "not yet valid",
            "days": days_off(skewed),
            "offset_at_least": plain_offset(low if ahead else high),
            "implied_offset_s": [round(low), round(high)],
            "device_time": iso(held.device_now),
            "valid_from": iso(window[0])[:10],
            "valid_until": iso(window[1])[:10],
            "others": ", ".join(o.host for o in others),
            "other_sites": [o.describe() for o in others],
            "certificates": [
                {k: f.evidence.get(k) for k in ("certificate", "subject", "not_before", "not_after")} for f in skewed
            ],
        })


def _one_direction(skewed: Sequence[Finding]) -> bool | None:
    """True when every out-of-date certificate looks expired (the clock ahead), False when not yet valid
    (behind), None when there are none, they are out by a few days only, or both at once."""
    from checks._certificate.elsewhere import SUSPECT_DAYS

    looks = {f.code for f in skewed}
    if not skewed or days_off(skewed) <= SUSPECT_DAYS or len(looks) != 1:
        return None
    return looks == {"certificate.expired"}


def _windows(path: Sequence[Role], others: Sequence[OtherSite]) -> list[tuple[dt.datetime, dt.datetime]]:
    """The validity of the site's certificates (not a root) and of the other sites' leaves."""
    out = [(c.not_before, c.not_after) for c, cert_role in path if cert_role != "root"]
    out += [(o.not_before, o.not_after) for o in others if o.not_before is not None and o.not_after is not None]
    return out


def _key(issue: Issue) -> tuple[str, str]:
    return issue.code, str(issue.evidence["fingerprint_sha256"])


def plain_offset(seconds: float) -> str:
    """``400 days (ahead)``: the same words the clock check uses for the same offset."""
    direction = "ahead" if seconds > 0 else "behind"
    return f"{duration(seconds)} ({direction})"
