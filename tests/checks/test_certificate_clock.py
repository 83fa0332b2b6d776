"""The certificate's dates and the device clock: judged side by side, reconciled at the end of the run.

The certificate check judges dates by this device's clock during its run (it never waits for the
clock check) and re-judges them in :meth:`CertificateCheck.reconcile` with the clock's measured
offset; with no clock source at all, the other official sites' certificates decide whether the clock
is the likely cause. The clock check, in turn, confirms a lone time source of hours with the
certificate's dates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from checks.certificate import CertificateCheck
from checks.clock import ClockCheck
from diagnose.check import CheckContext, Outcome, check_result_from
from diagnose.events import CheckFinished, Event
from diagnose.facts import CertificateDates, ClockOffset
from diagnose.lab.pki import now
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, diagnose_scenario, signin_app
from diagnose.lab.scenarios.certificate import OffsetClock
from diagnose.model import CheckResult, Report, Status

HOST = f"app.{LAB_DOMAIN}"


def context(run: Any, clock: Any) -> CheckContext:
    from diagnose.session import make_target

    return CheckContext(target=make_target(run.url, run.profile), profile=run.profile, settings=run.settings,
                        net=run.net, clock=clock)


def clock_result(offset: float, status: Status = Status.FAIL, *, confirmed: bool = True) -> CheckResult:
    """What the clock check hands on (only its status and its ClockOffset fact are read)."""
    return CheckResult(id="clock", title="clock", status=status, summary="", duration_ms=1,
                       facts=(ClockOffset(offset, 0.5, "ntp", confirmed=confirmed),))


async def certificate_alone(valid_days: tuple[float, float], device_offset: float) -> CheckResult:
    """The certificate check's own result (no clock), against a certificate valid for ``valid_days``."""
    async with Lab() as lab:
        issued = lab.issue([HOST], not_before=now() + dt.timedelta(days=valid_days[0]),
                           not_after=now() + dt.timedelta(days=valid_days[1]))
        server = await lab.https(signin_app(), issued=issued)
        dns = await lab.dns({HOST: ["127.0.0.1"]})
        run = lab.run(f"https://{HOST}:{server.port}{SIGNIN_PATH}", dns=dns)
        outcome = await CertificateCheck().run(context(run, OffsetClock(device_offset)))
    return check_result_from(CertificateCheck, outcome, 1, "built-in")


def reconciled(own: CheckResult, clock: CheckResult | None) -> Outcome | None:
    return CertificateCheck().reconcile(own, {"clock": clock} if clock is not None else {})


def test_the_certificate_check_never_waits_for_the_clock() -> None:
    waits_for = (*CertificateCheck.requires, *CertificateCheck.optional, *CertificateCheck.reads_later)
    assert "clock" not in waits_for and "clock" in CertificateCheck.reconciles_with
    assert "certificate" in ClockCheck.reconciles_with and not ClockCheck.requires


async def test_a_clock_far_ahead_is_blamed_instead_of_the_certificate() -> None:
    own = await certificate_alone((-1, 89), 400 * 86400.0)
    assert [f.code for f in own.findings] == ["certificate.expired"]  # by this device's clock
    assert own.fact(CertificateDates) is not None
    outcome = reconciled(own, clock_result(400 * 86400.0))
    assert outcome is not None and [f.code for f in outcome.findings] == ["certificate.clock_skew"]
    finding = outcome.findings[0]
    assert "400 days (ahead)" in finding.message and "automatic date and time" in finding.remediation
    assert "renew" not in finding.remediation and finding.evidence["looks"] == "expired"
    assert outcome.details["clock"]["offset_s"] == 400 * 86400.0
    assert outcome.summary == finding.message and outcome.resolved_status() is Status.FAIL


async def test_a_clock_far_behind_explains_not_yet_valid() -> None:
    own = await certificate_alone((-1, 89), -30 * 86400.0)
    outcome = reconciled(own, clock_result(-30 * 86400.0))
    assert outcome is not None and [f.code for f in outcome.findings] == ["certificate.clock_skew"]
    assert outcome.findings[0].evidence["looks"] == "not yet valid"


async def test_a_really_expired_certificate_stays_expired_whatever_the_clock() -> None:
    own = await certificate_alone((-100, -10), 3600.0)
    outcome = reconciled(own, clock_result(3600.0, Status.WARN))
    assert outcome is not None and [f.code for f in outcome.findings] == ["certificate.expired"]
    assert outcome.findings[0].evidence["clock_offset_s"] == 3600.0


async def test_without_a_measured_clock_the_dates_stand() -> None:
    own = await certificate_alone((-1, 89), 0.0)
    assert own.status is Status.PASS and reconciled(own, None) is None
    expired = await certificate_alone((-90, -5), 0.0)  # no other official site answers in this lab
    no_offset = CheckResult(id="clock", title="clock", status=Status.ERROR, summary="", duration_ms=1)
    assert reconciled(expired, no_offset) is None and reconciled(expired, None) is None


async def test_a_lone_unconfirmed_offset_still_explains_the_dates() -> None:
    """The clock check holds a lone source of hours back (status error), but hands on what it measured:
    when that offset makes the certificate valid, the two tell the same story."""
    own = await certificate_alone((-1, 89), 400 * 86400.0)
    outcome = reconciled(own, clock_result(400 * 86400.0, Status.ERROR, confirmed=False))
    assert outcome is not None and [f.code for f in outcome.findings] == ["certificate.clock_skew"]
    assert outcome.findings[0].evidence["clock_status"] == "error"


async def test_no_clock_source_and_other_official_sites_expired_too_blame_the_clock() -> None:
    diagnosed = await diagnose_scenario("certificate-clock-ahead")  # +400 days, no clock check at all
    result = diagnosed.report.check("certificate")
    assert result is not None and [f.code for f in result.findings] == ["certificate.clock_likely_wrong"]
    finding = result.findings[0]
    assert finding.evidence["others"] == f"{LAB_DOMAIN}, support.{LAB_DOMAIN}"
    low, high = finding.evidence["implied_offset_s"]
    assert 300 * 86400 <= low <= 400 * 86400 + 60 <= high
    assert "renew" not in finding.remediation and "date and time" in finding.remediation
    assert [s["error"] for s in result.details["other_official_sites"]["sites"]] == [None, None]
    item = next(i for i in diagnosed.report.checklist if i.id == "secure-connection")
    assert item.advice.endswith("See “Your device clock is in sync (authenticator codes depend on it)”.")


async def test_other_official_sites_valid_by_this_clock_leave_the_certificate_expired() -> None:
    async with Lab() as lab:
        others = {name: await lab.https(signin_app(), issued=lab.issue([name])) for name in (LAB_DOMAIN,)}
        site = await lab.https(signin_app(), issued=lab.issue(
            [HOST], not_before=now() - dt.timedelta(days=120), not_after=now() - dt.timedelta(days=30)))
        dns = await lab.dns({HOST: ["127.0.0.1"], LAB_DOMAIN: ["127.0.0.1"]})
        url = f"https://{HOST}:{site.port}{SIGNIN_PATH}"
        profile = lab.profile(default_url=url, signin_urls=[url, f"https://{LAB_DOMAIN}:{others[LAB_DOMAIN].port}/app"])
        run = lab.run(url, dns=dns, profile=profile)
        outcome = await CertificateCheck().run(context(run, OffsetClock(0.0)))
    own = check_result_from(CertificateCheck, outcome, 1, "built-in")
    read = {s["host"]: s for s in own.details["other_official_sites"]["sites"]}
    assert read[LAB_DOMAIN]["error"] is None and read[LAB_DOMAIN]["not_after"] is not None
    assert reconciled(own, None) is None  # the other site's certificate is valid now: the clock is fine
    assert [f.code for f in own.findings] == ["certificate.expired"]


def test_ntp_blocked_and_the_clock_400_days_ahead_blame_the_clock_not_the_certificate() -> None:
    """Measured: the site's Date is the only time source; the certificate's own dates confirm it. The
    certificate's verdict came first, unwaited. (In the lab TLS verifies by the real clock; with the
    device's own clock 400 days ahead the Date is read unverified: tests/interop/test_clock_faketime.py.)"""
    events: list[Event] = []
    report = asyncio.run(_diagnose_with_events("clock-ahead-400d-ntp-blocked", events))
    clock, certificate = report.check("clock"), report.check("certificate")
    assert clock is not None and certificate is not None
    assert [f.code for f in certificate.findings] == ["certificate.clock_skew"]
    assert clock.status is Status.FAIL and "clock.totp_rejected" in {f.code for f in clock.findings}
    rejected = next(f for f in clock.findings if f.code == "clock.totp_rejected")
    assert rejected.evidence["confirmed_by"]["host"] == HOST
    offset = clock.fact(ClockOffset)
    assert offset is not None and offset.confirmed and abs(offset.offset_s - 400 * 86400) < 5
    assert "1 web server's Date header" in clock.summary and "confirms it" in clock.summary
    finished = [(e.result.id, e.revised) for e in events if isinstance(e, CheckFinished)]
    # The certificate finished on its own evidence while the clock still waited for NTP; both were
    # then revised when they reconciled.
    assert finished.index(("certificate", False)) < finished.index(("clock", False))
    assert ("certificate", True) in finished and ("clock", True) in finished
    checklist = {i.id: i for i in report.checklist}
    assert checklist["clock"].status is Status.FAIL
    assert "renew" not in checklist["secure-connection"].advice


async def _diagnose_with_events(name: str, events: list[Event]) -> Report:
    from diagnose.check import SystemClock
    from diagnose.lab.scenario import all_scenarios
    from diagnose.registry import discover
    from diagnose.session import Diagnosis, make_target

    chosen = all_scenarios()[name]
    async with Lab() as lab, chosen.factory(lab) as run:
        registry = discover(plugins=False)
        diagnosis = Diagnosis(target=make_target(run.url, run.profile), profile=run.profile,
                              plan=registry.plan(run.only), settings=run.settings, net=run.net,
                              clock=run.clock or SystemClock())
        return await diagnosis.run(events.append)
